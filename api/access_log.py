"""aiohttp's access logger, writing one JSON line per request through the service's logging.

A line carries the method, the path (never the query string), the status, the time taken
and the ids a handler put in `LOG_FIELDS`: nothing about the caller, no token.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from api.keys import LOG_FIELDS, REQUEST_ID

LOGGER = logging.getLogger("studio.http")
QUIET_PATHS = frozenset({"/health", "/ready"})


class RequestLog(AbstractAccessLogger):
    """aiohttp's `access_log_class`, with `access_log=LOGGER`."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path in QUIET_PATHS:
            return
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "ms": round(time * 1000, 1),
            "request_id": request.get(REQUEST_ID),
            **request.get(LOG_FIELDS, {}),
        }
        self.logger.info("request", extra=fields)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
