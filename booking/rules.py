"""The studio's rules as a Telegram client meets them: asked once per version, before the
first payment after the rules changed; a booking keeps the version accepted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.offers import current_rules
from db import queries
from db.models import Client
from db.sales import StudioRules


async def rules_to_accept(session: AsyncSession, telegram_id: int) -> StudioRules | None:
    """The rules in force when this client has not accepted their version yet, else None."""
    rules = await current_rules(session)
    if rules is None:
        return None
    accepted = await session.scalar(
        select(Client.rules_version).where(Client.telegram_id == telegram_id)
    )
    return None if accepted == rules.version else rules


async def accept_rules(session: AsyncSession, telegram_id: int, version: str) -> None:
    """Record the client's acceptance of this version; commits."""
    await queries.upsert_telegram_client(session, telegram_id, {"rules_version": version})
    await session.commit()
