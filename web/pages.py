"""The pages people open in a browser: `/` (the studio and a link to the booking page),
`/book` and `/book/{slug}` (the booking page, also the Telegram Mini App), its files and
`widget.js`, and `/pay/return/{code}` where gateways send the payer back (the booking's live
status). The booking page itself calls the public JSON API only."""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from sqlalchemy import select

from api.inputs import has_controls
from api.keys import DEPS, SETTINGS
from api.middlewares import db
from booking.studio_file import StudioFileError, read_studio_file
from db.models import Booking, Hall
from i18n.catalogs import LANGUAGES, gettext, language_of
from settings import Settings
from web.texts import TEXTS, page_texts

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent / "static"
#: The only files served, with their types.
ASSETS = {
    "book.js": "text/javascript",
    "book-calendar.js": "text/javascript",
    "book-summary.js": "text/javascript",
    "book-status.js": "text/javascript",
    "book-waitlist.js": "text/javascript",
    "book-change.js": "text/javascript",
    "book.css": "text/css",
}
#: The page's files may be cached a little; a new release shows within minutes.
CACHE = {"Cache-Control": "public, max-age=300"}


@functools.cache
def _template(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _studio(settings: Settings) -> dict[str, str]:
    try:
        data = read_studio_file(settings.studio.studio_file)
    except StudioFileError:
        data = {}
    return {"name": str(data.get("name", "")), "name_en": str(data.get("name_en", ""))}


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element."""
    return orjson.dumps(data).decode().replace("</", "<\\/")


def page_language(request: web.Request) -> str:
    """The browser's first language we speak; Russian when it names none of ours."""
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()
        if code[:2] in LANGUAGES:
            return code[:2]
    return language_of(None)


def booking_page(
    request: web.Request, *, hall: str = "", code: str = "", booking_id: int | None = None
) -> web.Response:
    settings, deps = request.app[SETTINGS], request.app[DEPS]
    config = {
        "studio": _studio(settings),
        "hall": hall,
        "code": code,
        # The status page's booking, which the Mini App's user reads with the initData
        # alone; the API still answers only its owner (or the token kept when booking).
        "booking_id": booking_id,
        "gateways": sorted(deps.providers),
        # Whether the studio sends e-mail: without SMTP the page asks for no address and
        # offers no wait by e-mail, so it promises nothing that would never come.
        "mail": settings.smtp.enabled,
        "prepayment_percent": deps.rules.prepayment_percent,
        "studio_phone": deps.studio_phone,
        "timezone": deps.rules.tz.key,
        "today": deps.now().astimezone(deps.rules.tz).date().isoformat(),
        "base": settings.server.base_url(),
    }
    lang = page_language(request)
    # The page's title in the browser's language before the script runs (link previews).
    title = html.escape(gettext(TEXTS["title"], lang=lang))
    text = (
        _template("book.html")
        .replace("{{lang}}", lang)
        .replace("{{title}}", title)
        .replace("{{config}}", _script_json(config))
        .replace("{{texts}}", _script_json(page_texts()))
    )
    return web.Response(text=text, content_type="text/html", headers={"Vary": "Accept-Language"})


def message_page(lang: str, title: str, body: str) -> str:
    """A small page in the booking page's style: `title` and `body` are HTML already."""
    return (
        _template("message.html")
        .replace("{{lang}}", lang)
        .replace("{{title}}", title)
        .replace("{{body}}", body)
    )


def not_found_page(request: web.Request, what: str) -> web.Response:
    lang = page_language(request)
    body = (
        f'<p>{html.escape(what)}</p><p><a class="button" href="/book">'
        f"{html.escape(gettext('Book a session', lang=lang))}</a></p>"
    )
    title = html.escape(gettext("Not found", lang=lang))
    return web.Response(text=message_page(lang, title, body), status=404, content_type="text/html")


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """The studio's name and the way to book; the API's page for developers."""
    lang = page_language(request)
    studio = _studio(request.app[SETTINGS])
    name = (studio["name_en"] if lang == "en" else studio["name"]) or studio["name"]
    book, docs = gettext("Book a session", lang=lang), gettext("The API", lang=lang)
    body = (
        f'<p><a class="button" href="/book">{html.escape(book)}</a></p>'
        f'<p><a href="/api/docs">{html.escape(docs)}</a></p>'
    )
    title = html.escape(name or book)
    return web.Response(text=message_page(lang, title, body), content_type="text/html")


@routes.get("/book")
async def book(request: web.Request) -> web.Response:
    return booking_page(request)


@routes.get("/book/assets/{asset}")
async def book_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["asset"]
    if name not in ASSETS:
        return not_found_page(request, gettext("No such file.", lang=page_language(request)))
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name], **CACHE})


@routes.get("/book/{slug}")
async def book_hall(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    found = None
    if len(slug) <= 64 and not has_controls(slug):
        found = await db(request).scalar(
            select(Hall.id).where(Hall.slug == slug, Hall.active.is_(True))
        )
    if found is None:
        lang = page_language(request)
        return not_found_page(request, gettext("The studio has no such hall.", lang=lang))
    return booking_page(request, hall=slug)


@routes.get("/widget.js")
async def widget(_: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC / "widget.js", headers={"Content-Type": "text/javascript", **CACHE}
    )


@routes.get("/pay/return/{code}")
async def return_page(request: web.Request) -> web.Response:
    """Where gateways send the payer back: the booking's live status (the page reads it
    with the token it kept when booking, or in the Mini App with the Telegram user's
    initData); a code no booking has is a 404 page. A code typed in small letters from a
    message is the same booking's."""
    code = request.match_info["code"].upper()
    found = None
    if len(code) <= 16 and not has_controls(code):
        found = await db(request).scalar(select(Booking.id).where(Booking.code == code))
    if found is None:
        lang = page_language(request)
        return not_found_page(request, gettext("There is no booking with this code.", lang=lang))
    return booking_page(request, code=code, booking_id=found)
