"""Models of what a studio sells beside hall time: add-ons and their stock, the studio's
rules, what each booking took. Kept apart from `db/models.py` so neither grows past a screen
or two; `db/models.py` imports this module, so the tables are always in `Base.metadata`.

Money columns are integer kopecks; datetimes are aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class Addon(Base):
    """Something sold with a booking: a makeup place, cleaning, a light kit, props.

    `hall_id` None: offered in every hall. `stock` None: not a counted thing (a service);
    otherwise at most `stock` of it are held at once across all halls, over each booking's
    span buffers included (`booking/stock.py`)."""

    __tablename__ = "addons"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[int] = mapped_column(Integer)
    #: "booking", "hour" or "unit" (booking/domain/charges.py `Per`).
    per: Mapped[str] = mapped_column(String(10))
    max_quantity: Mapped[int] = mapped_column(Integer, default=1)
    stock: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()


class BookingAddon(Base):
    """What one booking took of an add-on, at the price of the day it was booked."""

    __tablename__ = "booking_addons"
    __table_args__ = (Index("ix_booking_addons_addon", "addon_id", "booking_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    addon_id: Mapped[int] = mapped_column(ForeignKey("addons.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)


class StudioRules(Base):
    """A version of the studio's rules; the newest is in force and a booking keeps the
    version its client accepted."""

    __tablename__ = "studio_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class PromoCode(Base):
    """A discount code: a percentage or a fixed amount, with limits on when, where and how
    often it applies. A use counts while a booking holds it (a live hold, or a booking that
    was paid or confirmed), so a lapsed hold or a cancellation before payment frees it."""

    __tablename__ = "promo_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Studio-local days on which a booking can be made with it, both included.
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_uses_per_client: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Only bookings of these halls, on these local weekdays (0 = Monday), this long or more.
    hall_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    weekdays: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    min_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()
