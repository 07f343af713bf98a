"""`GET /calendar/<token>.ics`: a staff calendar feed (a hall's, or the whole studio's), read
from the database at each request. Each booking is one event under a stable UID, so a
calendar app updates it in place; a hold not yet paid is TENTATIVE. The client is named, and
nothing else of theirs is shown."""

from __future__ import annotations

from datetime import UTC

from aiohttp import web
from icalendar import Calendar, Event

from api.errors import error_response
from api.keys import DEPS
from api.middlewares import db
from booking.calendar_feeds import FeedEntry, feed_entries
from booking.domain.states import BookingStatus
from notifications.ics import PRODID

routes = web.RouteTableDef()


@routes.get("/calendar/{token:[A-Za-z0-9_-]+}.ics")
async def calendar_feed(request: web.Request) -> web.StreamResponse:
    found = await feed_entries(db(request), request.app[DEPS], request.match_info["token"])
    if found is None:
        return error_response(404, "not_found", "Not Found")
    hall, entries = found
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if hall is not None:
        calendar.add("x-wr-calname", hall.name)
    stamp = request.app[DEPS].now().astimezone(UTC).replace(microsecond=0)
    for entry in entries:
        calendar.add_component(_event(entry, stamp, with_hall=hall is None))
    return web.Response(
        body=calendar.to_ical(),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _event(entry: FeedEntry, stamp: object, *, with_hall: bool) -> Event:
    event = Event()
    event.add("uid", f"{entry.code}@studio-booking")
    event.add("dtstamp", stamp)
    event.add("created", entry.created_at.astimezone(UTC).replace(microsecond=0))
    event.add("last-modified", entry.updated_at.astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", entry.start.astimezone(UTC))
    event.add("dtend", entry.end.astimezone(UTC))
    parts = [entry.hall_name] if with_hall else []
    event.add("summary", " · ".join([*parts, entry.client_name or "—", entry.code]))
    tentative = entry.status == BookingStatus.PENDING_PAYMENT
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event
