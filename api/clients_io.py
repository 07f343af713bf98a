"""What the admin's client routes take and answer: a client named by one identity (phone,
Telegram id or one of their booking codes), and the identities a block covers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from api.inputs import Line, Text, _In, _number
from api.outputs import Answer

TelegramId = Annotated[int, Field(ge=1, le=2**53), BeforeValidator(_number)]
IDENTITIES = ("phone", "telegram_id", "booking_code")


def _exactly_one(schema: dict[str, Any]) -> None:
    """The schema says what the validator checks: one of the three, given (not null)."""
    for name in IDENTITIES:
        field = schema["properties"][name]
        choices = [s for s in field.pop("anyOf", []) if s.get("type") != "null"]
        field.update(choices[0] if choices else {})
        field.pop("default", None)
    schema["oneOf"] = [{"required": [name]} for name in IDENTITIES]


class ClientRefIn(_In):
    """Exactly one of `phone`, `telegram_id`, `booking_code`."""

    model_config = ConfigDict(json_schema_extra=_exactly_one)

    phone: Line | None = Field(None, min_length=5, max_length=32, examples=["+79991234567"])
    telegram_id: TelegramId | None = Field(None, examples=[123456789])
    booking_code: Line | None = Field(None, min_length=1, max_length=32, examples=["K7Q2XD"])

    @model_validator(mode="after")
    def _one(self) -> ClientRefIn:
        given = [name for name in IDENTITIES if name in self.model_fields_set]
        if len(given) != 1 or getattr(self, given[0]) is None:
            raise ValueError("give exactly one of phone, telegram_id, booking_code")
        return self


class BlockIn(ClientRefIn):
    reason: Text = Field(default="", max_length=500)


class ClientBlock(Answer):
    """Who is (or no longer is) blocked: every phone and Telegram id of the client."""

    blocked: bool
    phones: list[str]
    telegram_ids: list[int]
