"""Admins and owners: who gets the admin commands and who the owner's."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.filters import IsAdmin, IsOwner
from settings import BotSettings


def _user_event(user_id: int) -> Any:
    return SimpleNamespace(from_user=SimpleNamespace(id=user_id))


async def test_owners_are_admins_and_admins_are_not_owners() -> None:
    bot = BotSettings(admin_ids="20, 30", owner_ids="10")
    data = {"settings": SimpleNamespace(bot=bot)}
    assert bot.staff_ids == (10, 20, 30)
    assert [await IsAdmin()(_user_event(uid), **data) for uid in (10, 20, 30, 40)] == [
        True,
        True,
        True,
        False,
    ]
    assert [await IsOwner()(_user_event(uid), **data) for uid in (10, 20, 40)] == [
        True,
        False,
        False,
    ]


async def test_without_owners_named_every_admin_is_one() -> None:
    bot = BotSettings(admin_ids="20,30")
    data = {"settings": SimpleNamespace(bot=bot)}
    assert bot.owners == (20, 30)
    assert await IsOwner()(_user_event(30), **data)
    assert not await IsOwner()(_user_event(40), **data)


async def test_nobody_named_means_nobody_is_admin() -> None:
    data = {"settings": SimpleNamespace(bot=BotSettings())}
    assert not await IsAdmin()(_user_event(1), **data)
    assert not await IsOwner()(_user_event(1), **data)


def test_whoami_roles_and_the_refund_limit() -> None:
    bot = BotSettings(admin_ids="20, 30", owner_ids="10", admin_refund_limit="2500")
    assert [bot.role_of(uid) for uid in (10, 20, 40)] == ["owner", "admin", "client"]
    assert bot.refund_limit == 250_000
    alone = BotSettings(admin_ids="20")
    assert (alone.role_of(20), alone.refund_limit) == ("owner", 1_000_000)
    assert BotSettings().role_of(20) == "client"
