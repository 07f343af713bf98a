"""Outgoing e-mail over SMTP (aiosmtplib): booking confirmations with .ics attachments.

`EmailSender.send()` builds one `EmailMessage` (UTF-8 headers and body, so Russian text
survives any relay), opens a connection per message as `SmtpSettings` says (plain,
STARTTLS or implicit TLS; AUTH when a username is set) and returns the Message-ID.
A failure is an `EmailDeliveryError` whose `permanent` flag tells the caller's retry
policy whether trying again later can help: SMTP 5xx replies (a refused recipient, a
rejected message, bad credentials) are permanent; 4xx replies, timeouts and connection
errors are temporary. Bad input (an address that is not shaped like one) is a
`ValueError` raised before any connection is made.
"""

from __future__ import annotations

import email.policy
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib

from settings import Settings, SmtpSettings

log = logging.getLogger(__name__)

__all__ = [
    "EmailAttachment",
    "EmailDeliveryError",
    "EmailSender",
    "email_enabled",
    "normalize_email",
]

# RFC 5322 dot-atom local part (ASCII only: SMTPUTF8 mailboxes are not supported).
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
_MIME_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KEY = re.compile(r"[A-Za-z0-9]+(\.[A-Za-z0-9]+)*")  # the left part of a Message-ID
_ICS_METHOD = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)

# Bodies are encoded as quoted-printable or base64 (whichever is shorter), never raw
# 8-bit, so a relay without 8BITMIME cannot damage Cyrillic text.
_MESSAGE_POLICY = email.policy.default.clone(cte_type="7bit")


def normalize_email(address: str) -> str:
    """Return `address` as it goes on the SMTP envelope, or raise ValueError.

    Accepts a bare `local@domain` (surrounding whitespace is stripped): an ASCII dot-atom
    local part and a domain of at least two labels. An internationalized domain
    (`почта.рф`) is converted to its IDNA (punycode) form.
    """
    if not isinstance(address, str):
        raise TypeError("address must be a str")
    candidate = address.strip()
    if len(candidate) > 254 or candidate.count("@") != 1:
        raise ValueError(f"not an e-mail address: {address!r}")
    local, domain = candidate.split("@")
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise ValueError(f"not an e-mail address: {address!r}")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"not an e-mail address: {address!r}") from None
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not _TLD.fullmatch(labels[-1])
    ):
        raise ValueError(f"not an e-mail address: {address!r}")
    return f"{local}@{ascii_domain}"


@dataclass(frozen=True)
class EmailAttachment:
    """A file attached to a message; `mime_type` is a bare `type/subtype`."""

    filename: str
    content: bytes = field(repr=False)
    mime_type: str

    def __post_init__(self) -> None:
        if not self.filename or any(ch in self.filename for ch in "\r\n\0/\\"):
            raise ValueError(f"bad attachment filename: {self.filename!r}")
        if not isinstance(self.content, bytes | bytearray):
            raise TypeError("attachment content must be bytes")
        if not _MIME_TYPE.fullmatch(self.mime_type):
            raise ValueError(f"bad attachment MIME type: {self.mime_type!r}")

    @classmethod
    def calendar(cls, content: bytes, filename: str = "booking.ics") -> EmailAttachment:
        """An .ics file (e.g. from `notifications.ics.booking_ics`) as text/calendar."""
        return cls(filename=filename, content=content, mime_type="text/calendar")


class EmailDeliveryError(Exception):
    """Sending failed. `permanent` is True when retrying the same message cannot help.

    `smtp_code` is the SMTP reply code when the server answered with one, else None.
    """

    def __init__(self, message: str, *, permanent: bool, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.smtp_code = smtp_code


def email_enabled(settings: SmtpSettings | Settings) -> bool:
    """True when an SMTP host is configured (accepts `SmtpSettings` or `Settings`)."""
    smtp = settings.smtp if isinstance(settings, Settings) else settings
    return bool(smtp.smtp_host and smtp.smtp_host.strip())


class EmailSender:
    """Sends messages through the SMTP server of `SmtpSettings`, one connection each.

    SMTP_USE_TLS: TLS from the first byte (port 465); SMTP_STARTTLS: plain connect, then
    a mandatory STARTTLS upgrade (port 587); neither: plain SMTP, no opportunistic
    upgrade. `tls_context` replaces the default (system trust store, hostname checked),
    e.g. to trust a private CA. AUTH (LOGIN/PLAIN/CRAM-MD5, whatever the server offers)
    is done when SMTP_USERNAME is set; the password is read from the SecretStr only here.
    """

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        if settings.smtp_use_tls and settings.smtp_starttls:
            raise ValueError("SMTP_USE_TLS and SMTP_STARTTLS are mutually exclusive")
        if settings.smtp_timeout <= 0:
            raise ValueError("SMTP_TIMEOUT must be positive")
        sender = parseaddr(settings.smtp_from)[1]
        if sender.count("@") != 1 or any(ch.isspace() for ch in sender):
            raise ValueError(f"SMTP_FROM is not an e-mail address: {settings.smtp_from!r}")
        self._settings = settings
        self._tls_context = tls_context
        self._sender = sender
        self._msgid_domain = _ascii_domain(sender.rpartition("@")[2])

    async def send(
        self,
        to: str,
        subject: str,
        text: str,
        attachments: Sequence[EmailAttachment] = (),
        *,
        key: str | None = None,
    ) -> str:
        """Send one plain-text message to `to`; return its Message-ID (with brackets).

        `key` (letters, digits, dots) names the message for good: sent again with the same
        key (a retry whose first try may have arrived) it carries the same Message-ID, and
        mail systems that see both take them for one message. Without it, a new one.

        Raises ValueError for a malformed recipient (or a subject with line breaks or
        other control characters)
        before connecting, EmailDeliveryError when the server cannot be reached or
        does not accept the message.
        """
        recipient = normalize_email(to)
        if _CONTROL.search(subject):  # a line break would start a header of its own (Bcc:)
            raise ValueError("the subject must be one line without control characters")
        message = self._build(recipient, subject, text, attachments, key)
        message_id = str(message["Message-ID"])
        settings = self._settings
        host = (settings.smtp_host or "").strip()
        if not host:
            raise EmailDeliveryError("SMTP_HOST is not set", permanent=True)
        username = settings.smtp_username or None
        password: str | None = None
        if username is not None:
            secret = settings.smtp_password
            password = secret.get_secret_value() if secret is not None else ""
        try:
            await aiosmtplib.send(
                message,
                sender=self._sender,
                recipients=[recipient],
                hostname=host,
                port=settings.smtp_port,
                username=username,
                password=password,
                use_tls=settings.smtp_use_tls,
                start_tls=settings.smtp_starttls,
                tls_context=self._tls_context,
                timeout=settings.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            error = _classify(exc)
            log.warning(
                "e-mail %s to %s failed (%s): %s",
                message_id,
                recipient,
                "permanent" if error.permanent else "temporary",
                error,
            )
            raise error from exc
        log.info("e-mail %s sent to %s", message_id, recipient)
        return message_id

    def _build(
        self,
        recipient: str,
        subject: str,
        text: str,
        attachments: Sequence[EmailAttachment],
        key: str | None = None,
    ) -> EmailMessage:
        message = EmailMessage(policy=_MESSAGE_POLICY)
        message["From"] = self._settings.smtp_from
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        if key is not None and not _KEY.fullmatch(key):
            raise ValueError("a message key is letters, digits and dots")
        domain = self._msgid_domain
        message["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        message.set_content(text)
        for attachment in attachments:
            maintype, subtype = attachment.mime_type.lower().split("/")
            params: dict[str, str] = {}
            if (maintype, subtype) == ("text", "calendar"):
                found = _ICS_METHOD.search(attachment.content)
                params["method"] = found.group(1).decode().upper() if found else "PUBLISH"
                params["charset"] = "utf-8"
            message.add_attachment(
                bytes(attachment.content),
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=params,
            )
        for part in message.iter_parts():
            del part["MIME-Version"]  # belongs on the top level only (RFC 2045)
        return message


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii") or "localhost"
    except UnicodeError:
        return "localhost"


def _classify(exc: BaseException) -> EmailDeliveryError:
    """Map an aiosmtplib/socket failure to an EmailDeliveryError (see module docstring)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        # RFC 5321 4.5.3.1.10: a 552 to RCPT (mailbox full) is to be treated as 452.
        permanent = bool(codes) and all(500 <= code < 600 and code != 552 for code in codes)
        details = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return EmailDeliveryError(
            f"recipient refused: {details}",
            permanent=permanent,
            smtp_code=codes[0] if codes else None,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        mailbox_full = isinstance(exc, aiosmtplib.SMTPRecipientRefused) and exc.code == 552
        return EmailDeliveryError(
            f"{type(exc).__name__}: {exc.code} {exc.message}",
            permanent=500 <= exc.code < 600 and not mailbox_full,
            smtp_code=exc.code,
        )
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # The server lacks STARTTLS/AUTH/... that the settings require: retrying won't help.
        return EmailDeliveryError(f"SMTPNotSupported: {exc}", permanent=True)
    return EmailDeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
