"""What the admin's client routes take and answer: a client named by one identity (phone,
Telegram id or one of their booking codes), and the identities a block covers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from api.inputs import Line, Text, _In, _number
from api.outputs import Answer

TelegramId = Annotated[int, Field(ge=1, le=2**53), BeforeValidator(_number)]


class ClientRefIn(_In):
    """Exactly one of `phone`, `telegram_id`, `booking_code`."""

    phone: Line | None = Field(None, min_length=5, max_length=32, examples=["+79991234567"])
    telegram_id: TelegramId | None = Field(None, examples=[123456789])
    booking_code: Line | None = Field(None, min_length=1, max_length=32, examples=["K7Q2XD"])

    @model_validator(mode="after")
    def _one(self) -> ClientRefIn:
        given = [x for x in (self.phone, self.telegram_id, self.booking_code) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, telegram_id, booking_code")
        return self


class BlockIn(ClientRefIn):
    reason: Text = Field(default="", max_length=500)


class ClientBlock(Answer):
    """Who is (or no longer is) blocked: every phone and Telegram id of the client."""

    blocked: bool
    phones: list[str]
    telegram_ids: list[int]
