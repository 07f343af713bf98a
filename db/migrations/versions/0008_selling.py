"""What studios sell beside hall time: halls state their capacity, the guests their price
covers, a fee for more, photos and specs; add-ons (studio-wide or per hall, with an optional
stock shared by all halls) and what each booking took of them; the studio's rules in
versions, and the version a Telegram client accepted; a booking keeps its guests, its price lines and the rules version accepted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROMO_FK = "fk_bookings_promo_code_id_promo_codes"
HALL_COLUMNS = ("capacity", "included_guests", "guest_fee", "photos", "specs")
BOOKING_COLUMNS = ("guests", "price_lines", "rules_version", "promo_code_id")


def upgrade() -> None:
    op.add_column("halls", sa.Column("capacity", sa.Integer(), nullable=True))
    op.add_column("halls", sa.Column("included_guests", sa.Integer(), nullable=True))
    op.add_column("halls", sa.Column("guest_fee", sa.JSON(), nullable=True))
    op.add_column("halls", sa.Column("photos", sa.JSON(), nullable=True))
    op.add_column("halls", sa.Column("specs", sa.JSON(), nullable=True))
    op.add_column("clients", sa.Column("rules_version", sa.String(64), nullable=True))
    op.add_column("bookings", sa.Column("guests", sa.Integer(), nullable=True))
    op.add_column("bookings", sa.Column("price_lines", sa.JSON(), nullable=True))
    op.add_column("bookings", sa.Column("rules_version", sa.String(64), nullable=True))
    op.create_table(
        "addons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("per", sa.String(10), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("slug", name="uq_addons_slug"),
        sa.CheckConstraint("per IN ('booking', 'hour', 'unit')", name="ck_addons_per"),
        sa.CheckConstraint("price >= 0 AND max_quantity >= 1", name="ck_addons_amounts"),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="ck_addons_stock"),
    )
    op.create_table(
        "booking_addons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("addon_id", sa.Integer(), sa.ForeignKey("addons.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name="ck_booking_addons_quantity"),
    )
    op.create_index("ix_booking_addons_booking_id", "booking_addons", ["booking_id"])
    op.create_index("ix_booking_addons_addon", "booking_addons", ["addon_id", "booking_id"])
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("max_uses_per_client", sa.Integer(), nullable=True),
        sa.Column("hall_ids", sa.JSON(), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=True),
        sa.Column("min_minutes", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_promo_codes_code"),
        sa.CheckConstraint(
            "(percent IS NULL) <> (amount IS NULL)"
            " AND (percent IS NULL OR percent BETWEEN 1 AND 100)"
            " AND (amount IS NULL OR amount > 0)",
            name="ck_promo_codes_discount",
        ),
    )
    op.add_column("bookings", sa.Column("promo_code_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # SQLite adds no constraint to an existing table without copying it (which would
        # drop the no-overlap triggers); its foreign keys are not enforced anyway.
        op.create_foreign_key(PROMO_FK, "bookings", "promo_codes", ["promo_code_id"], ["id"])
    op.create_index("ix_bookings_promo_code_id", "bookings", ["promo_code_id"])
    op.create_table(
        "studio_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version", name="uq_studio_rules_version"),
    )


def downgrade() -> None:
    op.drop_table("studio_rules")
    op.drop_index("ix_bookings_promo_code_id", "bookings")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(PROMO_FK, "bookings", type_="foreignkey")
    op.drop_index("ix_booking_addons_addon", "booking_addons")
    op.drop_index("ix_booking_addons_booking_id", "booking_addons")
    op.drop_table("booking_addons")
    op.drop_table("addons")
    # SQLite 3.35 and newer drop a column in place (Python 3.11 ships a newer one).
    for column in BOOKING_COLUMNS:
        op.execute(f"ALTER TABLE bookings DROP COLUMN {column}")
    op.drop_table("promo_codes")
    op.execute("ALTER TABLE clients DROP COLUMN rules_version")
    for column in HALL_COLUMNS:
        op.execute(f"ALTER TABLE halls DROP COLUMN {column}")
