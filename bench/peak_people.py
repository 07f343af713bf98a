"""The people of `bench.bench_peak`: Telegram users pressing through a booking, website
visitors polling availability and booking through the JSON API, and the gateway whose
webhooks they cause. Everything here runs in the benchmark's process, never the service's.

Telegram users find their way by the buttons' callback data (`h:` hall, `d:` day, `s:` start,
`du:` duration, `pm:` payment mode, `gw:` gateway, `ct:` contact steps), not by their texts,
so the benchmark reads the same screens whatever language or wording the bot uses.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bench.common import HOST, TZ
from tests.fakes.telegram_api import FakeTelegram, FakeUser

REPLY_TIMEOUT = 15.0  # seconds a person waits for the bot before giving up and starting over
CONFIRMATION_TIMEOUT = 20.0  # for the paid booking's notice to reach the chat
MAX_STEPS = 40  # presses in one booking before the user gives up
BROWSE = 0.5  # the chance that a user looks at another part of the day, or the next month
FIRST_DAY = 2  # days from today: bookings start later than any reminder's lead (24 h)
LAST_DAY = 60
GATEWAYS = ("yookassa", "tinkoff", "sberpay", "mock")
HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


# --------------------------------------------------------------------------- what is measured


@dataclass
class Samples:
    """Latencies (seconds) by kind and errors by what went wrong; `counts` for the rest."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)

    def error(self, what: str) -> None:
        self.errors[what] += 1

    def ms(self, kind: str, q: float) -> float:
        values = sorted(self.latencies.get(kind, ()))
        if not values:
            return math.nan
        return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))] * 1000


@dataclass
class Crowd:
    """What every simulated person shares."""

    tg: PeakTelegram
    http: ClientSession
    service: str  # the service's base URL
    public: str  # PUBLIC_BASE_URL (the webhook timer): links in answers point there
    samples: Samples
    deadline: float  # loop time at which nobody starts a new step
    halls: list[tuple[int, int]] = field(default_factory=list)  # (id, min_minutes)
    pause: tuple[float, float] = (1.0, 3.0)

    def over(self) -> bool:
        return asyncio.get_running_loop().time() >= self.deadline

    #: Several processes: each one's PUBLIC_BASE_URL -> its own address (a mock payment's
    #: checkout page lives in the process that made it).
    links: dict[str, str] = field(default_factory=dict)

    def local(self, url: str) -> str:
        """A link the service gave (built on PUBLIC_BASE_URL), pointed at the service."""
        for public, own in self.links.items():
            if url.startswith(public + "/"):
                return own + url.removeprefix(public)
        if not url.startswith(self.public + "/"):
            raise ValueError(f"not a link of this service: {url}")
        return self.service + url.removeprefix(self.public)

    async def think(self, rng: random.Random) -> bool:
        """A person's pause between two presses; False once the evening is over."""
        if self.over():
            return False
        await asyncio.sleep(rng.uniform(*self.pause))
        return not self.over()


# --------------------------------------------------------------------------- the Bot API


class PeakTelegram(FakeTelegram):
    """The fake Bot API, noting when each update is handed to the bot (getUpdates answers)
    and when each answer arrives, and waking the chat's user on every answer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.delivered: dict[tuple[Any, ...], float] = {}
        self.answered: dict[str, float] = {}  # callback query id -> when answered
        self.sent: dict[int, list[tuple[int, float]]] = defaultdict(list)  # new bot messages
        _, get_updates = self._methods["getupdates"]
        self.add_method("getUpdates", self._noting_delivery(get_updates))
        for name in ("sendMessage", "sendDocument", "editMessageText", "answerCallbackQuery"):
            _, handler = self._methods[name.lower()]
            self.add_method(name, self._noting_answer(name, handler))

    def _noting_delivery(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        async def call(params: dict[str, Any], files: dict[str, Any]) -> Any:
            updates = await handler(params, files)
            self._note_delivery(updates)
            return updates

        return call

    async def _deliver(self, hook: Any, update: dict[str, Any]) -> bool:
        """In webhook mode an update is handed to the bot when its delivery starts."""
        self._note_delivery([update])
        return bool(await super()._deliver(hook, update))

    def _note_delivery(self, updates: list[dict[str, Any]]) -> None:
        now = time.perf_counter()
        for update in updates:
            if "callback_query" in update:
                self.delivered["q", update["callback_query"]["id"]] = now
            elif "message" in update:
                message = update["message"]
                self.delivered["m", message["chat"]["id"], message["message_id"]] = now

    def _noting_answer(self, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def call(params: dict[str, Any], files: dict[str, Any]) -> Any:
            result = handler(params, files)
            now = time.perf_counter()
            chat = params.get("chat_id")
            if name == "answerCallbackQuery":
                query_id = str(params.get("callback_query_id"))
                self.answered[query_id] = now
                query = self._callback_queries.get(query_id)
                chat = query.query["from"]["id"] if query else None
            elif name.startswith("send") and isinstance(result, dict):
                self.sent[int(result["chat"]["id"])].append((int(result["message_id"]), now))
            if isinstance(chat, int):
                self.events[chat].set()
            return result

        return call

    async def until(self, chat: int, check: Callable[[], bool], timeout: float) -> bool:
        """Wait (woken by the chat's answers) until `check()`; False after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            event = self.events[chat]
            event.clear()
            if check():
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return check()
        return True


def today() -> date:
    """The studio's today (its calendar is in its own zone)."""
    return datetime.now(TZ).date()


def callback_buttons(message: dict[str, Any] | None) -> list[str]:
    rows = (message or {}).get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def day_view(data: list[str]) -> bool:
    """A day's free starts (what the bot shows when the chosen slot was taken meanwhile)."""
    kinds = {item.split(":", 1)[0] for item in data}
    return "s" in kinds and not kinds & {"du", "pm", "gw", "ct"}


def url_buttons(message: dict[str, Any] | None) -> list[str]:
    rows = (message or {}).get("reply_markup", {}).get("inline_keyboard", [])
    return [b["url"] for row in rows for b in row if "url" in b]


# --------------------------------------------------------------------------- Telegram users


class BotUser:
    """A person booking through the bot, again and again until the evening is over:
    /start, Book, a hall, a day, a start, a duration, a payment mode, a gateway, the e-mail
    skipped, the phone shared (or the saved one), then Pay on the checkout page."""

    def __init__(self, crowd: Crowd, user: FakeUser, rng: random.Random) -> None:
        self.crowd, self.tg, self.user, self.rng = crowd, crowd.tg, user, rng
        self.samples = crowd.samples
        self.picker = 0  # the message whose buttons the user presses
        self.months: set[str] = set()
        self.asked_phone = False
        self.trail: list[str] = []  # the prefixes pressed in this booking
        self.browsed: set[str] = set()  # "part", "month": looked at once in this booking

    async def evening(self, arrive: float) -> None:
        await asyncio.sleep(arrive)
        while not self.crowd.over():
            await self.book_once()
            if not await self.crowd.think(self.rng):
                return

    async def book_once(self) -> None:
        self.months.clear()
        self.asked_phone = False
        self.trail.clear()
        self.browsed.clear()
        if not await self.say(self.user.send_text("/start"), lambda m: "m:book" in m):
            return
        for _ in range(MAX_STEPS):
            if not await self.crowd.think(self.rng):
                return
            message = self.tg.message(self.user.id, self.picker)
            checkout = next((u for u in url_buttons(message) if "/mock/checkout/" in u), None)
            if checkout is not None:
                await self.pay(self.crowd.local(checkout))
                return
            shown = callback_buttons(message)
            if self.trail and self.trail[-1] not in ("m", "h", "d", "mo") and day_view(shown):
                self.samples.counts["bot slot taken meanwhile (a fresh day shown)"] += 1
            choice = self.choose(shown)
            if choice == "contact":
                self.trail.append("contact")
                phone = f"+7999{self.user.id % 10**7:07d}"
                if not await self.say(self.user.send_contact(phone), bool):
                    return
            elif choice is None:
                self.samples.error("bot: a screen with no way on")
                return
            elif not await self.press(choice):
                return
        self.samples.counts["bot users who gave up after 40 presses"] += 1

    def choose(self, data: list[str]) -> str | None:
        """The next button, by what the screen offers (the Back buttons come last)."""
        pick = self.rng.choice
        by: dict[str, list[str]] = defaultdict(list)
        for item in data:
            by[item.split(":", 1)[0]].append(item)
        if any(d.startswith("ct:phone:") for d in data):
            return next(d for d in data if d.startswith("ct:phone:"))
        if any(d.startswith("ct:skip:") for d in data):
            self.asked_phone = True
            return next(d for d in data if d.startswith("ct:skip:"))
        if self.asked_phone and self.tg.reply_keyboard(self.user.id):
            return "contact"
        if by["rl"]:  # the studio's rules, before the first payment: accepted
            return by["rl"][0]
        if by["gs"]:  # how many people come
            return pick(by["gs"][:4])
        if by["ao"]:  # the add-ons: one looked at now and then, then "Next"
            onward = [d for d in by["ao"] if d.endswith(":0:0")]
            extras = [d for d in by["ao"] if not d.endswith(":0:0") and not d.endswith(":-1")]
            if extras and self.browse("addon"):
                return pick(extras)
            return onward[0] if onward else None
        if by["wl"] and by["mo"]:  # a day that filled meanwhile: another day, not the wait
            self.samples.counts["bot full day shown (another day chosen)"] += 1
            return by["mo"][0]
        for prefix, among in (("gw", None), ("pm", None), ("du", 3)):
            if by[prefix]:
                return pick(by[prefix][:among])
        if by["s"]:
            parts = [d for d in by["d"] if not d.endswith(":0")]  # the other parts' tabs
            if parts and self.browse("part"):
                return pick(parts)
            return pick(by["s"])
        first = (today() + timedelta(days=FIRST_DAY)).toordinal()
        days = [d for d in by["d"] if d.endswith(":0") and int(d.split(":")[2]) >= first]
        if days and not (by["mo"] and self.browse("month")):
            return pick(days)
        months = [d for d in by["mo"] if d not in self.months]
        if months:
            self.months.update(by["mo"])
            return max(months, key=lambda d: int(d.split(":")[2]))
        if by["h"]:
            return pick(by["h"])
        return next((d for d in by["m"] if d == "m:book"), None)

    def browse(self, what: str) -> bool:
        """Whether to look around first (once a booking for each `what`), as people do."""
        if what in self.browsed:
            return False
        self.browsed.add(what)
        return self.rng.random() < BROWSE

    async def press(self, data: str) -> bool:
        """Press a button of the picker; the bot answers the press after showing the next
        screen, in place or (when the message cannot be edited) as a new message."""
        chat = self.user.id
        self.tg.sent[chat].clear()
        self.trail.append(data.split(":", 1)[0])
        tapped = time.perf_counter()
        query = await self.user.press_data(data, self.picker)
        query_id = str(query["id"])
        answered = self.tg.answered
        if not await self.tg.until(chat, lambda: query_id in answered, REPLY_TIMEOUT):
            self.samples.error("bot: no answer to a press within 15 s")
            return False
        self.reply_took(("q", query_id), tapped, answered.pop(query_id))
        for message_id, _ in reversed(self.tg.sent[chat]):
            shown = self.tg.message(chat, message_id)
            if callback_buttons(shown) or url_buttons(shown):
                self.picker = message_id
                break
        return True

    async def say(
        self, send: Awaitable[dict[str, Any]], wanted: Callable[[list[str]], bool]
    ) -> bool:
        """Send a message; the reply is the first new bot message with `wanted` buttons,
        which becomes the picker."""
        chat = self.user.id
        self.tg.sent[chat].clear()
        tapped = time.perf_counter()
        message = await send
        found: list[tuple[int, float]] = []

        def replied() -> bool:
            for message_id, at in self.tg.sent[chat]:
                shown = self.tg.message(chat, message_id)
                if message_id > message["message_id"] and wanted(
                    callback_buttons(shown) or url_buttons(shown)
                ):
                    found.append((message_id, at))
                    return True
            return False

        if not await self.tg.until(chat, replied, REPLY_TIMEOUT):
            self.samples.error("bot: no reply to a message within 15 s")
            return False
        self.picker, at = found[0]
        self.reply_took(("m", chat, message["message_id"]), tapped, at)
        return True

    def reply_took(self, key: tuple[Any, ...], tapped: float, answered: float) -> None:
        """The bot's time (from getUpdates handing the update over) and the person's (from
        the tap, the wait for the bot's next getUpdates included)."""
        delivered = self.tg.delivered.pop(key, None)
        if delivered is None:
            self.samples.error("bot: answered an update it was never given")
            return
        self.samples.add("bot", answered - delivered)
        self.samples.add("tap", answered - tapped)

    async def pay(self, checkout: str) -> None:
        """Pay on the checkout page; then the confirmation should reach the chat."""
        chat = self.user.id
        self.tg.sent[chat].clear()
        if not await pay(self.crowd, checkout):
            return
        self.samples.counts["bot bookings paid"] += 1
        began = time.perf_counter()
        if await self.tg.until(chat, lambda: bool(self.tg.sent[chat]), CONFIRMATION_TIMEOUT):
            self.samples.add("confirmation", time.perf_counter() - began)
        else:
            self.samples.error("bot: no confirmation in the chat within 20 s of paying")


async def pay(crowd: Crowd, checkout: str) -> bool:
    """The payer's Pay on the mock checkout page, which sends the gateway's webhook and
    waits for its answer (timed separately, see WebhookTimer)."""
    began = time.perf_counter()
    try:
        async with crowd.http.post(
            checkout, data={"outcome": "succeeded"}, headers={"Accept": "application/json"}
        ) as response:
            body = await response.json() if response.status == 200 else {}
    except (ClientError, TimeoutError, ValueError):
        crowd.samples.error("pay: the checkout page did not answer")
        return False
    crowd.samples.add("pay", time.perf_counter() - began)
    if body.get("webhook_statuses") != [200]:
        crowd.samples.error(
            f"pay: checkout {response.status}, webhook {body.get('webhook_statuses')}"
        )
        return False
    return True


# --------------------------------------------------------------------------- website visitors


async def api(
    crowd: Crowd,
    method: str,
    path: str,
    *,
    want: tuple[int, ...] = (200,),
    token: str | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """One JSON API call, timed; (0, None) when it failed, counted as an error."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    began = time.perf_counter()
    try:
        async with crowd.http.request(
            method, crowd.service + path, json=body, headers=headers
        ) as r:
            answer = await r.json(content_type=None)
            status = r.status
    except (ClientError, TimeoutError, ValueError) as exc:
        crowd.samples.error(f"api: {method} {path.split('?')[0]}: {type(exc).__name__}")
        return 0, None
    crowd.samples.add("api", time.perf_counter() - began)
    if status not in want:
        crowd.samples.error(f"api: {method} {path.split('?')[0].rstrip('0123456789')} {status}")
        return 0, None
    return status, answer


def window(rng: random.Random, days: int) -> tuple[date, date]:
    first = today() + timedelta(days=rng.randint(0, LAST_DAY - days))
    return first, first + timedelta(days=days - 1)


async def poll_availability(crowd: Crowd, rate: float, seed: int) -> None:
    """`rate` requests a second in all, open loop (a slow answer does not slow the next
    visitor): a week of a random hall's free starts."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[Any]] = set()
    due = loop.time()
    while not crowd.over():
        if len(running) < 10 * rate:
            first, last = window(rng, 7)
            hall, _ = rng.choice(crowd.halls)
            path = f"/api/bookings/availability?hall_id={hall}&start_date={first}&end_date={last}"
            task = asyncio.create_task(api(crowd, "GET", path))
            running.add(task)
            task.add_done_callback(running.discard)
        else:
            crowd.samples.error("api: more than 10 s of polls waiting for answers")
        due += 1 / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
    await asyncio.gather(*running)


async def web_bookings(crowd: Crowd, per_minute: float, seed: int) -> None:
    """Visitors who book, `per_minute` of them arriving at random (Poisson) moments."""
    rng = random.Random(seed)
    visitors: set[asyncio.Task[Any]] = set()
    number = 0
    while per_minute > 0:
        await asyncio.sleep(rng.expovariate(per_minute / 60))
        if crowd.over():
            break
        number += 1
        task = asyncio.create_task(web_visitor(crowd, random.Random(seed * 7919 + number), number))
        visitors.add(task)
        task.add_done_callback(visitors.discard)
    await asyncio.gather(*visitors)


async def web_visitor(crowd: Crowd, rng: random.Random, number: int) -> None:
    """The website's flow: a day's free starts, a hold, a payment, Pay, the booking's status."""
    hall, minutes = rng.choice(crowd.halls)
    day = today() + timedelta(days=rng.randint(FIRST_DAY, LAST_DAY))
    query = f"hall_id={hall}&start_date={day}&end_date={day}"
    _, free = await api(crowd, "GET", f"/api/bookings/availability?{query}")
    starts = free["days"][0]["starts"] if free else []
    if not starts or not await crowd.think(rng):
        return
    hour, minute = map(int, rng.choice(starts).split(":"))
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    booking = {
        "hall_id": hall,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "payment_mode": rng.choice(("prepay", "full")),
        "accept_rules": True,
        "client": {"name": f"Посетитель {number}", "phone": f"+7988{number:07d}"},
    }
    status, made = await api(crowd, "POST", "/api/bookings", want=(201, 409), body=booking)
    if status == 409:
        crowd.samples.counts["web slot taken meanwhile (409)"] += 1
    if status != 201 or not await crowd.think(rng):
        return
    token, booking_id = made["access_token"], made["id"]
    body = {"booking_id": booking_id, "gateway": rng.choice(GATEWAYS)}
    _, payment = await api(crowd, "POST", "/api/payments", want=(201,), token=token, body=body)
    if payment is None or not await crowd.think(rng):
        return
    if not await pay(crowd, crowd.local(payment["confirmation_url"])):
        return
    crowd.samples.counts["web bookings paid"] += 1
    _, seen = await api(crowd, "GET", f"/api/bookings/{booking_id}", token=token)
    if seen is not None and seen["status"] != "confirmed":
        crowd.samples.error(f"web: booking {seen['status']} after its webhook was answered")


# --------------------------------------------------------------------------- the gateway side


class WebhookTimer:
    """What PUBLIC_BASE_URL points at: it forwards the gateway webhooks the checkout page
    sends to the service, as the gateway would, and times the service's answers."""

    def __init__(self, samples: Samples) -> None:
        self.samples = samples
        self.target = ""
        self.base = ""
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/payments/webhook/{gateway}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.base = f"http://{HOST}:{self._runner.addresses[0][1]}"
        self._http = ClientSession(timeout=ClientTimeout(total=30))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        began = time.perf_counter()
        try:
            async with self._http.request(
                request.method, self.target + request.path_qs, data=body, headers=headers
            ) as response:
                answer, status = await response.read(), response.status
                kind = response.headers.get("Content-Type", "text/plain")
        except (ClientError, TimeoutError):
            self.samples.error("webhook: the service did not answer")
            return web.Response(status=502)
        self.samples.add("webhook", time.perf_counter() - began)
        if not 200 <= status < 300:
            self.samples.error(f"webhook: answered {status}")
        return web.Response(body=answer, status=status, headers={"Content-Type": kind})
