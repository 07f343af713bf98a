"""Gift certificates over HTTP: admins issue them; anyone with a code reads its balance."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from api import sales_outputs as out
from api.auth import require_admin
from api.errors import ApiError, json_response
from api.inputs import read_json
from api.keys import DEPS
from api.limits import check_rate
from api.middlewares import db
from api.sales_inputs import CertificateIn
from api.serializers import checked_answer, iso, money, requested_amount
from booking import certificates
from booking.admin_ops import issue_certificate as issue_by_admin
from db.certificates import GiftCertificate

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
