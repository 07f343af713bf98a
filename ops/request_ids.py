"""One id per HTTP request and per bot update, carried by a context variable so that every
log line and every event written while handling it names it."""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar, Token

#: The id of what is being handled now; None outside a request or update (jobs).
current: ContextVar[str | None] = ContextVar("request_id", default=None)
#: An id taken from a trusted proxy's header: short, and nothing a log line could trip on.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def new_id() -> str:
    return secrets.token_hex(8)


def accepted(value: str | None) -> str | None:
    """A proxy's `X-Request-Id` when it looks like an id; anything else is replaced."""
    if value is not None and ACCEPTED.fullmatch(value):
        return value
    return None


def bind(request_id: str) -> Token[str | None]:
    return current.set(request_id)


def unbind(token: Token[str | None]) -> None:
    current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to each record made while a request or update is handled (a line
    that names one already, like the access log's, keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current.get()
            if request_id is not None:
                record.request_id = request_id
        return True
