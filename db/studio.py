"""Opening hours of single dates: the exceptions to the weekly `StudioHours`. Kept apart from
`db/models.py`, which imports this module so the table is always in `Base.metadata`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class StudioDay(Base):
    """One local date's hours (minutes since local midnight); both None: closed that day."""

    __tablename__ = "studio_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    open_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    close_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
