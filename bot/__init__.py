"""The Telegram bot: factory, middlewares, FSM states, texts and the runner."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StudioInfo:
    """What the bot tells about the studio itself (from the studio file)."""

    name: str = ""
    address: str = ""
