"""What the admin command modules share: the answer (the session released first, HTML, in
Telegram-sized parts), the admin's Telegram id for the logs, and the studio's today."""

from __future__ import annotations

from datetime import date

from aiogram.enums import ParseMode
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from booking.deps import BookingDeps
from handlers import admin_views as tx
from handlers.common import release


def admin_id(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None


async def answer(message: Message, text: str, session: AsyncSession | None = None) -> None:
    await release(session)
    for part in tx.chunks(text):
        await message.answer(part, parse_mode=ParseMode.HTML)


def today(deps: BookingDeps) -> date:
    return deps.now().astimezone(deps.rules.tz).date()
