"""Blocked clients. A block names one identity, a phone number or a Telegram id: website
clients get a client row per booking, so a block by row would miss their next booking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class ClientBlock(Base):
    """Bookings from this phone or Telegram id are refused (one of the two is set)."""

    __tablename__ = "client_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: The admin's Telegram id (None: the admin API).
    admin_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column()
