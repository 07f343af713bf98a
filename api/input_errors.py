"""What a refused request body says: the field and what is wrong with it, in plain words.

Pydantic's own messages name regular expressions and its internals ("String should match
pattern '^…$'"); a caller needs "hours.mon.1: must be a time HH:MM". A field whose format is a
pattern names it with `pattern()`, and the message says that meaning instead."""

from __future__ import annotations

import re
from typing import Any

#: A pattern's meaning, said after "must be".
_MEANINGS: dict[str, str] = {}
_KEY = "[key]"


def pattern(regex: str, meaning: str) -> str:
    """`regex`, remembered as meaning `meaning` (e.g. "a time HH:MM") for the messages."""
    _MEANINGS[regex] = meaning
    return regex


def where(loc: tuple[int | str, ...]) -> str:
    """The field's path, dotted; a dict's key is named as the key itself."""
    return ".".join(str(part) for part in loc if part != _KEY) or "body"


def describe(error: Any) -> str:
    """ "<field>: <what is wrong>" for one of a ValidationError's `errors()`."""
    loc = tuple(error.get("loc") or ())
    name = where(loc)
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        wrong = "must be " + _MEANINGS.get(str(ctx.get("pattern")), "in the documented format")
    elif kind == "literal_error":
        wrong = "must be one of " + str(ctx.get("expected", "")).replace("'", "")
    elif kind == "extra_forbidden":
        wrong = "is not a field this request takes"
    elif kind == "missing":
        wrong = "is required"
    elif kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        wrong = "must not be empty"
    else:
        wrong = _plain(str(error.get("msg", "")))
    if _KEY in loc:
        wrong = "the key " + wrong
    return f"{name}: {wrong}"


def _plain(message: str) -> str:
    """Pydantic's wording for the other errors, without its turns of phrase."""
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = message.replace(" after validation", "").replace("a valid ", "a ")
    message = message.replace("a dictionary", "an object")
    message = re.sub(r"\ba (?=[aeio])", "an ", message)  # "an integer", "an object"
    for lead in ("Input should be ", "Value should be "):
        if message.startswith(lead):
            return "must be " + message.removeprefix(lead)
    message = re.sub(r"^\w+ should have ", "must have ", message)
    if "pattern" in message or "\\" in message:
        return "is not in the documented format"
    return message[:1].lower() + message[1:]
