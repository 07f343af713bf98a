"""Who counts as a studio admin: the Telegram user ids of ADMIN_IDS, nobody else."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class IsAdmin(Filter):
    """Passes only for admins, so admin routers stay invisible to everyone else.

    The ids come from the constructor or, when none are given, from the dispatcher's
    workflow data: ``admin_ids`` (preferred) or ``settings.bot.admin_ids``. No ids at all
    means no admins, never "everyone".
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
            settings = data.get("settings")
            ids = getattr(getattr(settings, "bot", None), "admin_ids", None) or ()
        return frozenset(ids)
