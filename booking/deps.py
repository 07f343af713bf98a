"""What the use cases need besides a database session: rules, the clock, the gateways."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.domain.calendar import BookingWindow
from db.clock import Clock
from payments.base import PaymentProvider, ReceiptInfo


@dataclass(frozen=True, slots=True)
class BookingRules:
    tz: ZoneInfo
    hold: timedelta
    prepayment_percent: int
    min_notice: timedelta
    horizon_days: int
    refund_tiers: str
    #: Live holds one client (and one address) may have at once (MAX_ACTIVE_HOLDS).
    max_active_holds: int = 2
    #: How long a gift certificate can be spent (CERTIFICATE_VALID_DAYS).
    certificate_valid: timedelta = timedelta(days=365)
    #: No-shows after which a client must pay in full online (NO_SHOW_LIMIT).
    no_show_limit: int = 2
    #: A client's move: no later than this before the start, at most `reschedule_limit`
    #: times; what was paid above a cheaper price is refunded ("refund") or kept ("keep").
    reschedule_cutoff: timedelta = timedelta(hours=24)
    reschedule_limit: int = 1
    reschedule_cheaper: str = "refund"
    #: Overtime's price, `STEP:GRACE[:PRICE]` (booking/overtime.py).
    overtime_rule: str = "30:5"

    @property
    def window(self) -> BookingWindow:
        return BookingWindow(
            tz=self.tz, min_notice=self.min_notice, horizon_days=self.horizon_days
        )


@dataclass(frozen=True, slots=True)
class ReceiptRules:
    """54-FZ receipts are sent only when the studio sets a VAT code."""

    tax_system: int | None = None
    vat_code: int | None = None

    def receipt(
        self,
        item_name: str,
        payment_mode: str,
        email: str | None,
        phone: str | None,
        lines: Sequence[tuple[str, int]] = (),
        *,
        subject: str = "service",
    ) -> ReceiptInfo | None:
        if self.vat_code is None or not (email or phone):
            return None
        return ReceiptInfo(
            item_name=item_name,
            tax_system=self.tax_system,
            vat_code=self.vat_code,
            payment_mode=payment_mode,
            email=email,
            phone=phone,
            lines=tuple(lines),
            subject=subject,
        )


@dataclass(slots=True)
class BookingDeps:
    rules: BookingRules
    providers: Mapping[str, PaymentProvider]
    base_url: str
    clock: Clock
    receipts: ReceiptRules = field(default_factory=ReceiptRules)
    return_url: str | None = None
    #: The studio's phone from the studio file ("" when it gives none): blocked clients are
    #: told to call it.
    studio_phone: str = ""

    def now(self) -> datetime:
        return self.clock()

    def provider(self, gateway: str) -> PaymentProvider | None:
        return self.providers.get(gateway)
