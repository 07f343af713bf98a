"""Request middlewares: one database session per request, JSON errors."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import (
    ApiError,
    domain_error_response,
    error_response,
    validation_error_response,
)
from api.keys import DB_SESSION, REQUEST_ID, SESSIONMAKER, SETTINGS
from api.remote import from_trusted_proxy
from booking.errors import DomainError
from ops import request_ids
from ops.metrics import HTTP_LATENCY

log = logging.getLogger("studio.http")
REQUEST_ID_HEADER = "X-Request-Id"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request gets an id for its log lines and the events it writes, and hears it back
    in `X-Request-Id`; a proxy's own id is kept only when the proxy is trusted, so a client
    cannot plant one."""
    offered = None
    if from_trusted_proxy(request, request.app[SETTINGS].server.trusted_proxies):
        offered = request_ids.accepted(request.headers.get(REQUEST_ID_HEADER))
    request_id = request[REQUEST_ID] = offered or request_ids.new_id()
    token = request_ids.bind(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect raised past the error middleware
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        request_ids.unbind(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def latency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time each answer under its route's pattern (`/api/bookings/{booking_id}`), so that ids
    in paths make no new series; a path no route takes is `unmatched`."""
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes the contract's JSON error; nothing leaks a traceback."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except DomainError as exc:
        return domain_error_response(exc)
    except ValidationError as exc:
        return validation_error_response(exc)
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "body_too_large", "The request body is too large.")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
        if "Allow" in exc.headers:  # a 405 names the methods the path takes
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception as exc:
        log.error("unhandled error\n%s", bare_traceback(exc), extra={"path": request.path})
        return error_response(500, "internal_error", "Something went wrong on our side.")


def bare_traceback(exc: BaseException) -> str:
    """The traceback's frames and exception types, without the messages: a message may
    carry what the client sent (a database error's parameters, a refused value), and a
    client's name or phone has no place in the log."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for link in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(f"{type(link).__module__}.{type(link).__qualname__}\n")
    return "".join(parts).rstrip()


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One unit of work per request, opened by the first `db(request)`; use cases commit,
    anything left open rolls back. Answers that need no database (health, a gateway
    webhook refused before it is applied) open none."""
    try:
        return await handler(request)
    finally:
        session = request.get(DB_SESSION)
        if session is not None:
            await session.close()


def db(request: web.Request) -> AsyncSession:
    """The request's database session, opened on first use."""
    session = request.get(DB_SESSION)
    if session is None:
        session = request[DB_SESSION] = request.app[SESSIONMAKER]()
    return session
