"""Selling beside hall time: add-on availability, promo codes (admin), hall photos."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from api import sales_outputs as out
from api.auth import require_admin
from api.errors import ApiError, json_response
from api.json_body import read_json
from api.keys import DEPS, SETTINGS
from api.middlewares import db
from api.query_params import only_known, query_int
from api.sales_inputs import AddonAvailabilityQuery, PromoCodeIn, query_moment
from api.sales_json import signed_money
from api.serializers import checked_answer, iso, requested_amount
from booking import promo
from booking.stock import addon_availability
from booking.studio_sales import photo_path
from db.sales import PromoCode

routes = web.RouteTableDef()
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".webp": "image/webp"}  # fmt: skip


@routes.get("/api/addons/availability")
async def availability(request: web.Request) -> web.Response:
    """How many of each of the hall's add-ons a booking of that time could take."""
    only_known(request, AddonAvailabilityQuery)
    hall_id = query_int(request, "hall_id")
    start, end = query_moment(request, "start"), query_moment(request, "end")
    free = await addon_availability(db(request), request.app[DEPS], hall_id, start, end)
    addons = [{"id": slug, "available": n} for slug, n in free]
    return json_response(checked_answer(out.AddonAvailability, addons=addons))


def promo_json(code: PromoCode, uses: int, tz: ZoneInfo) -> dict[str, Any]:
    return checked_answer(
        out.PromoCode,
        code=code.code,
        percent=code.percent,
        amount=signed_money(code.amount) if code.amount is not None else None,
        valid_from=code.valid_from.isoformat() if code.valid_from else None,
        valid_to=code.valid_to.isoformat() if code.valid_to else None,
        max_uses=code.max_uses,
        max_uses_per_client=code.max_uses_per_client,
        hall_ids=code.hall_ids,
        weekdays=code.weekdays,
        min_minutes=code.min_minutes,
        active=code.active,
        uses=uses,
        created_at=iso(code.created_at, tz),
    )


@routes.post("/api/promo-codes")
async def create_promo_code(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    body = await read_json(request, PromoCodeIn)
    new = promo.NewCode(
        code=body.code,
        percent=body.percent,
        amount=requested_amount(body.amount),
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        max_uses=body.max_uses,
        max_uses_per_client=body.max_uses_per_client,
        hall_ids=body.hall_ids,
        weekdays=body.weekdays,
        min_minutes=body.min_minutes,
    )
    code = await promo.create_code(db(request), new)
    return json_response(promo_json(code, 0, deps.rules.tz), 201)


@routes.get("/api/promo-codes")
async def list_promo_codes(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    codes = await promo.list_codes(db(request), deps.now())
    return json_response({"promo_codes": [promo_json(c, n, deps.rules.tz) for c, n in codes]})


@routes.delete("/api/promo-codes/{code}")
async def disable_promo_code(request: web.Request) -> web.Response:
    """Disables the code: bookings made with it keep their discount."""
    require_admin(request)
    deps = request.app[DEPS]
    code = await promo.disable_code(db(request), request.match_info["code"])
    uses = await promo.uses(db(request), code.id, deps.now())
    return json_response(promo_json(code, uses, deps.rules.tz))


@routes.get("/studio/photos/{name}")
async def photo(request: web.Request) -> web.StreamResponse:
    """A hall photo shipped with the studio file (its photos/ folder); nothing else."""
    folder = request.app[SETTINGS].studio.studio_file.parent
    path = photo_path(request.match_info["name"], folder)
    if path is None or not path.is_file():
        raise ApiError(404, "not_found", "No such photo.")
    content_type = PHOTO_TYPES[path.suffix.lower()]
    return web.FileResponse(path, headers={"Content-Type": content_type})
