"""The e-mail channel of the notification log."""

from __future__ import annotations

from notifications.delivery import DeliveryError, Outgoing
from notifications.email import EmailAttachment, EmailDeliveryError, EmailSender


class EmailChannel:
    def __init__(self, sender: EmailSender) -> None:
        self._sender = sender

    async def deliver(self, message: Outgoing) -> None:
        attachments = [
            EmailAttachment(a.filename, a.content, a.mime_type) for a in message.attachments
        ]
        try:
            await self._sender.send(message.recipient, message.subject, message.text, attachments)
        except EmailDeliveryError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        except ValueError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
