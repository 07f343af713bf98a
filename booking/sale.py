"""What a hold sells beside its slot, in the hold's own transaction: the rules accepted,
the guests, the add-ons (stock-checked), the promo code, and the price lines that follow.

`prepare_sale` reads and prices before anything is written; `secure_sale` runs after the
hold's first write, under the locks, and re-checks what other holds could take meanwhile;
`record_sale` writes what the booking took once it has an id."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, promo, stock
from booking.deps import BookingDeps
from booking.domain.charges import Priced
from booking.errors import BookingRuleError
from booking.offers import current_rules, hall_addons
from booking.pricing import AddonWanted, choose_addons, guests_of, price_hold
from db.certificates import GiftCertificate
from db.models import Booking, Client, Hall
from db.sales import Addon, BookingAddon, PromoCode

if TYPE_CHECKING:
    from booking.holds import HoldRequest


@dataclass(slots=True)
class Sale:
    priced: Priced
    guests: int | None
    rules_version: str | None
    addons: list[tuple[Addon, int]] = field(default_factory=list)
    promo_code: PromoCode | None = None
    certificate: GiftCertificate | None = None
    #: What the certificate pays, taken under its lock by `secure_sale`.
    certificate_spend: int = 0

    @property
    def lines(self) -> list[dict[str, Any]]:
        lines = [line.as_dict() for line in self.priced.lines]
        if self.certificate is not None and self.certificate_spend:
            spend = certificates.price_line(self.certificate, self.certificate_spend)
            lines.append(spend.as_dict())
        return lines

    @property
    def due(self) -> int:
        """What is left for a gateway: the total less what the certificate pays."""
        return self.priced.total - self.certificate_spend

    @property
    def paid_by_codes(self) -> bool:
        """Nothing left to pay, thanks to a promo code or a certificate."""
        return self.due == 0 and (self.promo_code is not None or self.certificate_spend > 0)


async def prepare_sale(
    session: AsyncSession,
    deps: BookingDeps,
    hall: Hall,
    request: HoldRequest,
    *,
    quoting: bool = False,
) -> Sale:
    """Check what the request asks beside the slot and price it; writes nothing.
    A quote (`quoting`) asks no acceptance of the rules: that comes with the booking."""
    request = await sorted_codes(session, request)
    rules = await current_rules(session)
    asks_acceptance = not quoting and request.source != "admin"
    if rules is not None and not request.accept_rules and asks_acceptance:
        raise BookingRuleError(
            "rules_not_accepted", "Accept the studio's rules (accept_rules: true) to book."
        )
    guests = guests_of(hall, request.guests)
    offered = await hall_addons(session, hall.id) if request.addons else []
    chosen = choose_addons(offered, [AddonWanted(a.id, a.quantity) for a in request.addons])
    code = None
    if request.promo_code:
        code = await promo.usable_code(session, deps, request, hall)
    certificate = None
    if request.certificate_code:
        certificate = await certificates.usable(session, deps, request.certificate_code)
    priced = price_hold(
        hall,
        request.start,
        request.end,
        deps.rules.tz,
        [choice for _, choice in chosen],
        guests,
        promo.discount_of(code),
    )
    return Sale(
        priced=priced,
        guests=guests,
        rules_version=rules.version if rules is not None and request.accept_rules else None,
        addons=[(addon, choice.quantity) for addon, choice in chosen],
        promo_code=code,
        certificate=certificate,
    )


async def sorted_codes(session: AsyncSession, request: HoldRequest) -> HoldRequest:
    """The request with a gift certificate's code typed as `promo_code` (the one code field
    of the booking page, or a caller that does not tell them apart) moved to
    `certificate_code`: the rule the chat's code step follows."""
    typed = request.promo_code
    if (
        not typed
        or request.certificate_code
        or not await certificates.is_certificate(session, typed)
    ):
        return request
    return replace(request, promo_code=None, certificate_code=typed)


async def secure_sale(
    session: AsyncSession,
    sale: Sale,
    start: datetime,
    end: datetime,
    now: datetime,
    client: Client,
) -> None:
    """Take the add-ons' and the code's locks and check them again: call after the hold's
    first write. Raises 409 `addon_unavailable`, `promo_used_up` or `certificate_empty`."""
    counted = [addon.id for addon, _ in sale.addons if addon.stock is not None]
    await stock.lock_addons(session, counted)
    await stock.check_stock(session, sale.addons, start, end, now)
    if sale.promo_code is not None:
        await promo.claim(session, sale.promo_code, client, now)
    if sale.certificate is not None:
        price = sale.priced.total
        sale.certificate_spend = await certificates.claim(session, sale.certificate, price, now)


def record_sale(session: AsyncSession, booking: Booking, sale: Sale) -> None:
    booking.promo_code_id = sale.promo_code.id if sale.promo_code is not None else None
    if sale.certificate is not None and sale.certificate_spend:
        certificates.record_spend(session, booking, sale.certificate, sale.certificate_spend)
    for addon, quantity in sale.addons:
        line = next(
            line
            for line in sale.priced.lines
            if line.kind == "addon" and line.details["addon_id"] == addon.slug
        )
        session.add(
            BookingAddon(
                booking_id=booking.id,
                addon_id=addon.id,
                quantity=quantity,
                unit_price=addon.price,
                amount=line.amount,
            )
        )
