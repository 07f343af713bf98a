"""What the waitlist routes answer and the admin's list takes (the join's body is
`api.inputs.WaitlistIn`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.inputs import Day, RowId
from api.outputs import Answer, DateTime
from api.query_params import Limit, Offset


class WaitlistEntry(Answer):
    id: int
    hall_id: int
    date: str = Field(examples=["2026-12-05"])
    ends_at: DateTime = Field(description="The wait is over when its day is.")
    already_waiting: bool = Field(
        description="The same client (e-mail, or the Mini App's Telegram user) was waiting "
        "for that day already: this is their earlier wait, their place kept."
    )


class Waiting(Answer):
    """A client waiting for a day, as the admin sees them."""

    id: int
    hall_id: int
    date: str = Field(examples=["2026-12-05"])
    ends_at: DateTime
    name: str
    phone: str | None
    email: str | None = Field(description="Where the message goes (a website client).")
    telegram_id: int | None = Field(description="Whose chat the message goes to.")
    language: str = Field(examples=["ru"])
    created_at: DateTime


class WaitingList(Answer):
    waits: list[Waiting] = Field(description="By day, then in the order they are told.")


class WaitlistQuery(BaseModel):
    hall_id: RowId | None = None
    date: Day | None = None
    limit: int = Limit
    offset: int = Offset
