"""Studio booking: the domain rules and the use cases that apply them."""
