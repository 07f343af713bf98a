"""API calls whose answer the bot does not read back."""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram.methods import EditMessageText, SendMessage


class EditScreen(EditMessageText):
    """editMessageText for the picker: Telegram answers with the whole edited message and
    its keyboard, and building that into objects cost more than sending the edit (the
    slot and calendar keyboards hold up to 60 buttons). The picker already knows what it
    shows, so the answer is kept as plain JSON."""

    __returning__: ClassVar[Any] = Any


class SendScreen(SendMessage):
    """sendMessage for the bot's screens: of the answer only the new message's id is read,
    so, as for EditScreen, it is kept as plain JSON instead of being built into objects."""

    __returning__: ClassVar[Any] = Any
