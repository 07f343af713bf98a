"""SQLAlchemy models: the studio, its clients, bookings and money (the outbox's tables are in
db.outbox, and the other table modules are imported at the end).

Money columns are integer kopecks; datetimes are aware UTC (`UTCDateTime`). The rule that two
live bookings of a hall never overlap (buffers included) lives in the database itself: an
exclusion constraint on PostgreSQL, triggers on SQLite (see the first migration).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest row id: ids are `Integer` columns, 32-bit on PostgreSQL. A larger number
#: names no row, and the database refuses to compare with it.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Hall(Base):
    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    hourly_price: Mapped[int] = mapped_column(Integer)
    min_minutes: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=15)
    price_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: People the hall takes (None: not stated); the price covers `included_guests`, and
    #: `guest_fee` ({"per": "person_hour"|"person_booking"|"percent", "price"|"percent",
    #: "above"}) is charged for more (booking/domain/charges.py `GuestFee`).
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    included_guests: Mapped[int | None] = mapped_column(Integer, nullable=True)
    guest_fee: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Files under the studio file's photos/ folder, or absolute URLs.
    photos: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    specs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class StudioHours(Base):
    """Opening hours of one weekday (0 = Monday), minutes since local midnight."""

    __tablename__ = "studio_hours"

    weekday: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    open_minute: Mapped[int] = mapped_column(Integer)
    close_minute: Mapped[int] = mapped_column(Integer)


class Closure(Base):
    """A period when one hall (hall_id set) or the whole studio is not bookable."""

    __tablename__ = "closures"
    __table_args__ = (Index("ix_closures_span", "start_at", "end_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), nullable=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column()


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    bot_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The version of the studio's rules this Telegram client accepted in the bot.
    rules_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column()


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_hall_span", "hall_id", "start_at", "blocked_until"),
        Index("ix_bookings_status_hold", "status", "hold_expires_at"),
        Index("ix_bookings_status_end", "status", "end_at"),
        Index("ix_bookings_client", "client_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    # end_at plus the hall's cleaning buffer at booking time: what the booking occupies.
    blocked_until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    payment_mode: Mapped[str] = mapped_column(String(10))
    total: Mapped[int] = mapped_column(Integer)
    prepay_amount: Mapped[int] = mapped_column(Integer)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10))
    #: The Telegram id of the admin who took the booking for a client (source `admin`);
    #: None for the admin API and for clients' own bookings.
    booked_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: The website caller's address as the hold limits count it (IPv4, or an IPv6 /64).
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    refund_tiers: Mapped[str] = mapped_column(String(200))
    access_token_hash: Mapped[str] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: People the booking is priced and checked for: as the client chose, else the number
    #: the hall's price covers (None: the hall states none and none were asked for).
    guests: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: People the client said are coming; None: they did not say, and `guests` is the
    #: number the hall's price covers, which a move to another hall takes from that hall.
    guests_chosen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The price as it was made: [{"kind", "title", "title_en", "amount", ...}], summing to
    #: `total` (booking/domain/charges.py); None for bookings of hall time alone made before.
    price_lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    #: The version of the studio's rules the client accepted.
    rules_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The promo code this booking uses (booking/promo.py counts its uses from these).
    promo_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("promo_codes.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Moves the client made (RESCHEDULE_LIMIT counts them; an admin's are not counted).
    moves_made: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The calendar file's SEQUENCE: raised with each change of its time.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The booking change (db/changes.py) pending on this booking, or, on a `change_hold`
    #: row, the one whose added time it holds.
    change_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: What the pending change asks to be paid, and until when (then it lapses).
    change_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    change_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)

    hall: Mapped[Hall] = relationship(lazy="raise")
    client: Mapped[Client] = relationship(lazy="raise")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("gateway", "gateway_payment_id", name="uq_payments_gateway_id"),
        Index("ix_payments_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(16))
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    status: Mapped[str] = mapped_column(String(20))
    confirmation_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Its money counts in the booking's `paid` (and so its refunds in `refunded`); false for
    #: a payment refunded because it could not be used (paid twice, too late).
    applied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: When a gateway was last asked to create it; another request waits for that answer.
    asked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When reconciliation last asked the gateway about it: the least recently asked go
    #: first, so abandoned checkouts cannot keep a paid one from being looked at.
    checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When admins were told it stayed pending past its gateway's lifetime (once).
    stuck_told_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    #: A failed refund is not tried again before this (the pause grows with each failure).
    retry_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CalendarFeed(Base):
    """A secret calendar address for the staff: one hall's bookings, or (no hall) the whole
    studio's. A new token replaces the old, which then answers nothing."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), nullable=True, unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()


# The other tables (the outbox's, the selling ones: add-ons, rules, codes, ...) register in
# Base.metadata with this module.
from db import blocks as _blocks  # noqa: E402, F401
from db import certificates as _certificates  # noqa: E402, F401
from db import changes as _changes  # noqa: E402, F401
from db import outbox as _outbox  # noqa: E402, F401
from db import sales as _sales  # noqa: E402, F401
from db import studio as _studio  # noqa: E402, F401
from db import waitlist as _waitlist  # noqa: E402, F401
