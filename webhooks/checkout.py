"""The mock gateway's checkout page: Pay and Decline send the webhook a gateway would.

The page speaks the payer's language (Accept-Language), shows the payment's state in
words, and once the payment is settled the outcome alone, without the buttons; a POST then
may only repeat that outcome (409 `payment_settled` otherwise). After Pay
or Decline the payer goes back to the booking's status page, as from a real gateway.

The webhook goes over real HTTP to this app's public URL, signed, so the same verification
and the same idempotent handling run as for a real gateway. `repeat` sends it several times,
as gateways do.
"""

from __future__ import annotations

import html
import logging

from aiohttp import ClientError, web
from sqlalchemy import select

from api.errors import error_response, json_response
from api.inputs import has_controls
from api.keys import DEPS, HTTP, SETTINGS
from api.middlewares import db
from booking import certificate_orders
from db.certificates import CertificateOrder
from db.models import Booking, Hall, Payment
from i18n.catalogs import N_, gettext
from i18n.formats import money
from i18n.gateways import GATEWAY_NAMES
from payments.base import PaymentProvider, PaymentStatus
from payments.mock import MockProvider
from payments.mock_gateways import SimulatedWebhook, simulator_of
from web.pages import message_page, page_language

log = logging.getLogger("studio.checkout")
routes = web.RouteTableDef()

OUTCOMES = {"succeeded": PaymentStatus.SUCCEEDED, "canceled": PaymentStatus.CANCELED}

#: The payment's state in words, as the payer reads it.
STATUS_WORDS = {
    "pending": N_("Waiting for payment"),
    "authorized": N_("Authorised, not charged yet"),
    "succeeded": N_("Paid"),
    "canceled": N_("Declined"),
    "refunded": N_("Refunded"),
    "partially_refunded": N_("Partly refunded"),
}
#: Once settled, the page shows the outcome and no buttons.
SETTLED = frozenset({"succeeded", "canceled", "refunded", "partially_refunded"})

#: On a mock checkout reachable by others (ALLOW_MOCK_PAYMENTS): nobody may take it for a
#: real one.
DEMO_BANNER = N_("Demo: no money is taken, yet the booking is confirmed.")


#: What a checkout is for: a booking's payment, or a gift certificate bought online.
Payable = Payment | CertificateOrder


async def _find(request: web.Request) -> tuple[Payable, PaymentProvider] | None:
    """The payment (or certificate order), if a simulated gateway (plain mock, or a gateway
    in mock mode) has it."""
    gateway_id = request.match_info["gateway_payment_id"]
    if has_controls(gateway_id):  # no gateway's id, and no text the database takes
        return None
    payments: list[Payable] = list(
        await db(request).scalars(select(Payment).where(Payment.gateway_payment_id == gateway_id))
    )
    order = await certificate_orders.order_by_gateway_id(db(request), gateway_id)
    payments += [order] if order is not None else []
    for payment in payments:
        provider = request.app[DEPS].provider(payment.gateway)
        if isinstance(provider, MockProvider) or simulator_of(provider) is not None:
            assert provider is not None
            return payment, provider
    return None


def _delivery(
    payment: Payable, provider: PaymentProvider, outcome: PaymentStatus
) -> SimulatedWebhook:
    """The webhook the simulated gateway sends, in its own format and signature."""
    assert payment.gateway_payment_id is not None
    if isinstance(provider, MockProvider):
        body, headers = provider.outcome(
            payment.gateway_payment_id, payment.id, payment.amount, outcome
        )
        return SimulatedWebhook("POST", body, {}, headers)
    simulator = simulator_of(provider)
    assert simulator is not None
    return simulator.complete(
        payment.gateway_payment_id,
        payment.id,
        payment.amount,
        payment.idempotency_key,
        outcome == PaymentStatus.SUCCEEDED,
    )


@routes.get("/mock/checkout/{gateway_payment_id}")
async def checkout_page(request: web.Request) -> web.Response:
    found = await _find(request)
    if found is None:
        return error_response(404, "payment_not_found", "No such mock payment.")
    payment, _ = found
    lang = page_language(request)
    what = await _what(request, payment, lang)
    words = STATUS_WORDS.get(payment.status, payment.status)
    demo = request.app[SETTINGS].payments.allow_mock_payments
    rows = [
        (N_("Amount"), money(payment.amount, lang)),
        (N_("Status"), gettext(words, lang=lang)),
    ]
    body = f"<p><b>{html.escape(what)}</b></p>" + "".join(
        f"<p>{html.escape(gettext(label, lang=lang))}: <b>{html.escape(value)}</b></p>"
        for label, value in rows
    )
    if payment.status in SETTLED:
        back = html.escape(await _back(request, payment))
        back_to = (
            N_("Back to the studio")
            if isinstance(payment, CertificateOrder)
            else N_("Back to the booking")
        )
        label = html.escape(gettext(back_to, lang=lang))
        body += f'<p><a class="button" href="{back}">{label}</a></p>'
    else:
        pay, decline = gettext("Pay", lang=lang), gettext("Decline", lang=lang)
        body += (
            '<form method="post" class="actions">'
            f'<button name="outcome" value="succeeded" class="primary">{pay}</button> '
            f'<button name="outcome" value="canceled" class="secondary">{decline}</button></form>'
        )
    if demo:
        body = f'<p role="alert" class="alert">{gettext(DEMO_BANNER, lang=lang)}</p>' + body
    title = checkout_title(payment.gateway, lang)
    return web.Response(
        text=message_page(lang, html.escape(title), body), content_type="text/html"
    )


def checkout_title(gateway: str, lang: str) -> str:
    """«Тестовая оплата — ЮKassa»: the gateway the test page stands in for, by its name."""
    test = gettext(GATEWAY_NAMES["mock"], lang=lang)
    if gateway == "mock":
        return test
    name = gettext(GATEWAY_NAMES[gateway], lang=lang) if gateway in GATEWAY_NAMES else gateway
    return f"{test} — {name}"


async def _what(request: web.Request, payment: Payable, lang: str) -> str:
    """The page's first line: the booking paid for, or the gift certificate bought."""
    if isinstance(payment, CertificateOrder):
        return gettext("Gift certificate No. {number}", lang=lang).format(number=payment.id)
    booking = await db(request).get(Booking, payment.booking_id)
    assert booking is not None
    hall = await db(request).get(Hall, booking.hall_id)
    local = booking.start_at.astimezone(request.app[DEPS].rules.tz)
    hall_name = (hall.name_en if lang == "en" and hall and hall.name_en else None) or (
        hall.name if hall else ""
    )
    return gettext("Booking {code}, {hall}, {when}", lang=lang).format(
        code=booking.code, hall=hall_name, when=f"{local:%d.%m.%Y %H:%M}"
    )


async def _back(request: web.Request, payment: Payable) -> str:
    """Where the payer goes after paying: the booking's status page, or the studio's."""
    if isinstance(payment, CertificateOrder):
        deps = request.app[DEPS]
        return deps.return_url or f"{deps.base_url.rstrip('/')}/"
    booking = await db(request).get(Booking, payment.booking_id)
    assert booking is not None
    return return_url(request, booking)


def return_url(request: web.Request, booking: Booking) -> str:
    """Where the gateway sends the payer back: the studio's own page, or the status page."""
    deps = request.app[DEPS]
    return deps.return_url or f"{deps.base_url.rstrip('/')}/pay/return/{booking.code}"


@routes.post("/mock/checkout/{gateway_payment_id}")
async def checkout_action(request: web.Request) -> web.Response:
    found = await _find(request)
    if found is None:
        return error_response(404, "payment_not_found", "No such mock payment.")
    payment, provider = found
    form = await request.post()
    outcome = OUTCOMES.get(str(form.get("outcome", "")))
    if outcome is None:
        return error_response(400, "invalid_input", "outcome must be succeeded or canceled.")
    if payment.status in SETTLED and payment.status != outcome:
        # A payer cannot pay what was declined (nor decline what was paid) on a gateway's
        # page; the same outcome again is the gateway repeating its webhook, and is allowed.
        return error_response(
            409, "payment_settled", f"The payment is already {payment.status}; nothing changed."
        )
    try:
        repeat = max(1, min(10, int(str(form.get("repeat", "1")))))
    except ValueError:
        return error_response(400, "invalid_input", "repeat must be a number from 1 to 10.")
    await db(request).commit()  # release the connection before calling ourselves
    delivery = _delivery(payment, provider, outcome)
    url = f"{request.app[DEPS].base_url.rstrip('/')}/api/payments/webhook/{payment.gateway}"
    statuses = []
    for _ in range(repeat):
        try:
            async with request.app[HTTP].request(
                delivery.method,
                url,
                params=dict(delivery.query) or None,
                data=delivery.body or None,
                headers=dict(delivery.headers),
            ) as response:
                statuses.append(response.status)
        except ClientError as exc:
            log.warning("mock webhook failed: %s", exc)
            statuses.append(0)
    if "application/json" in request.headers.get("Accept", ""):
        return json_response(
            {"payment_id": payment.id, "outcome": str(outcome), "webhook_statuses": statuses}
        )
    # As a gateway does: the payer goes back to the studio, where the booking's state shows.
    raise web.HTTPSeeOther(await _back(request, payment))
