"""A chat offer with what the client adds to the hall time: the people coming, add-ons, a
promo code and a gift certificate, priced and checked by the same sale functions a hold
runs (booking/sale.py), so the summary the client reads is the price the hold will take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking import certificates, promo
from booking.clients import Offer, make_offer
from booking.deps import BookingDeps
from booking.domain.pricing import prepayment_amount
from booking.errors import SoldOut
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source
from booking.pricing import AddonWanted
from booking.sale import prepare_sale
from booking.stock import addon_availability


@dataclass(frozen=True, slots=True)
class Extras:
    """What the client chose beside the time; None guests: the number the price covers."""

    guests: int | None = None
    addons: tuple[AddonWanted, ...] = ()
    promo_code: str | None = None
    certificate_code: str | None = None


@dataclass(frozen=True, slots=True)
class SaleOffer:
    """The offer priced with its extras: `lines` as a hold stores them (kind, titles, amount)."""

    offer: Offer
    lines: list[dict[str, Any]] = field(default_factory=list)
    guests: int | None = None


def hold_request(
    hall_id: int,
    start: datetime,
    minutes: int,
    extras: Extras,
    mode: str,
    client: ClientInfo,
    accept_rules: bool = True,
) -> HoldRequest:
    """The hold the chat asks for: the same request the API builds."""
    return HoldRequest(
        hall_id=hall_id,
        start=start,
        end=start + timedelta(minutes=minutes),
        payment_mode=PaymentMode(mode),
        client=client,
        source=Source.TELEGRAM,
        guests=extras.guests,
        addons=extras.addons,
        promo_code=extras.promo_code,
        certificate_code=extras.certificate_code,
        accept_rules=accept_rules,
    )


async def sale_offer(
    session: AsyncSession,
    deps: BookingDeps,
    hall_id: int,
    start: datetime,
    minutes: int,
    extras: Extras,
) -> SaleOffer:
    """The priced offer; raises what a hold would: SlotTakenError, NotFound, 400
    `over_capacity`, `addon_unavailable`, `promo_invalid`, `promo_expired`, and 409
    `addon_unavailable` / `promo_used_up` when the stock or the code's uses are gone;
    `certificate_invalid`, `certificate_expired`, 409 `certificate_empty` for a certificate.
    A certificate pays what its balance covers now (the hold takes it again under its
    lock); the offer's `total` is the rest."""
    base = await make_offer(session, deps, hall_id, start, minutes)
    request = hold_request(hall_id, start, minutes, extras, "full", ClientInfo())
    sale = await prepare_sale(session, deps, base.hall, request)
    if extras.addons:
        free = dict(await addon_availability(session, deps, hall_id, start, base.end))
        for wanted in extras.addons:
            if free.get(wanted.id, 0) < wanted.quantity:
                raise SoldOut("addon_unavailable", f"The add-on {wanted.id!r} is taken.")
    code = sale.promo_code
    limit = code.max_uses if code is not None else None
    if (
        code is not None
        and limit is not None
        and await promo.uses(session, code.id, deps.now()) >= limit
    ):
        raise SoldOut("promo_used_up", "The promo code has been used up.")
    if sale.certificate is not None:
        price = sale.priced.total
        sale.certificate_spend = await certificates.preview_spend(
            session, sale.certificate, price, deps.now()
        )
    total = sale.due
    offer = Offer(
        hall=base.hall,
        start=base.start,
        end=base.end,
        total=total,
        prepay=prepayment_amount(total, deps.rules.prepayment_percent),
        covered=sale.certificate_spend,
    )
    return SaleOffer(offer, sale.lines, sale.guests)
