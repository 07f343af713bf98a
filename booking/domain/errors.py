"""Domain errors: a stable machine code, an English sentence the API can show as is, and the
figures behind it (`details`) for edges that word the refusal themselves (the bot)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule failure, so the edges map one family of errors to one JSON shape."""

    def __init__(self, code: str, message: str, **details: int | str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __reduce__(self) -> tuple[object, ...]:
        # Keeps every field when the error crosses a process boundary (pickle).
        return _rebuild, (type(self), self.code, self.message, self.details)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BookingRuleError(DomainError):
    """The request breaks a booking rule; the caller can fix the input (HTTP 400)."""


class SlotTakenError(DomainError):
    """Another booking holds the time; a conflict rather than bad input (HTTP 409)."""

    def __init__(
        self,
        code: str = "slot_taken",
        message: str = "This time is already booked.",
        **details: int | str,
    ) -> None:
        super().__init__(code, message, **details)


class InvalidTransition(DomainError):
    """The booking's current state does not allow the requested change (HTTP 409)."""

    def __init__(
        self,
        code: str = "invalid_state",
        message: str = "The booking cannot change to that state.",
        **details: int | str,
    ) -> None:
        super().__init__(code, message, **details)


def _rebuild(
    cls: type[DomainError], code: str, message: str, details: dict[str, int | str]
) -> DomainError:
    return cls(code, message, **details)
