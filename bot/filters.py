"""Who counts as a studio admin (ADMIN_IDS and OWNER_IDS) and who as an owner (OWNER_IDS, or
every admin when no owner is named)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class IsAdmin(Filter):
    """Passes only for admins (owners included), so admin routers stay invisible to everyone
    else.

    The ids come from the constructor or, when none are given, from the dispatcher's
    workflow data: ``admin_ids`` (preferred) or the bot settings' staff. No ids at all means
    no admins, never "everyone".
    """

    def __init__(self, admin_ids: Collection[int] | None = None) -> None:
        self._admin_ids = frozenset(admin_ids) if admin_ids is not None else None

    async def __call__(self, event: Message | CallbackQuery, **data: Any) -> bool:
        user = event.from_user
        if user is None:
            return False
        return user.id in self._ids(data)

    def _ids(self, data: dict[str, Any]) -> frozenset[int]:
        if self._admin_ids is not None:
            return self._admin_ids
        ids = data.get("admin_ids")
        if ids is None:
            bot_settings = getattr(data.get("settings"), "bot", None)
            ids = getattr(bot_settings, "staff_ids", None) or ()
        return frozenset(ids)


class IsOwner(IsAdmin):
    """Passes only for owners: prices, hours, halls, the rules, roles and large refunds.

    Ids from the constructor, or ``owner_ids`` in the workflow data, or the bot settings'
    owners (OWNER_IDS, or every admin when none is named).
    """

    def _ids(self, data: dict[str, Any]) -> frozenset[int]:
        if self._admin_ids is not None:
            return self._admin_ids
        ids = data.get("owner_ids")
        if ids is None:
            bot_settings = getattr(data.get("settings"), "bot", None)
            ids = getattr(bot_settings, "owners", None) or ()
        return frozenset(ids)
