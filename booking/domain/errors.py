"""Domain errors: a stable machine code plus an English sentence the edges can show as is."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule failure, so the edges map one family of errors to one JSON shape."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[DomainError], tuple[str, str]]:
        # Keeps both fields when the error crosses a process boundary (pickle).
        return type(self), (self.code, self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BookingRuleError(DomainError):
    """The request breaks a booking rule; the caller can fix the input (HTTP 400)."""


class SlotTakenError(DomainError):
    """Another booking holds the time; a conflict rather than bad input (HTTP 409)."""

    def __init__(
        self, code: str = "slot_taken", message: str = "This time is already booked."
    ) -> None:
        super().__init__(code, message)


class InvalidTransition(DomainError):
    """The booking's current state does not allow the requested change (HTTP 409)."""

    def __init__(
        self,
        code: str = "invalid_state",
        message: str = "The booking cannot change to that state.",
    ) -> None:
        super().__init__(code, message)
