"""Halls, availability and bookings: what the studio's website calls."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import is_admin, require_admin, require_owner_or_admin, require_token
from api.errors import ApiError, json_response
from api.inputs import BookingIn, CancelIn, ConfirmIn, QuoteIn
from api.json_body import read_json
from api.keys import DEPS, LOG_FIELDS
from api.limits import caller_address, check_rate
from api.middlewares import db
from api.query_params import (
    AvailabilityQuery,
    BookingsQuery,
    only_known,
    path_int,
    query_choices,
    query_date,
    query_int,
    query_limit,
)
from api.sales_json import lines_json, rules_json
from api.serializers import (
    booking_json,
    day_json,
    hall_json,
    money,
    payment_json,
    pending_change_json,
    requested_amount,
)
from api.telegram_auth import telegram_user
from booking.availability import hall_availability
from booking.cancel import cancel_booking, refund_quote
from booking.cash import confirm_by_hand
from booking.domain.states import BookingStatus
from booking.errors import NotFound
from booking.holds import ClientInfo, HoldRequest, PaymentMode, Source, hold_booking
from booking.offers import active_addons, current_rules, offered_in
from booking.payment_due import PaymentKind
from booking.phone_booking import Settle, book_for_client
from booking.pricing import AddonWanted
from booking.quotes import quote_hold
from booking.refunds import owed_back, owed_back_of
from db import payment_queries, queries
from db.changes import BookingChange
from db.models import Booking

routes = web.RouteTableDef()
#: What the list filters by: a change_hold row is never listed, so it is no filter either.
BOOKING_STATUSES = frozenset(str(s) for s in BookingStatus if s is not BookingStatus.CHANGE_HOLD)

if TYPE_CHECKING:
    from aiogram.utils.web_app import WebAppUser


@routes.get("/api/halls")
async def list_halls(request: web.Request) -> web.Response:
    """The halls with their add-ons, and the studio's rules in force."""
    deps = request.app[DEPS]
    session = db(request)
    halls = await queries.active_halls(session)
    addons = await active_addons(session)
    found = [hall_json(h, deps.rules.tz, offered_in(addons, h.id), deps.base_url) for h in halls]
    return json_response({"halls": found, "rules": rules_json(await current_rules(session))})


@routes.get("/api/bookings/availability")
async def availability(request: web.Request) -> web.Response:
    only_known(request, AvailabilityQuery)
    deps = request.app[DEPS]
    hall_id = query_int(request, "hall_id")
    first = query_date(request, "start_date")
    last = query_date(request, "end_date")
    assert first is not None and last is not None
    hall, days = await hall_availability(db(request), deps, hall_id, first, last)
    tz = deps.rules.tz
    return json_response(
        {
            "hall_id": hall.id,
            "timezone": tz.key,
            "step_minutes": 15,
            "min_minutes": hall.min_minutes,
            "days": [day_json(day, tz) for day in days],
        }
    )


@routes.post("/api/bookings")
async def create_booking(request: web.Request) -> web.Response:
    """A hold for a website client, or for the Mini App's Telegram user (whose messages
    then go to the chat): 429 `rate_limited` when the address books too fast,
    429 `too_many_holds` when the client or the address has MAX_ACTIVE_HOLDS unpaid."""
    deps = request.app[DEPS]
    await check_rate(request, "bookings")
    body = await read_json(request, BookingIn)
    if body.source == "admin" or body.settle is not None:
        return await take_for_client(request, body)
    user = telegram_user(request)  # the Mini App: the booking is this Telegram user's
    hold = hold_asked(
        body,
        Source.TELEGRAM if user else Source.WEB,
        user=user,
        address=caller_address(request),
    )
    booking, token = await hold_booking(db(request), deps, hold)
    request[LOG_FIELDS] = {"booking_id": booking.id}
    data = await booking_answer(request, booking)
    data["access_token"] = token
    return json_response(data, 201)


def hold_asked(
    body: BookingIn,
    source: Source,
    *,
    user: WebAppUser | None = None,
    address: str | None = None,
) -> HoldRequest:
    """The hold a booking's body asks for, whoever takes it: the client on the website or in
    the Mini App (`user`), or an admin for them, who accepts the studio's rules for them."""
    return HoldRequest(
        hall_id=body.hall_id,
        start=body.start,
        end=body.end,
        payment_mode=PaymentMode(body.payment_mode),
        client=ClientInfo(
            name=body.client.name,
            phone=body.client.phone,
            email=body.client.email,
            language=body.language,
            telegram_id=user.id if user else None,
            username=user.username if user else None,
        ),
        source=source,
        address=address,
        guests=body.guests,
        addons=tuple(AddonWanted(item.id, item.quantity) for item in body.addons),
        promo_code=body.promo_code or None,
        certificate_code=body.certificate_code or None,
        accept_rules=source is Source.ADMIN or body.accept_rules,
    )


async def take_for_client(request: web.Request, body: BookingIn) -> web.Response:
    """A booking the studio takes for a client (by phone): admin only; settled in cash,
    confirmed unpaid, or held with a payment link the admin forwards."""
    require_admin(request)
    deps = request.app[DEPS]
    hold = hold_asked(body, Source.ADMIN)
    settle = Settle(body.settle or Settle.LINK)
    taken = await book_for_client(
        db(request), deps, hold, settle, admin_id=None, gateway=body.gateway
    )
    booking = taken.booking
    request[LOG_FIELDS] = {"booking_id": booking.id}
    data = await booking_answer(request, booking)
    data["access_token"] = taken.token
    data["payment"] = payment_json(taken.payment, deps.rules.tz) if taken.payment else None
    return json_response(data, 201)


@routes.post("/api/bookings/quote")
async def quote_booking(request: web.Request) -> web.Response:
    """The price a booking would get now, line by line, refused as POST /api/bookings would
    refuse it; holds nothing and writes nothing."""
    deps = request.app[DEPS]
    await check_rate(request, "quotes")
    body = await read_json(request, QuoteIn)
    asked = HoldRequest(
        hall_id=body.hall_id,
        start=body.start,
        end=body.end,
        payment_mode=PaymentMode(body.payment_mode),
        client=ClientInfo(),
        source=Source.WEB,
        guests=body.guests,
        addons=tuple(AddonWanted(item.id, item.quantity) for item in body.addons),
        promo_code=body.promo_code or None,
        certificate_code=body.certificate_code or None,
    )
    quote = await quote_hold(db(request), deps, asked)
    return json_response(
        {
            "price_lines": lines_json(quote.sale.lines),
            "total": money(quote.total),
            "certificate_paid": money(quote.sale.certificate_spend),
            "prepayment": money(quote.prepay),
            # a new hold's due_now (booking_json): the prepayment, or nothing when free
            "due_now": money(quote.prepay),
        }
    )


async def booking_answer(request: web.Request, booking: Booking) -> dict[str, Any]:
    """The booking's JSON as an answer says it: with its refunds under way read, so that its
    sentence counts them as on their way back, as the bot does."""
    deps = request.app[DEPS]
    returning = await owed_back(db(request), booking.id)
    return booking_json(booking, deps.rules.tz, deps.now(), returning=returning)


async def load_booking(request: web.Request) -> Booking:
    """The booking named in the path; callers without any token learn nothing of it."""
    require_token(request)
    booking = await db(request).get(Booking, path_int(request, "booking_id"))
    if booking is None or queries.is_change_hold(booking):
        raise NotFound("booking_not_found", "No such booking.")
    return booking


async def pending_change(
    session: AsyncSession, booking: Booking, data: dict[str, Any], tz: ZoneInfo
) -> dict[str, Any] | None:
    """The change the booking's `due_now` (in `data`, its JSON) waits to pay for, if any."""
    if data["due_kind"] != PaymentKind.CHANGE or booking.change_id is None:
        return None
    change = await session.get(BookingChange, booking.change_id)
    return pending_change_json(change, tz) if change else None


@routes.get("/api/bookings/{booking_id}")
async def get_booking(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    booking = await load_booking(request)
    await require_owner_or_admin(request, booking)
    data = await booking_answer(request, booking)
    data["payments"] = [
        payment_json(p, deps.rules.tz)
        for p in await payment_queries.payments_of(db(request), booking.id)
    ]
    data["change"] = await pending_change(db(request), booking, data, deps.rules.tz)
    if booking.status in ("pending_payment", "confirmed"):
        owed = await owed_back(db(request), booking.id)
        quote = refund_quote(booking, deps, by_admin=False, owed_back=owed)
        data["refund_if_cancelled_now"] = money(quote)
    return json_response(data)


@routes.get("/api/bookings")
async def list_bookings(request: web.Request) -> web.Response:
    require_admin(request)
    only_known(request, BookingsQuery)
    deps = request.app[DEPS]
    tz = deps.rules.tz
    first = query_date(request, "date_from", required=False)
    last = query_date(request, "date_to", required=False)
    if first and last and first > last:
        raise ApiError(400, "bad_range", "date_from is after date_to.")
    statuses = query_choices(request, "status", BOOKING_STATUSES)
    bookings = await queries.list_bookings(
        db(request),
        start=datetime.combine(first, time(0), tzinfo=tz) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz) if last else None,
        hall_id=query_int(request, "hall_id", default=0) or None,
        statuses=statuses,
        limit=query_limit(request),
        offset=query_int(request, "offset", default=0, minimum=0),
    )
    owed = await owed_back_of(db(request), [b.id for b in bookings])
    listed = [booking_json(b, tz, deps.now(), returning=owed.get(b.id, 0)) for b in bookings]
    return json_response({"bookings": listed})


@routes.delete("/api/bookings/{booking_id}")
async def delete_booking(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    booking = await load_booking(request)
    await require_owner_or_admin(request, booking)
    body = await read_json(request, CancelIn, optional=True)
    booking, refund = await cancel_booking(
        db(request), deps, booking.id, by_admin=is_admin(request), reason=body.reason
    )
    request[LOG_FIELDS] = {"booking_id": booking.id}
    data = await booking_answer(request, booking)
    data["refund"] = money(refund)
    return json_response(data)


@routes.post("/api/bookings/{booking_id}/confirm")
async def confirm_booking(request: web.Request) -> web.Response:
    require_admin(request)
    deps = request.app[DEPS]
    booking = await load_booking(request)
    body = await read_json(request, ConfirmIn, optional=True)
    amount = requested_amount(body.amount)
    booking = await confirm_by_hand(db(request), deps, booking.id, amount, body.note)
    request[LOG_FIELDS] = {"booking_id": booking.id}
    return json_response(await booking_answer(request, booking))
