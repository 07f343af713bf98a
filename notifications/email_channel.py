"""The e-mail channel of the notification log.

Each notification goes out under a Message-ID of its own that a retry keeps: a message sent
just before the process died, and so sent again once its claim ran out (SMTP has no
idempotency key), reaches the mailbox as the same message, which mail systems show once.
"""

from __future__ import annotations

import hashlib

from notifications.delivery import DeliveryError, Outgoing
from notifications.email import EmailAttachment, EmailDeliveryError, EmailSender


def message_key(message: Outgoing) -> str:
    """The notification's id and a digest of what it says: stable across its retries,
    different for another database's notification of the same id."""
    said = "\n".join((message.recipient, message.subject, message.text)).encode()
    return f"n{message.id}.{hashlib.sha256(said).hexdigest()[:16]}"


class EmailChannel:
    def __init__(self, sender: EmailSender) -> None:
        self._sender = sender

    async def deliver(self, message: Outgoing) -> None:
        attachments = [
            EmailAttachment(a.filename, a.content, a.mime_type) for a in message.attachments
        ]
        try:
            await self._sender.send(
                message.recipient,
                message.subject,
                message.text,
                attachments,
                key=message_key(message),
            )
        except EmailDeliveryError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        except ValueError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
