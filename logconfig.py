"""Structured logs: one JSON line per record, with the ids passed in `extra`.

Secrets never reach a log line: known secret values are masked wherever they appear, and
fields named like tokens or card data are dropped.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from aiohttp.http_exceptions import HttpProcessingError

from ops.request_ids import RequestIdFilter

STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
SECRET_FIELDS = {"token", "access_token", "password", "secret", "card", "pan", "authorization"}


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in STANDARD or key.lower() in SECRET_FIELDS:
                continue
            data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return self._mask(json.dumps(data, default=str, ensure_ascii=False))


class MalformedRequests(logging.Filter):
    """aiohttp logs a request it cannot parse (a NUL byte in a header, a broken request
    line) as an ERROR with a traceback. That is the client's mistake, answered 400: it
    becomes one INFO line naming the parser's complaint, without the request's bytes."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = "malformed request refused", ()
        record.exc_info, record.exc_text = None, None
        record.status, record.error = exc.code, type(exc).__name__
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequests) for f in server.filters):
        server.addFilter(MalformedRequests())
