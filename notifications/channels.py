"""Which ways of reaching people a process has (Telegram, e-mail) and who its admins are: what
every part that queues or sends a notification is told at start."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Channels:
    """Which ways of reaching people this process has, and who the admins are."""

    telegram: bool = False
    email: bool = False
    admin_telegram_ids: tuple[int, ...] = ()
    admin_emails: tuple[str, ...] = ()
    studio_address: str = ""
    #: The address in English, for English-speaking recipients (the Russian one if empty).
    studio_address_en: str = ""
    #: The address the studio's e-mails come from: the calendar files' ORGANIZER, which a
    #: cancellation needs for calendar apps to honour it (RFC 5546).
    studio_email: str | None = None

    def names(self) -> list[str]:
        return [name for name, on in (("telegram", self.telegram), ("email", self.email)) if on]

    def address_in(self, lang: str) -> str:
        return (
            self.studio_address_en
            if lang == "en" and self.studio_address_en
            else self.studio_address
        )
