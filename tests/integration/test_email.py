"""notifications.email over real SMTP against the local aiosmtpd server (tests/fakes)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from notifications.delivery import Outgoing
from notifications.email import (
    EmailAttachment,
    EmailDeliveryError,
    EmailSender,
    email_enabled,
    normalize_email,
)
from notifications.email_channel import EmailChannel
from notifications.ics import booking_ics
from settings import Settings, SmtpSettings
from tests.fakes.smtp_server import FakeSmtpServer, running_smtp_server

FROM = "Фотостудия «Свет» <studio@example.com>"
TO = "client@example.com"
SUBJECT = "Бронь подтверждена: зал «Лофт», 14 марта"
TEXT = (
    "Здравствуйте, Анна!\n"
    "\n"
    "Ваша бронь №42 подтверждена: зал «Лофт», 14 марта с 12:00 до 14:30.\n"
    "Ёжик, щётка, объём — проверка букв ё и щ.\n"
)
PASSWORD = "пароль-Secret-42"


def smtp_settings(port: int, **overrides: object) -> SmtpSettings:
    """Every field explicit, so SMTP_* variables of the environment cannot leak in."""
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_username": None,
        "smtp_password": None,
        "smtp_from": FROM,
        "smtp_starttls": False,
        "smtp_use_tls": False,
        "smtp_timeout": 5.0,
    }
    values.update(overrides)
    return SmtpSettings(_env_file=None, **values)  # type: ignore[arg-type]


def ics_bytes(*, cancelled: bool = False) -> bytes:
    start = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    return booking_ics(
        uid="booking-42@studio.example",
        summary="Съёмка в зале «Лофт»",
        description="Предоплата 50 %. Приходите за 10 минут до начала. " * 3,
        location="Москва, ул. Станкостроителей, 5",
        start=start,
        end=start + timedelta(hours=2, minutes=30),
        created=start - timedelta(days=13),
        stamp=start - timedelta(days=13),
        sequence=1 if cancelled else 0,
        cancelled=cancelled,
    )


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def attachments_of(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())


# -- delivery --------------------------------------------------------------------------


async def test_delivers_russian_message_with_ics_attachment() -> None:
    ics = ics_bytes()
    async with running_smtp_server() as smtp:
        sender = EmailSender(smtp_settings(smtp.port))
        message_id = await sender.send(
            TO, SUBJECT, TEXT, [EmailAttachment.calendar(ics, filename="бронь-42.ics")]
        )

    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received.mail_from == "studio@example.com"
    assert received.rcpt_tos == (TO,)
    assert received.login is None
    # Headers are RFC 2047 encoded and bodies QP/base64: the wire form is 7-bit clean.
    assert received.raw.isascii()

    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["From"] == FROM
    assert message["From"].addresses[0].display_name == "Фотостудия «Свет»"
    assert message["To"] == TO
    assert message["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@example.com>")
    sent_at = parsedate_to_datetime(message["Date"])
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=1)

    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content_charset() == "utf-8"
    assert body.get_content() == TEXT

    (attachment,) = attachments_of(message)
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_param("charset") == "utf-8"
    assert attachment.get_filename() == "бронь-42.ics"
    assert attachment.get_payload(decode=True) == ics
    assert "MIME-Version" not in attachment


async def test_cancel_ics_gets_method_cancel_and_other_attachments_pass_through() -> None:
    ics = ics_bytes(cancelled=True)
    pdf = b"%PDF-1.4\n\x00\xff binary \x80 bytes"
    async with running_smtp_server() as smtp:
        await EmailSender(smtp_settings(smtp.port)).send(
            TO,
            "Бронь отменена",
            "Бронь №42 отменена.",
            [
                EmailAttachment.calendar(ics, filename="cancel.ics"),
                EmailAttachment("счёт.pdf", pdf, "application/pdf"),
            ],
        )
    calendar, invoice = attachments_of(smtp.messages[0].message)
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "CANCEL"
    assert calendar.get_payload(decode=True) == ics
    assert invoice.get_content_type() == "application/pdf"
    assert invoice.get_filename() == "счёт.pdf"
    assert invoice.get_payload(decode=True) == pdf


async def test_each_message_gets_its_own_message_id() -> None:
    async with running_smtp_server() as smtp:
        sender = EmailSender(smtp_settings(smtp.port))
        first = await sender.send(TO, "1", "один")
        second = await sender.send("other@example.org", "2", "два")
    assert first != second
    assert [m.message["Message-ID"] for m in smtp.messages] == [first, second]
    assert smtp.messages[1].rcpt_tos == ("other@example.org",)


async def test_a_notification_sent_again_keeps_its_message_id() -> None:
    """A retry of a message whose first try may have arrived (the process died before it
    recorded the send) is the same message to the mailbox, which shows it once."""
    confirmation = Outgoing(41, "email", TO, "Бронь подтверждена", "Ждём вас", 7)
    async with running_smtp_server() as smtp:
        channel = EmailChannel(EmailSender(smtp_settings(smtp.port)))
        await channel.deliver(confirmation)
        await channel.deliver(confirmation)  # the lease ran out: claimed and sent again
        await channel.deliver(Outgoing(42, "email", TO, "Напоминание", "Завтра в 12:00", 7))
    first, again, other = (m.message["Message-ID"] for m in smtp.messages)
    assert first == again
    assert other != first
    assert first.startswith("<n41.") and first.endswith("@example.com>")


async def test_idn_recipient_goes_out_as_punycode() -> None:
    async with running_smtp_server() as smtp:
        await EmailSender(smtp_settings(smtp.port)).send("anna@почта.рф", "Тест", "Тест")
    assert smtp.messages[0].rcpt_tos == ("anna@xn--80a1acny.xn--p1ai",)


# -- authentication --------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
async def test_auth_success(mechanism: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_smtp_server(
        username="booking-bot", password=PASSWORD, auth_mechanisms=[mechanism]
    ) as smtp:
        settings = smtp_settings(
            smtp.port, smtp_username="booking-bot", smtp_password=SecretStr(PASSWORD)
        )
        await EmailSender(settings).send(TO, SUBJECT, TEXT)
    assert [(a.mechanism, a.login, a.success) for a in smtp.auth_attempts] == [
        (mechanism, "booking-bot", True)
    ]
    assert smtp.messages[0].login == "booking-bot"
    assert PASSWORD not in caplog.text


async def test_auth_failure_is_permanent_and_does_not_leak_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "неверный-пароль"
    async with running_smtp_server(username="booking-bot", password=PASSWORD) as smtp:
        settings = smtp_settings(
            smtp.port, smtp_username="booking-bot", smtp_password=SecretStr(wrong)
        )
        with pytest.raises(EmailDeliveryError) as caught:
            await EmailSender(settings).send(TO, SUBJECT, TEXT)
    assert caught.value.permanent is True
    assert caught.value.smtp_code == 535
    assert smtp.messages == []
    assert smtp.auth_attempts and not any(a.success for a in smtp.auth_attempts)
    assert wrong not in str(caught.value) and wrong not in caplog.text
    assert wrong not in repr(settings)


async def test_server_requiring_auth_refuses_anonymous_sender() -> None:
    async with running_smtp_server(username="booking-bot", password=PASSWORD) as smtp:
        with pytest.raises(EmailDeliveryError) as caught:
            await EmailSender(smtp_settings(smtp.port)).send(TO, SUBJECT, TEXT)
    assert caught.value.permanent is True
    assert caught.value.smtp_code == 530
    assert smtp.messages == []


# -- failure classification ------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "code", "permanent"),
    [
        ("RCPT", 451, False),
        ("RCPT", 450, False),
        ("RCPT", 550, True),
        ("RCPT", 553, True),
        ("RCPT", 552, False),  # mailbox full: RFC 5321 says treat as 452
        ("DATA", 451, False),
        ("DATA", 452, False),
        ("DATA", 550, True),
        ("DATA", 554, True),
    ],
)
async def test_smtp_replies_classified(stage: str, code: int, permanent: bool) -> None:
    async with running_smtp_server() as smtp:
        smtp.fail_next(stage, code)  # type: ignore[arg-type]
        sender = EmailSender(smtp_settings(smtp.port))
        with pytest.raises(EmailDeliveryError) as caught:
            await sender.send(TO, SUBJECT, TEXT)
        assert caught.value.permanent is permanent
        assert caught.value.smtp_code == code
        assert str(code) in str(caught.value)
        assert smtp.messages == []

        # The switch applies to one command only: the retry goes through.
        await sender.send(TO, SUBJECT, TEXT)
        assert len(smtp.messages) == 1


async def test_fail_next_helpers_queue_in_order() -> None:
    async with running_smtp_server() as smtp:
        smtp.fail_next_rcpt()
        smtp.fail_next_rcpt(550, "5.1.1 No such user")
        sender = EmailSender(smtp_settings(smtp.port))
        outcomes: list[tuple[int | None, bool | None]] = []
        for _ in range(3):
            try:
                await sender.send(TO, SUBJECT, TEXT)
            except EmailDeliveryError as exc:
                outcomes.append((exc.smtp_code, exc.permanent))
            else:
                outcomes.append((250, None))
    assert outcomes == [(451, False), (550, True), (250, None)]
    assert len(smtp.messages) == 1


async def test_unreachable_port_is_temporary() -> None:
    sender = EmailSender(smtp_settings(free_port()))
    with pytest.raises(EmailDeliveryError) as caught:
        await sender.send(TO, SUBJECT, TEXT)
    assert caught.value.permanent is False
    assert caught.value.smtp_code is None


async def test_silent_server_times_out_as_temporary() -> None:
    """A server that accepts the connection but never greets: the timeout applies."""

    handlers: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # until the client gives up and closes
        finally:
            writer.close()
            await writer.wait_closed()

    def never_greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.ensure_future(serve(reader, writer)))

    server = await asyncio.start_server(never_greet, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        sender = EmailSender(smtp_settings(port, smtp_timeout=0.3))
        with pytest.raises(EmailDeliveryError) as caught:
            # Not a measure of speed: the bound only turns a hang into a failure.
            await asyncio.wait_for(sender.send(TO, SUBJECT, TEXT), 30)
        assert caught.value.permanent is False
        assert "Timeout" in str(caught.value)
    finally:
        server.close()
        await server.wait_closed()
        # The client has closed its end; let the server side see EOF and close too.
        await asyncio.wait_for(asyncio.gather(*handlers), timeout=2)


# -- input validation (no connection is made) ------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "",
        "   ",
        "client",
        "client@",
        "@example.com",
        "client@@example.com",
        "client@example",
        "client@example.c",
        "client@-example.com",
        "client@exa_mple.com",
        "client@example..com",
        ".client@example.com",
        "cli..ent@example.com",
        "cli ent@example.com",
        "client@example.com\r\nRCPT TO:<victim@example.org>",
        "client@example.com\r\nBcc: victim@example.org",
        "client@example.com\x00",
        "client@example.com>",
        "Анна <client@example.com>",
        "клиент@example.com",
        "a" * 65 + "@example.com",
        "client@" + "a" * 64 + ".com",
    ],
)
async def test_invalid_recipient_rejected_without_connecting(address: str) -> None:
    async with running_smtp_server() as smtp:
        with pytest.raises(ValueError, match="not an e-mail address"):
            await EmailSender(smtp_settings(smtp.port)).send(address, SUBJECT, TEXT)
    assert smtp.connections == 0


@pytest.mark.parametrize(
    "subject",
    ["Тема\r\nBcc: victim@example.org", "Тема\nBcc: x@example.org", "Тема\x00", "\x1b[2J"],
)
async def test_header_injection_in_subject_rejected_without_connecting(subject: str) -> None:
    async with running_smtp_server() as smtp:
        with pytest.raises(ValueError):
            await EmailSender(smtp_settings(smtp.port)).send(TO, subject, TEXT)
    assert smtp.connections == 0


@pytest.mark.parametrize(
    ("address", "normalized"),
    [
        ("client@example.com", "client@example.com"),
        ("  Client.Name+tag@Sub.Example.COM ", "Client.Name+tag@Sub.Example.COM"),
        ("o'brien@example.co.uk", "o'brien@example.co.uk"),
        ("anna@почта.рф", "anna@xn--80a1acny.xn--p1ai"),
        ("x@xn--80a1acny.xn--p1ai", "x@xn--80a1acny.xn--p1ai"),
    ],
)
def test_normalize_email_accepts(address: str, normalized: str) -> None:
    assert normalize_email(address) == normalized


def test_attachment_validation() -> None:
    with pytest.raises(ValueError):
        EmailAttachment("a.ics", b"", "text calendar")
    with pytest.raises(ValueError):
        EmailAttachment("../a.ics", b"", "text/calendar")
    with pytest.raises(ValueError):
        EmailAttachment("a\r\n.ics", b"", "text/calendar")
    with pytest.raises(TypeError):
        EmailAttachment("a.ics", "text", "text/calendar")  # type: ignore[arg-type]
    assert "content" not in repr(EmailAttachment("a.ics", b"secret", "text/calendar"))


# -- settings --------------------------------------------------------------------------


async def test_unconfigured_host_is_a_permanent_error() -> None:
    sender = EmailSender(smtp_settings(25, smtp_host=None))
    with pytest.raises(EmailDeliveryError) as caught:
        await sender.send(TO, SUBJECT, TEXT)
    assert caught.value.permanent is True


def test_email_enabled() -> None:
    assert email_enabled(smtp_settings(25)) is True
    assert email_enabled(smtp_settings(25, smtp_host=None)) is False
    assert email_enabled(smtp_settings(25, smtp_host="  ")) is False
    settings = Settings.__new__(Settings)  # without reading the environment
    settings.smtp = smtp_settings(25)
    assert email_enabled(settings) is True


def test_conflicting_tls_settings_rejected() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        EmailSender(smtp_settings(465, smtp_use_tls=True, smtp_starttls=True))


def test_bad_from_rejected() -> None:
    with pytest.raises(ValueError, match="SMTP_FROM"):
        EmailSender(smtp_settings(25, smtp_from="студия"))


# -- TLS (needs the openssl binary to make a throwaway certificate) ---------------------


@pytest.fixture(scope="module")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl binary not available")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


def tls_contexts(cert: Path, key: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


async def test_starttls_then_auth(tls_certificate: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = tls_contexts(*tls_certificate)
    async with FakeSmtpServer(
        username="booking-bot", password=PASSWORD, tls_context=server_ctx
    ) as smtp:
        settings = smtp_settings(
            smtp.port,
            smtp_starttls=True,
            smtp_username="booking-bot",
            smtp_password=SecretStr(PASSWORD),
        )
        await EmailSender(settings, tls_context=client_ctx).send(TO, SUBJECT, TEXT)
    assert smtp.messages[0].login == "booking-bot"
    assert smtp.messages[0].message["Subject"] == SUBJECT


async def test_implicit_tls(tls_certificate: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = tls_contexts(*tls_certificate)
    async with FakeSmtpServer(tls_context=server_ctx, implicit_tls=True) as smtp:
        settings = smtp_settings(smtp.port, smtp_use_tls=True)
        await EmailSender(settings, tls_context=client_ctx).send(TO, SUBJECT, TEXT)
    assert smtp.messages[0].message.get_body().get_content() == TEXT  # type: ignore[union-attr]


async def test_untrusted_certificate_is_not_accepted(
    tls_certificate: tuple[Path, Path],
) -> None:
    server_ctx, _ = tls_contexts(*tls_certificate)
    async with FakeSmtpServer(tls_context=server_ctx, implicit_tls=True) as smtp:
        # Default context: the system trust store does not know the throwaway certificate.
        sender = EmailSender(smtp_settings(smtp.port, smtp_use_tls=True, smtp_timeout=2.0))
        with pytest.raises(EmailDeliveryError):
            await sender.send(TO, SUBJECT, TEXT)
    assert smtp.messages == []
