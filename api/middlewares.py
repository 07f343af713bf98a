"""Request middlewares: one database session per request, JSON errors."""

from __future__ import annotations

import logging
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
from api.keys import DB_SESSION, SESSIONMAKER
from booking.errors import DomainError

log = logging.getLogger("studio.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
