"""The mock gateway's checkout page: Pay and Decline send the webhook a gateway would.

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
from api.serializers import money
from db.models import Booking, Hall, Payment
from payments.base import PaymentProvider, PaymentStatus
from payments.mock import MockProvider
from payments.mock_gateways import SimulatedWebhook, simulator_of

log = logging.getLogger("studio.checkout")
routes = web.RouteTableDef()

OUTCOMES = {"succeeded": PaymentStatus.SUCCEEDED, "canceled": PaymentStatus.CANCELED}

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Оплата / Payment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1.1rem;padding:.6rem 1.4rem;margin:.3rem}}</style></head>
<body>{banner}<h1>Тестовая оплата</h1><p>Test payment ({gateway})</p>
<p>Бронь / Booking <b>{code}</b>: {hall}</p><p>Сумма / Amount: <b>{amount} ₽</b></p>
<p>Статус / Status: {status}</p>
<form method="post"><button name="outcome" value="succeeded">Оплатить / Pay</button>
<button name="outcome" value="canceled">Отклонить / Decline</button></form>
</body></html>"""

#: On a mock checkout reachable by others (ALLOW_MOCK_PAYMENTS): nobody may take it for a
#: real one.
DEMO_BANNER = (
    '<p role="alert" style="background:#fde68a;padding:.8rem;border:2px solid #b45309">'
    "<b>Демонстрация: деньги не списываются, а бронь подтверждается.</b><br>"
    "Demo: no money is taken, yet the booking is confirmed.</p>"
)


async def _find(request: web.Request) -> tuple[Payment, PaymentProvider] | None:
    """The payment, if a simulated gateway (plain mock, or a gateway in mock mode) has it."""
    gateway_id = request.match_info["gateway_payment_id"]
    if has_controls(gateway_id):  # no gateway's id, and no text the database takes
        return None
    payments = await db(request).scalars(
        select(Payment).where(Payment.gateway_payment_id == gateway_id)
    )
    for payment in payments:
        provider = request.app[DEPS].provider(payment.gateway)
        if isinstance(provider, MockProvider) or simulator_of(provider) is not None:
            assert provider is not None
            return payment, provider
    return None


def _delivery(
    payment: Payment, provider: PaymentProvider, outcome: PaymentStatus
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
    booking = await db(request).get(Booking, payment.booking_id)
    assert booking is not None
    hall = await db(request).get(Hall, booking.hall_id)
    local = booking.start_at.astimezone(request.app[DEPS].rules.tz)
    text = PAGE.format(
        banner=DEMO_BANNER if request.app[SETTINGS].payments.allow_mock_payments else "",
        gateway=html.escape(payment.gateway),
        code=html.escape(booking.code),
        hall=html.escape(f"{hall.name if hall else ''}, {local:%d.%m.%Y %H:%M}"),
        amount=money(payment.amount)["value"],
        status=html.escape(payment.status),
    )
    return web.Response(text=text, content_type="text/html")


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
    done = "Оплата прошла / Paid" if outcome == PaymentStatus.SUCCEEDED else "Отклонено / Declined"
    return web.Response(
        text=f"<!doctype html><meta charset='utf-8'><h1>{done}</h1>"
        "<p>Вернитесь в чат / Return to the chat.</p>",
        content_type="text/html",
    )


@routes.get("/pay/return/{code}")
async def return_page(request: web.Request) -> web.Response:
    """Where gateways send the payer back; the chat gets the confirmation by itself."""
    return web.Response(
        text="<!doctype html><meta charset='utf-8'><h1>Спасибо! / Thank you!</h1>"
        "<p>Подтверждение придёт в чат. / The confirmation will arrive in the chat.</p>",
        content_type="text/html",
    )
