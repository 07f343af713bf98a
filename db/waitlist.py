"""The waitlist: clients who asked to be told when time frees on a full day of a hall.

Kept apart from `db/models.py` (which imports this module, so the table is always in
`Base.metadata`). A wait lasts until its day is over (`ends_at`, UTC); whom it reaches is its
Telegram chat or its e-mail. Each freed slot reaches a wait once: the notification log's
dedupe key (`wait:<entry>:<slot>`) makes a second freeing of the same slot send nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class WaitlistEntry(Base):
    __tablename__ = "waitlist"
    __table_args__ = (
        Index("ix_waitlist_hall_day", "hall_id", "day", "id"),
        UniqueConstraint("hall_id", "day", "telegram_id", name="uq_waitlist_telegram"),
        UniqueConstraint("hall_id", "day", "email", name="uq_waitlist_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    #: The studio day waited for (local date).
    day: Mapped[date] = mapped_column(Date)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    #: The end of that studio day: the wait is over then.
    ends_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
