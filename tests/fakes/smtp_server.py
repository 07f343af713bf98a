"""A real SMTP server on 127.0.0.1 for tests, built on aiosmtpd.

It runs inside the test's own event loop (no thread) on a free port and records every
accepted message. Switches make it refuse the next RCPT or DATA with a chosen reply
(451 temporary, 550 permanent, ...), and with `username`/`password` it offers AUTH
LOGIN and PLAIN, checks the credentials and refuses MAIL from unauthenticated clients.
With `tls_context` it offers STARTTLS (or, with `implicit_tls=True`, speaks TLS from
the first byte).

    async with running_smtp_server(username="u", password="p") as smtp:
        ...  # connect to smtp.host:smtp.port
        assert smtp.messages[0].message["Subject"] == "..."
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import ssl
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["AuthAttempt", "FakeSmtpServer", "ReceivedMessage", "running_smtp_server"]

Stage = Literal["RCPT", "DATA"]

_DEFAULT_REPLY_TEXT = {
    4: "4.3.0 Temporary failure, try again later",
    5: "5.1.1 Mailbox unavailable",
}


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    login: str | None
    """The authenticated username, or None when the client did not log in."""


@dataclass(frozen=True)
class AuthAttempt:
    mechanism: str
    login: str
    success: bool


class FakeSmtpServer:
    """The server; `await start()` / `await stop()` or `async with FakeSmtpServer(...)`."""

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        auth_mechanisms: Iterable[str] = ("LOGIN", "PLAIN"),
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if implicit_tls and tls_context is None:
            raise ValueError("implicit_tls needs a tls_context")
        self.host = host
        self.username = username
        self.password = password
        self.auth_mechanisms = tuple(m.upper() for m in auth_mechanisms)
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.connections = 0
        self._failures: dict[Stage, deque[str]] = {"RCPT": deque(), "DATA": deque()}
        self._server: asyncio.Server | None = None
        self._protocols: list[SMTP] = []

    # -- switches ----------------------------------------------------------------------

    def fail_next(self, stage: Stage, code: int, text: str | None = None) -> None:
        """Answer the next `stage` command (RCPT or DATA) with `code text` once."""
        if not 400 <= code < 600:
            raise ValueError("a failure reply is 4xx or 5xx")
        reply_text = text if text is not None else _DEFAULT_REPLY_TEXT[code // 100]
        self._failures[stage].append(f"{code} {reply_text}")

    def fail_next_rcpt(self, code: int = 451, text: str | None = None) -> None:
        self.fail_next("RCPT", code, text)

    def fail_next_data(self, code: int = 451, text: str | None = None) -> None:
        self.fail_next("DATA", code, text)

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server is not running")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> FakeSmtpServer:
        if self._server is not None:
            raise RuntimeError("server is already running")
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: self._new_protocol(loop),
            host=self.host,
            port=0,
            ssl=self.tls_context if self.implicit_tls else None,
        )
        return self

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await server.wait_closed()
        tasks: list[asyncio.Task[Any]] = []
        for protocol in self._protocols:
            if protocol.transport is not None and not protocol.transport.is_closing():
                protocol.transport.close()
            task = getattr(protocol, "_handler_coroutine", None)
            if task is not None and not task.done():
                tasks.append(task)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=2)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
        self._protocols.clear()

    async def __aenter__(self) -> FakeSmtpServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- aiosmtpd plumbing -------------------------------------------------------------

    def _new_protocol(self, loop: asyncio.AbstractEventLoop) -> SMTP:
        self.connections += 1
        starttls = self.tls_context is not None and not self.implicit_tls
        auth_on = self.username is not None
        excluded = [] if auth_on else ["LOGIN", "PLAIN"]
        if auth_on:
            excluded = [m for m in ("LOGIN", "PLAIN") if m not in self.auth_mechanisms]
        protocol = SMTP(
            _Handler(self),
            hostname="localhost",
            loop=loop,
            tls_context=self.tls_context if starttls else None,
            # Over STARTTLS, AUTH is offered only after the upgrade (like a real relay);
            # on a plain or implicit-TLS connection it is offered straight away.
            auth_require_tls=starttls,
            auth_exclude_mechanism=excluded,
            authenticator=self._authenticate,
            timeout=30,
        )
        self._protocols.append(protocol)
        return protocol

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.username is None:
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = login == self.username and password == self.password
        self.auth_attempts.append(AuthAttempt(mechanism=mechanism, login=login, success=ok))
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    def _next_failure(self, stage: Stage) -> str | None:
        queue = self._failures[stage]
        return queue.popleft() if queue else None


class _Handler:
    """aiosmtpd handler hooks; the state lives on the FakeSmtpServer."""

    def __init__(self, owner: FakeSmtpServer) -> None:
        self._owner = owner

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self._owner.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        failure = self._owner._next_failure("RCPT")
        if failure is not None:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._owner._next_failure("DATA")
        if failure is not None:
            return failure
        raw = envelope.original_content or b""
        parsed = BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        auth_data = session.auth_data if session.authenticated else None
        login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else None
        self._owner.messages.append(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=parsed,
                raw=raw,
                login=login,
            )
        )
        return f"250 2.0.0 OK queued as {len(self._owner.messages)}"


@contextlib.asynccontextmanager
async def running_smtp_server(**options: Any) -> AsyncIterator[FakeSmtpServer]:
    """`async with running_smtp_server(...) as smtp:` -- started, and stopped on exit."""
    server = FakeSmtpServer(**options)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
