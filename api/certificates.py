"""Gift certificates over HTTP: admins issue them, anyone buys one at a gateway, anyone
with a code reads its balance."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from api import sales_outputs as out
from api.auth import require_admin
from api.errors import ApiError, json_response
from api.json_body import read_json
from api.keys import DEPS, LOG_FIELDS, SETTINGS
from api.limits import check_rate
from api.middlewares import db
from api.sales_inputs import CertificateIn, CertificatePurchaseIn
from api.serializers import checked_answer, iso, money, requested_amount
from booking import certificate_orders, certificates
from booking.money_by_hand import issue_certificate as issue_by_admin
from db.certificates import CertificateOrder, GiftCertificate

routes = web.RouteTableDef()


def certificate_json(certificate: GiftCertificate, balance: int, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        out.Certificate,
        code=certificate.code,
        balance=money(balance),
        expires_at=iso(certificate.expires_at, tz),
    )


@routes.post("/api/certificates")
async def issue_certificate(request: web.Request) -> web.Response:
    """An admin issues a certificate (given at the desk, a prize, a goodwill gesture)."""
    require_admin(request)
    deps = request.app[DEPS]
    body = await read_json(request, CertificateIn)
    amount = requested_amount(body.amount)
    if amount is None:
        raise ApiError(400, "invalid_input", "amount is required.")
    certificate = await issue_by_admin(db(request), deps, amount)  # with its event
    return json_response(certificate_json(certificate, amount, deps.rules.tz), 201)


@routes.post("/api/certificates/purchase")
async def purchase_certificate(request: web.Request) -> web.Response:
    """Anyone buys a certificate at a gateway; it is issued only by the gateway's verified
    word (webhook or reconciliation), and its code sent to the buyer then."""
    await check_rate(request, "payments")  # each one asks a gateway
    deps = request.app[DEPS]
    body = await read_json(request, CertificatePurchaseIn)
    amount = requested_amount(body.amount)
    if amount is None:
        raise ApiError(400, "invalid_input", "amount is required.")
    buyer = certificates.Buyer(
        body.buyer.name, body.buyer.phone, body.buyer.email, body.buyer.telegram_id
    )
    order = await certificate_orders.start_purchase(
        db(request),
        deps,
        amount,
        body.gateway,
        buyer,
        body.language,
        telegram=request.app[SETTINGS].bot.enabled,  # no bot, no chat to send the code to
        email=request.app[SETTINGS].smtp.enabled,  # no SMTP, no e-mail to send it to
    )
    request[LOG_FIELDS] = {"certificate_order_id": order.id}
    return json_response(order_json(order, deps.rules.tz), 201)


def order_json(order: CertificateOrder, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        out.CertificatePurchase,
        id=order.id,
        kind="certificate",
        gateway=order.gateway,
        amount=money(order.amount),
        status=order.status,
        confirmation_url=order.confirmation_url,
        created_at=iso(order.created_at, tz),
    )


@routes.get("/api/certificates/{code}")
async def read_certificate(request: web.Request) -> web.Response:
    """The balance and expiry for whoever holds the code; an unknown code and a malformed
    one answer alike, and lookups count against the address's rate."""
    await check_rate(request, "certificate lookups")
    deps = request.app[DEPS]
    session = db(request)
    certificate = await certificates.find(session, request.match_info["code"])
    left = await certificates.balance(session, certificate.id, deps.now())
    return json_response(certificate_json(certificate, left, deps.rules.tz))
