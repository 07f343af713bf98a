"""The studio edited while it runs (admin token): opening hours, halls, add-ons, the rules.
A refusal changes nothing; one that bookings stand in the way of (409) names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from api import studio_outputs as so
from api.auth import require_admin
from api.errors import json_response
from api.json_body import read_json
from api.keys import DEPS, SETTINGS
from api.middlewares import db
from api.query_params import path_int
from api.sales_json import addon_json, rules_json
from api.serializers import checked_answer, hall_json
from api.studio_inputs import (
    AddonIn,
    AddonPatch,
    HallIn,
    HallPatch,
    HoursIn,
    RulesIn,
    patch_of,
)
from booking import studio_edit as edit
from booking.offers import active_addons, offered_in
from booking.rules_edit import set_rules
from booking.studio_export import current_hours
from db.models import Hall
from db.sales import Addon

routes = web.RouteTableDef()
#: Who the event log names for a change made with the admin token.
API = "api"


def _studio_dir(request: web.Request) -> Path:
    return Path(request.app[SETTINGS].studio.studio_file).parent


def _hours_answer(request: web.Request, hours: dict[str, Any]) -> dict[str, Any]:
    tz = request.app[DEPS].rules.tz
    return checked_answer(so.StudioHours, timezone=tz.key, **hours)


async def _hall_answer(request: web.Request, hall: Hall) -> dict[str, Any]:
    deps = request.app[DEPS]
    addons = offered_in(await active_addons(db(request)), hall.id)
    fields = hall_json(hall, deps.rules.tz, addons, deps.base_url)
    return checked_answer(so.AdminHall, **fields, active=hall.active)


def _addon_answer(addon: Addon) -> dict[str, Any]:
    return checked_answer(so.AdminAddon, **addon_json(addon), active=addon.active)


@routes.get("/api/studio/hours")
async def get_hours(request: web.Request) -> web.Response:
    require_admin(request)
    return json_response(_hours_answer(request, await current_hours(db(request))))


@routes.put("/api/studio/hours")
async def put_hours(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, HoursIn)
    hours = await edit.set_hours(db(request), request.app[DEPS], patch_of(body), API)
    return json_response(_hours_answer(request, hours))


@routes.post("/api/halls")
async def post_hall(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, HallIn)
    hall = await edit.create_hall(db(request), patch_of(body), API, _studio_dir(request))
    return json_response(await _hall_answer(request, hall), 201)


@routes.patch("/api/halls/{hall_id}")
async def patch_hall(request: web.Request) -> web.Response:
    require_admin(request)
    hall_id = path_int(request, "hall_id")
    body = await read_json(request, HallPatch)
    patch = patch_of(body)
    keep = bool(patch.pop("keep_bookings", False))
    hall = await edit.update_hall(
        db(request), request.app[DEPS], hall_id, patch, API, _studio_dir(request),
        keep_bookings=keep,
    )  # fmt: skip
    return json_response(await _hall_answer(request, hall))


@routes.post("/api/addons")
async def post_addon(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, AddonIn)
    addon = await edit.create_addon(db(request), patch_of(body), API)
    return json_response(_addon_answer(addon), 201)


#: An add-on's id, never "availability": that path is the add-ons' availability.
@routes.patch(r"/api/addons/{addon_id:(?!availability$)[a-z0-9][a-z0-9_-]{0,63}}")
async def patch_addon(request: web.Request) -> web.Response:
    require_admin(request)
    slug = request.match_info["addon_id"]
    body = await read_json(request, AddonPatch)
    addon = await edit.update_addon(db(request), request.app[DEPS], slug, patch_of(body), API)
    return json_response(_addon_answer(addon))


@routes.put("/api/studio/rules")
async def put_rules(request: web.Request) -> web.Response:
    require_admin(request)
    body = await read_json(request, RulesIn)
    rules = await set_rules(
        db(request), request.app[DEPS], API, text=body.text, text_en=body.text_en, url=body.url
    )
    return json_response(checked_answer(so.StudioRules, **(rules_json(rules) or {})))
