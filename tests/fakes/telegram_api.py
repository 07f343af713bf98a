"""A local fake of the Telegram Bot API for end-to-end tests.

The real aiogram ``Bot`` talks to it over real HTTP::

    async with FakeTelegram() as tg:
        alice = tg.user(111, first_name="Alice")
        bot = tg.make_bot()  # Bot(tg.token, session=AiohttpSession(api=...from_base(...)))
        async with tg.polling(dp, bot):  # dp.start_polling(...) as a task, stopped on exit
            await alice.send_text("/start")
            call = await tg.wait_for("sendMessage", chat_id=alice.id)
            assert tg.buttons(tg.last_message(alice.id)) == [["Book a slot"]]
            await alice.press("Book a slot")
            await tg.wait_for("editMessageText")
        assert tg.unanswered_callback_queries() == []

Wire protocol (Bot API "Making requests"): every method is ``POST
/bot<token>/<method>`` (case-insensitive method names), urlencoded or multipart form fields
(objects JSON-encoded inside fields, files as ``attach://<part>``) or a JSON body; the answer is
the ``{"ok", "result" | "error_code", "description", "parameters"}`` envelope.

What the fake enforces like Telegram (HTTP status + description):
message text 1-4096 characters after entity parsing (HTML / MarkdownV2 / Markdown),
caption <= 1024, callback_data 1-64 UTF-8 bytes, <= 8 buttons per row and <= 100 per inline
keyboard, no action-less inline buttons, edits of missing or unchanged messages, stale or
repeated callback answers, blocked users (403), unknown chats, getUpdates while a webhook is
set (409), per-chat / global / group send rates (429 with ``retry_after``) and unknown
methods (404).

Rate limits are on by default: a token bucket of ``chat_burst=3`` per private chat refilled at
``chat_rate=1``/s, ``global_rate=30`` sends per second, ``group_rate_per_minute=20``. A scripted
flow that sends more than 3 messages to one chat within a second gets 429 like a real bot
would; raise ``tg.chat_burst`` or pass ``rate_limits=False`` where throttling is not the point.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import math
import mimetypes
import re
import secrets
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from aiohttp import ClientError, ClientSession, ClientTimeout, MultipartReader, web
from aiohttp.web_request import FileField


def _clone(value: Any) -> Any:
    """A deep copy of plain JSON data (what the API stores and answers: dicts, lists,
    strings, numbers), through orjson: several times faster than copy.deepcopy, which the
    load benchmarks would otherwise pay for in this process. Not for other types: orjson
    turns tuples into lists and dates into strings; only what it refuses (an integer beyond
    64 bits) goes to copy.deepcopy."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)


def _json_response(body: Any, *, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "FakeApiError",
    "FakeTelegram",
    "FakeUser",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
]

DEFAULT_TOKEN = "123456789:TEST-studio-fake-token"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_ROW = 8
MAX_INLINE_BUTTONS = 100
MAX_REPLY_ROW = 12
MAX_REPLY_BUTTONS = 300

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
#: How long a test waits for the bot before it fails. Generous: a passing test never waits
#: it out, and a machine running the suite in several processes can be slow for a while.
WAIT = 15.0
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# Fields that clients (aiogram included) send as JSON strings inside form fields.
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "explanation_entities",
        "input_message_content",
        "link_preview_options",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "permissions",
        "prices",
        "question_entities",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "results",
        "rights",
        "scope",
        "shipping_options",
    }
)
_INT_FIELDS = frozenset(
    {
        "cache_time",
        "chat_id",
        "duration",
        "from_chat_id",
        "height",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
        "until_date",
        "user_id",
        "width",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "is_personal",
        "protect_content",
        "show_alert",
    }
)
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_DEFAULT_EXCLUDED_UPDATES = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_TOKEN_RE = re.compile(r"^(\d+):([A-Za-z0-9_-]+)$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"]+")


class FakeApiError(Exception):
    """Raise from a method handler to answer with a Telegram error envelope."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> FakeApiError:
    return FakeApiError(400, f"Bad Request: {description}")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class StoredFile:
    """A file the bot sent (document/photo); ``data`` is None when it was sent by URL."""

    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str | None
    data: bytes | None
    file_path: str

    @property
    def size(self) -> int:
        return len(self.data or b"")


@dataclass
class Call:
    """One Bot API request as the fake saw it (also failed ones)."""

    index: int
    method: str  # canonical spelling for known methods, e.g. "sendMessage"
    params: dict[str, Any]  # decoded: ints, bools and JSON objects parsed
    files: dict[str, UploadedFile]
    time: float  # wall clock (time.time()) when the answer was produced
    monotonic: float  # loop.time() at the same moment
    status: int = 200
    result: Any = None  # the "result" of a successful answer
    description: str | None = None  # the error description of a failed one
    retry_after: int | None = None
    via: str = "http"  # or "webhook_reply"
    content_type: str = ""  # of an HTTP request: JSON, an urlencoded or a multipart form

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        text = ", ".join(f"{k}={_short(v)}" for k, v in shown.items())
        tail = "" if self.ok else f" -> {self.description!r}"
        return f"<Call #{self.index} {self.method}({text}) {self.status}{tail}>"


@dataclass
class WebhookDelivery:
    update_id: int
    url: str
    status: int | None  # HTTP status, None when the connection failed
    error: str | None
    time: float


@dataclass
class SendStats:
    rate_limited: int  # 429 answers (rate limiting and injected failures)
    max_per_chat_per_second: int  # most accepted sends to one chat inside any 1 s window
    max_overall_per_second: int  # most accepted sends overall inside any 1 s window
    sends_per_chat: dict[int, int]


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Chat:
    id: int
    type: str
    info: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    reply_keyboard: dict[str, Any] | None = None
    tokens: float | None = None  # per-chat token bucket; None = full
    tokens_at: float = 0.0
    send_times: list[float] = field(default_factory=list)

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass
class _CallbackQuery:
    query: dict[str, Any]
    created: float
    answer: dict[str, Any] | None = None


@dataclass
class _Result:
    """A successful result with a description, like setWebhook's "Webhook was set"."""

    value: Any
    description: str


Handler = Callable[[dict[str, Any], dict[str, UploadedFile]], Any]


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _now() -> int:
    return int(time.time())


def _entities_error(message: str) -> FakeApiError:
    return _bad(f"can't parse entities: {message}")


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset, as Telegram counts entity offsets

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += _utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _sorted_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [e for e in entities if e["length"] > 0]
    return sorted(kept, key=lambda e: (e["offset"], -e["length"]))


# ---------------------------------------------------------------------------- HTML

_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_HTML_ATTR = re.compile(
    r"([A-Za-z_:-][A-Za-z0-9_:.-]*)"
    r"(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"
)
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _unescape_html(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _NAMED:
            return _NAMED[name]
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        try:
            return chr(code)
        except (ValueError, OverflowError):
            return match.group(0)

    return _HTML_ENTITY.sub(repl, text)


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _TextBuilder()
    entities: list[dict[str, Any]] = []
    # (tag name, start offset, entity under construction or None)
    stack: list[tuple[str, int, dict[str, Any] | None]] = []
    i = 0
    n = len(src)
    while i < n:
        char = src[i]
        if char == "<":
            offset = _byte_offset(src, i)
            match = _HTML_TAG.match(src, i)
            if match is None:
                if src.startswith("</", i) or (i + 1 < n and src[i + 1].isalpha()):
                    raise _entities_error(f"Unclosed start tag at byte offset {offset}")
                raise _entities_error(f"Unexpected end of name token at byte offset {offset}")
            closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack:
                    raise _entities_error(f"Unexpected end tag at byte offset {offset}")
                top_name, start, entity = stack.pop()
                if top_name != name:
                    raise _entities_error(
                        f'Unmatched end tag at byte offset {offset}, expected "</{top_name}>", '
                        f'found "</{name}>"'
                    )
                if entity is not None:
                    entity["offset"] = start
                    entity["length"] = out.pos - start
                    entities.append(entity)
            else:
                attrs = {
                    m.group(1).lower(): _unescape_html(
                        m.group(2) or m.group(3) or m.group(4) or ""
                    )
                    for m in _HTML_ATTR.finditer(rest)
                }
                stack.append((name, out.pos, _html_entity(name, attrs, stack, offset)))
            i = match.end()
        elif char == "&":
            match = _HTML_ENTITY.match(src, i)
            if match is None:
                out.add("&")
                i += 1
            else:
                out.add(_unescape_html(match.group(0)))
                i = match.end()
        else:
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), _sorted_entities(entities)


def _html_entity(
    name: str,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, Any] | None]],
    offset: int,
) -> dict[str, Any] | None:
    if name in _HTML_SIMPLE:
        return {"type": _HTML_SIMPLE[name]}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _entities_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        return {"type": "spoiler"}
    if name == "a":
        href = attrs.get("href")
        if not href:
            return None
        return {"type": "text_link", "url": href}
    if name == "code":
        if stack and stack[-1][0] == "pre":
            pre = stack[-1][2]
            language = attrs.get("class", "")
            if pre is not None and language.startswith("language-"):
                pre["language"] = language[len("language-") :]
            return None
        return {"type": "code"}
    if name == "pre":
        return {"type": "pre"}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')


# ---------------------------------------------------------------------------- Markdown

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
    "[": ("text_link", "TextUrl"),
}


def _find_unescaped(src: str, token: str, start: int) -> int:
    i = start
    while i < len(src):
        if src[i] == "\\":
            i += 2
            continue
        if src.startswith(token, i):
            return i
        i += 1
    return -1


def _unescape_backslashes(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _TextBuilder()
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, int]] = []  # token, start offset, byte offset
    quote: tuple[int, bool] | None = None  # start offset, expandable
    line_start = True
    line_end_pos = 0
    i = 0
    n = len(src)

    def close_quote(end: int) -> None:
        nonlocal quote
        if quote is not None:
            kind = "expandable_blockquote" if quote[1] else "blockquote"
            entities.append({"type": kind, "offset": quote[0], "length": end - quote[0]})
            quote = None

    while i < n:
        char = src[i]
        if line_start:
            line_start = False
            if src.startswith("**>", i) or char == ">":
                expandable = src.startswith("**>", i)
                if quote is None:
                    quote = (out.pos, expandable)
                i += 3 if expandable else 1
                continue
            close_quote(line_end_pos)
        if char == "\\":
            if i + 1 >= n:
                raise _entities_error(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            out.add(src[i + 1])
            i += 2
            continue
        if char == "\n":
            line_end_pos = out.pos
            out.add(char)
            line_start = True
            i += 1
            continue
        if char == "`":
            offset = _byte_offset(src, i)
            if src.startswith("```", i):
                end = _find_unescaped(src, "```", i + 3)
                if end < 0:
                    raise _entities_error(f"Can't find end of Pre entity at byte offset {offset}")
                body = src[i + 3 : end]
                entity: dict[str, Any] = {"type": "pre"}
                if "\n" in body:
                    first, body = body.split("\n", 1)
                    if first.strip():
                        entity["language"] = first.strip()
                start = out.pos
                out.add(_unescape_backslashes(body))
                entities.append({**entity, "offset": start, "length": out.pos - start})
                i = end + 3
            else:
                end = _find_unescaped(src, "`", i + 1)
                if end < 0:
                    raise _entities_error(f"Can't find end of Code entity at byte offset {offset}")
                start = out.pos
                out.add(_unescape_backslashes(src[i + 1 : end]))
                entities.append({"type": "code", "offset": start, "length": out.pos - start})
                i = end + 1
            continue
        token = None
        if src.startswith("__", i):
            token = "__"
        elif src.startswith("||", i):
            token = "||"
        elif char in "*_~":
            token = char
        if token is not None:
            if stack and stack[-1][0] == token:
                _, start, _ = stack.pop()
                entities.append(
                    {"type": _MDV2_NAMES[token][0], "offset": start, "length": out.pos - start}
                )
            else:
                stack.append((token, out.pos, _byte_offset(src, i)))
            i += len(token)
            continue
        if char == "[":
            stack.append(("[", out.pos, _byte_offset(src, i)))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[" and src.startswith("(", i + 1):
            end = _find_unescaped(src, ")", i + 2)
            if end < 0:
                raise _entities_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(src, i + 2)}"
                )
            url = _unescape_backslashes(src[i + 2 : end])
            _, start, _ = stack.pop()
            entities.append(
                {"type": "text_link", "offset": start, "length": out.pos - start, "url": url}
            )
            i = end + 1
            continue
        if char in _MDV2_RESERVED:
            raise _entities_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    close_quote(out.pos)
    if stack:
        token, _, offset = stack[-1]
        raise _entities_error(
            f"Can't find end of {_MDV2_NAMES[token][1]} entity at byte offset {offset}"
        )
    return out.text(), _sorted_entities(entities)


def _parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out = _TextBuilder()
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(src)
    kinds = {"*": "bold", "_": "italic"}
    while i < n:
        char = src[i]
        offset = _byte_offset(src, i)
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if char in kinds or char == "`" or char == "[":
            if src.startswith("```", i):
                token, kind = "```", "pre"
            elif char == "[":
                token, kind = "](", "text_link"
            else:
                token, kind = char, kinds.get(char, "code")
            end = src.find(token, i + (3 if token == "```" else 1))
            if end < 0:
                raise _entities_error(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            inner = src[i + (3 if token == "```" else 1) : end]
            entity: dict[str, Any] = {"type": kind}
            after = end + len(token)
            if kind == "text_link":
                close = src.find(")", after)
                if close < 0:
                    raise _entities_error(
                        f"Can't find end of the entity starting at byte offset {offset}"
                    )
                entity["url"] = src[after:close]
                after = close + 1
            start = out.pos
            out.add(inner)
            entities.append({**entity, "offset": start, "length": out.pos - start})
            i = after
            continue
        out.add(char)
        i += 1
    return out.text(), _sorted_entities(entities)


def _user_entities(text: str) -> list[dict[str, Any]]:
    """Entities a Telegram client attaches to a typed message (commands and URLs)."""
    found: list[dict[str, Any]] = []
    for regex, kind in ((_BOT_COMMAND_RE, "bot_command"), (_URL_RE, "url")):
        for match in regex.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": _utf16_len(text[: match.start()]),
                    "length": _utf16_len(match.group(0)),
                }
            )
    return _sorted_entities(found)


# ---------------------------------------------------------------------------- users


class FakeUser:
    """A Telegram user talking to the bot in a private chat (chat id == user id)."""

    def __init__(
        self,
        tg: FakeTelegram,
        id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self._tg = tg
        self.id = id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r}>"

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def blocked(self) -> bool:
        return self._tg._chats[self.id].blocked

    def as_user(self) -> dict[str, Any]:
        """Telegram ``User`` JSON of this user."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def as_chat(self) -> dict[str, Any]:
        """Telegram ``Chat`` JSON of the private chat with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # -- actions (each enqueues an update and marks the start of a new step for wait_for)

    async def send_text(self, text: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """Type a text message; "/cmd args" gets a bot_command entity. Returns the Message."""
        if not text:
            raise ValueError("Telegram clients cannot send an empty message")
        content: dict[str, Any] = {"text": text}
        entities = _user_entities(text)
        if entities:
            content["entities"] = entities
        return await self.send_message(content, chat_id=chat_id)

    async def send_contact(
        self,
        phone: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """Share a contact (by default the user's own, as a request_contact button does)."""
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name or self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        if last_name or (first_name is None and self.last_name):
            contact["last_name"] = last_name or self.last_name
        return await self.send_message({"contact": contact})

    async def send_message(
        self, content: dict[str, Any], *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Send any message content (e.g. ``{"location": {...}}``). Returns the Message."""
        chat = self._tg._chats[self.id if chat_id is None else chat_id]
        if chat.type == "private" and chat.blocked:
            await self.unblock()  # pressing "Restart" in a client unblocks the bot
        message = {
            "message_id": chat.new_message_id(),
            "from": self.as_user(),
            "chat": dict(chat.info),
            "date": _now(),
            **_clone(content),
        }
        chat.messages[message["message_id"]] = message
        self._tg.push_update("message", message)
        return _clone(message)

    async def press(self, button_text: str, message_id: int | None = None) -> dict[str, Any]:
        """Press the inline button with this exact text on the newest bot message having it
        (or on ``message_id``). Returns the CallbackQuery that was enqueued."""
        chat = self._tg._chats[self.id]
        if message_id is not None:
            message = chat.messages.get(message_id)
            if message is None:
                raise AssertionError(f"No message {message_id} in chat {self.id}")
            candidates = [message]
        else:
            candidates = [
                m for m in reversed(list(chat.messages.values())) if self._tg._is_bot_message(m)
            ]
        for message in candidates:
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") != button_text:
                        continue
                    if button.get("callback_data") is None:
                        kinds = [k for k in _INLINE_ACTIONS if button.get(k) is not None]
                        raise AssertionError(
                            f"Button {button_text!r} in message {message['message_id']} is not a "
                            f"callback button ({', '.join(kinds) or 'no action'})"
                        )
                    return self._tg._press(self, message, button["callback_data"])
        raise AssertionError(
            f"No inline button {button_text!r} in chat {self.id}"
            + (f" message {message_id}" if message_id is not None else "")
            + ". Visible buttons: "
            + self._tg._describe_buttons(candidates)
        )

    async def press_data(self, callback_data: str, message_id: int) -> dict[str, Any]:
        """Send a callback_query with arbitrary data for ``message_id`` (which may be gone:
        then the query carries an inaccessible message, date 0)."""
        chat = self._tg._chats[self.id]
        message = chat.messages.get(message_id)
        if message is None:
            message = {"chat": dict(chat.info), "message_id": message_id, "date": 0}
        return self._tg._press(self, message, callback_data)

    async def block(self) -> None:
        """Block the bot: sends to this chat answer 403, a my_chat_member update is sent."""
        chat = self._tg._chats[self.id]
        if not chat.blocked:
            chat.blocked = True
            self._tg._push_member_update(self, "member", "kicked")

    async def unblock(self) -> None:
        chat = self._tg._chats[self.id]
        if chat.blocked:
            chat.blocked = False
            self._tg._push_member_update(self, "kicked", "member")

    # -- reading

    def messages(self) -> list[dict[str, Any]]:
        return self._tg.messages(self.id)

    def last_message(self) -> dict[str, Any] | None:
        return self._tg.last_message(self.id)

    def buttons(self, message: dict[str, Any] | None = None) -> list[list[str]]:
        """Rows of button texts of ``message`` (default: the newest bot message)."""
        message = message if message is not None else self.last_message()
        return self._tg.buttons(message) if message else []


# ---------------------------------------------------------------------------- the server


class FakeTelegram:
    """Fake Bot API server bound to 127.0.0.1 on a free port; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "studio_test_bot",
        bot_first_name: str = "Studio Test Bot",
        rate_limits: bool = True,
        chat_burst: int = 3,
        chat_rate: float = 1.0,
        global_rate: int = 30,
        group_rate_per_minute: int = 20,
        callback_query_ttl: float = 15.0,
        strict_urls: bool = True,
        webhook_retry_delay: float = 0.1,
        host: str = "127.0.0.1",
        webhook_ssl: SSLContext | bool = True,
    ) -> None:
        match = _TOKEN_RE.match(token)
        if match is None:
            raise ValueError("token must look like '<digits>:<secret>'")
        self.token = token
        self.bot_id = int(match.group(1))
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.rate_limits = rate_limits
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self.global_rate = global_rate
        self.group_rate_per_minute = group_rate_per_minute
        self.callback_query_ttl = callback_query_ttl
        self.strict_urls = strict_urls
        self.webhook_retry_delay = webhook_retry_delay
        self.host = host
        #: How webhook deliveries check the service's certificate (a test's own CA).
        self.webhook_ssl = webhook_ssl

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._client: ClientSession | None = None
        self._closing = False
        self._changed = asyncio.Event()

        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, _Chat] = {}
        self._calls: list[Call] = []
        self._consumed: set[int] = set()
        self._mark = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(283_746_101)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._poll_allowed: list[str] | None = None
        self._poll_generation = 0
        self._get_updates_started = 0
        self._webhook = _Webhook()
        self._webhook_task: asyncio.Task[None] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._failures: dict[str, deque[FakeApiError]] = defaultdict(deque)
        self._global_sends: deque[float] = deque()
        self._all_send_times: list[float] = []
        self._rate_limited = 0
        self.internal_errors: list[BaseException] = []

        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("sendMediaGroup", self._send_media_group),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("getChatMenuButton", self._get_chat_menu_button),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("close", self._close),
            ("logOut", self._close),
        ):
            self.add_method(name, handler)

    # -- lifecycle

    async def start(self) -> FakeTelegram:
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._port = runner.addresses[0][1]
        self._runner = runner
        self._client = ClientSession()
        self._closing = False
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        await self._runner.cleanup()
        self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self._port}"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A real aiogram Bot wired to this server (close it: ``await bot.session.close()``)."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, **kwargs)

    @contextlib.asynccontextmanager
    async def polling(
        self, dp: Dispatcher, bot: Bot, *, startup_timeout: float = WAIT, **kwargs: Any
    ) -> AsyncIterator[asyncio.Task[None]]:
        """Run ``dp.start_polling(bot, handle_signals=False, polling_timeout=1, **kwargs)`` as
        a task; enter once the first getUpdates arrived; on exit wait for running handlers,
        ``dp.stop_polling()`` and close the bot session. Startup errors are raised."""
        kwargs.setdefault("handle_signals", False)
        kwargs.setdefault("polling_timeout", 1)
        started = self._get_updates_started
        task = asyncio.create_task(dp.start_polling(bot, **kwargs))
        try:
            await self._wait(
                lambda: self._get_updates_started > started or task.done(),
                startup_timeout,
                "polling to start (first getUpdates)",
                poll=False,
            )
            if task.done():
                await task  # startup failed: raise its exception
                raise AssertionError("polling stopped right after it started")
            yield task
        finally:
            tasks: set[asyncio.Task[Any]] = getattr(dp, "_handle_update_tasks", set())
            with contextlib.suppress(AssertionError):
                await self._wait(lambda: not tasks, WAIT, "update handlers to finish", poll=True)
            try:
                if not task.done():
                    with contextlib.suppress(RuntimeError):
                        await dp.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await task  # re-raises what the polling task died of
            finally:
                await bot.session.close()

    # -- extension points

    def add_method(self, name: str, handler: Handler) -> None:
        """Implement (or override) a Bot API method: ``handler(params, files)`` returns the
        result (or an awaitable of it) or raises ``FakeApiError``."""
        self._methods[name.lower()] = (name, handler)

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error instead of handling
        them (429 + retry_after -> TelegramRetryAfter, >= 500 -> TelegramServerError...)."""
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                403: "Forbidden: injected failure",
                429: f"Too Many Requests: retry after {retry_after or 1}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(status, f"Error {status}")
        if status == 429 and retry_after is None:
            retry_after = 1
        for _ in range(times):
            self._failures[method.lower()].append(FakeApiError(status, description, retry_after))

    def push_update(self, update_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Enqueue a raw update (``{"update_id": ..., update_type: payload}``) and return it."""
        update = {"update_id": next(self._update_ids), update_type: _clone(payload)}
        self._updates.append(update)
        self._mark = len(self._calls)
        self._notify()
        return _clone(update)

    # -- actors

    def user(
        self,
        id: int,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
        *,
        last_name: str | None = None,
    ) -> FakeUser:
        """The user with this id (created with a private chat on first use)."""
        if id in self._users:
            return self._users[id]
        if id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(
            self,
            id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[id] = user
        self._chats[id] = _Chat(id=id, type="private", info=user.as_chat())
        return user

    def group(self, chat_id: int, title: str = "Studio staff", type: str = "supergroup") -> int:
        """Register a group chat the bot is a member of (ids are negative)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        self._chats.setdefault(
            chat_id,
            _Chat(id=chat_id, type=type, info={"id": chat_id, "type": type, "title": title}),
        )
        return chat_id

    # -- reading state

    def messages(self, chat_id: int, *, include_user: bool = False) -> list[dict[str, Any]]:
        """Current state (after edits/deletes) of the bot's messages in a chat, oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            _clone(m) for m in chat.messages.values() if include_user or self._is_bot_message(m)
        ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        chat = self._chats.get(chat_id)
        found = chat.messages.get(message_id) if chat else None
        return _clone(found) if found is not None else None

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The newest bot message still present in the chat, or None."""
        chat = self._chats.get(chat_id)
        messages = reversed(chat.messages.values()) if chat is not None else ()
        found = next((m for m in messages if self._is_bot_message(m)), None)
        return _clone(found) if found is not None else None

    @staticmethod
    def buttons(message: dict[str, Any] | None) -> list[list[str]]:
        """Visible inline button texts of a message, as rows."""
        if not message:
            return []
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        return [[button.get("text", "") for button in row] for row in rows]

    @staticmethod
    def button(message: dict[str, Any], text: str) -> dict[str, Any]:
        """The inline button dict with this text (AssertionError if absent)."""
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == text:
                    return _clone(button)
        raise AssertionError(f"No button {text!r}; buttons: {FakeTelegram.buttons(message)}")

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Rows of the reply keyboard currently shown in the chat, or None."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.reply_keyboard is None:
            return None
        rows = chat.reply_keyboard.get("keyboard", [])
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request so far, in the order they were answered (optionally one method)."""
        if method is None:
            return list(self._calls)
        key = method.lower()
        return [c for c in self._calls if c.method.lower() == key]

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def document(self, message: dict[str, Any]) -> StoredFile:
        """The stored file (name, bytes) of a document message."""
        if "document" not in message:
            raise AssertionError(f"message {message.get('message_id')} has no document")
        return self._files[message["document"]["file_id"]]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set for exactly this scope (default scope if None) and language."""
        key = (self._scope_key(scope, check_chat=False), language_code)
        return _clone(self._commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return _clone(
            self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "commands"}
        )

    def webhook_info(self) -> dict[str, Any]:
        return self._webhook_info()

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (by a getUpdates offset or a 2xx webhook answer)."""
        return _clone(self._updates)

    def unanswered_callback_queries(self) -> list[dict[str, Any]]:
        return [_clone(q.query) for q in self._callback_queries.values() if not q.answer]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery params the bot used for this query, or None."""
        record = self._callback_queries.get(query_id)
        return _clone(record.answer) if record and record.answer else None

    @property
    def polls_started(self) -> int:
        """How many getUpdates requests have arrived so far (answered or still waiting)."""
        return self._get_updates_started

    @property
    def stats(self) -> SendStats:
        per_chat = {cid: c.send_times for cid, c in self._chats.items() if c.send_times}
        return SendStats(
            rate_limited=self._rate_limited,
            max_per_chat_per_second=max(
                (_max_in_window(times, 1.0) for times in per_chat.values()), default=0
            ),
            max_overall_per_second=_max_in_window(self._all_send_times, 1.0),
            sends_per_chat={cid: len(times) for cid, times in per_chat.items()},
        )

    # -- waiting

    def mark(self) -> int:
        """Start a new step: wait_for only considers calls recorded after this point.
        User actions and push_update mark automatically."""
        self._mark = len(self._calls)
        return self._mark

    async def wait_for(
        self,
        what: str | Callable[[Call], Any] | Callable[[], Any],
        timeout: float = WAIT,
        *,
        chat_id: int | None = None,
        ok: bool | None = None,
        since: int | None = None,
    ) -> Any:
        """Wait for a call and return it.

        ``what`` is a method name (case-insensitive) or a predicate over a ``Call``. Only calls
        recorded since the last user action / ``mark()`` (or index ``since``) that no earlier
        ``wait_for`` returned are considered, so successive waits return successive calls.
        ``chat_id`` / ``ok`` filter further. A zero-argument predicate waits for a state
        condition instead (see ``wait_until``) and returns its truthy value.
        Raises AssertionError listing recent calls on timeout.
        """
        if callable(what) and _takes_no_args(what):
            return await self.wait_until(what, timeout)  # type: ignore[arg-type]
        start = self._mark if since is None else since

        def matches(call: Call) -> bool:
            if call.index in self._consumed:
                return False
            if isinstance(what, str):
                if call.method.lower() != what.lower():
                    return False
            elif not what(call):  # type: ignore[call-arg]
                return False
            if chat_id is not None and call.params.get("chat_id") != chat_id:
                return False
            return ok is None or call.ok == ok

        def find() -> Call | None:
            return next((c for c in self._calls[start:] if matches(c)), None)

        described = what if isinstance(what, str) else getattr(what, "__name__", "predicate")
        found: Call = await self._wait(
            find, timeout, f"call {described!r} (chat_id={chat_id}, since #{start})", poll=False
        )
        self._consumed.add(found.index)
        return found

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change of the fake and
        every 20 ms for outside state) and return its value."""
        return await self._wait(predicate, timeout, getattr(predicate, "__name__", "predicate"))

    async def _wait(
        self, check: Callable[[], Any], timeout: float, what: str, *, poll: bool = True
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            value = check()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(repr(c) for c in self._calls[-15:]) or "(none)"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; last calls:\n  {recent}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.02) if poll else remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        try:
            params, files = await self._read_params(request)
        except FakeApiError as error:
            return _json_response(error.envelope(), status=error.status)
        status, body = await self._process_call(
            request.match_info["method"], params, files, content_type=request.content_type
        )
        return _json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path and stored.data is not None:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return _json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            raw.setdefault(key, value)
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as error:
                raise _bad("can't parse JSON encoded request") from error
            if not isinstance(body, dict):
                raise _bad("can't parse JSON encoded request")
            raw.update(body)
        elif request.method == "POST":
            form = await request.post()
            for name, part in form.items():
                if isinstance(part, FileField):
                    files[name] = UploadedFile(part.filename, part.file.read(), part.content_type)
                else:
                    raw.setdefault(name, part)
        return self._decode_params(raw), files

    @staticmethod
    def _decode_params(raw: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, bytes | bytearray):
                value = value.decode()
            if isinstance(value, str):
                if key in _JSON_FIELDS:
                    try:
                        value = orjson.loads(value)
                    except ValueError as error:
                        what = "reply keyboard markup" if key == "reply_markup" else key
                        raise _bad(f"can't parse {what} JSON object") from error
                elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value.strip()):
                    value = int(value)
                elif key in _BOOL_FIELDS:
                    value = value.strip().lower() in ("true", "1")
            params[key] = value
        return params

    async def _process_call(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        via: str = "http",
        content_type: str = "",
    ) -> tuple[int, dict[str, Any]]:
        key = method.lower()
        name, handler = self._methods.get(key, (method, None))
        loop = asyncio.get_running_loop()
        retry_after = None
        description = None
        result: Any = None
        try:
            if self._failures.get(key):
                raise self._failures[key].popleft()
            if handler is None:
                raise FakeApiError(404, "Not Found: method not found")
            result = handler(params, files)
            if inspect.isawaitable(result):
                result = await result
            status = 200
            body: dict[str, Any] = {"ok": True, "result": result}
            if isinstance(result, _Result):
                body = {"ok": True, "result": result.value, "description": result.description}
                result = result.value
        except FakeApiError as error:
            status, body = error.status, error.envelope()
            description, retry_after = error.description, error.retry_after
            if status == 429:
                self._rate_limited += 1
        except Exception as error:  # a bug in the fake: make it loud but keep serving
            self.internal_errors.append(error)
            description = f"Internal Server Error: fake crashed: {error!r}"
            status, body = 500, {"ok": False, "error_code": 500, "description": description}
        call = Call(
            index=len(self._calls),
            method=name,
            params=params,
            files=files,
            time=time.time(),
            monotonic=loop.time(),
            status=status,
            result=_clone(result) if status == 200 else None,
            description=description,
            retry_after=retry_after,
            via=via,
            content_type=content_type,
        )
        self._calls.append(call)
        self._notify()
        return status, body

    # -- chats, rates

    def _is_bot_message(self, message: dict[str, Any]) -> bool:
        return message.get("from", {}).get("id") == self.bot_id

    def _chat(self, chat_id: Any) -> _Chat:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for user in self._users.values():
                    if user.username and user.username.lower() == chat_id[1:].lower():
                        return self._chats[user.id]
            raise FakeApiError(400, CHAT_NOT_FOUND)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise FakeApiError(400, CHAT_NOT_FOUND)
        return chat

    @staticmethod
    def _check_blocked(chat: _Chat) -> None:
        if chat.blocked:
            raise FakeApiError(403, BLOCKED)

    def _check_rate(self, chat: _Chat) -> None:
        if not self.rate_limits:
            return
        now = asyncio.get_running_loop().time()
        window = self._global_sends
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.global_rate:
            self._too_many(1.0 - (now - window[0]))
        if chat.type == "private":
            tokens = float(self.chat_burst)
            if chat.tokens is not None:
                tokens = min(tokens, chat.tokens + (now - chat.tokens_at) * self.chat_rate)
            chat.tokens, chat.tokens_at = tokens, now
            if tokens < 1.0:
                self._too_many((1.0 - tokens) / self.chat_rate)
        else:
            recent = [t for t in chat.send_times if now - t < 60.0]
            if len(recent) >= self.group_rate_per_minute:
                self._too_many(60.0 - (now - recent[0]))

    @staticmethod
    def _too_many(wait: float) -> None:
        retry_after = max(1, math.ceil(wait))
        raise FakeApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def _record_send(self, chat: _Chat) -> None:
        now = asyncio.get_running_loop().time()
        if chat.tokens is None:  # rate limits off: keep the bucket full
            chat.tokens, chat.tokens_at = float(self.chat_burst), now
        chat.tokens = max(0.0, chat.tokens - 1.0)
        chat.send_times.append(now)
        self._global_sends.append(now)
        self._all_send_times.append(now)

    # -- content validation

    def _render(
        self, value: Any, parse_mode: Any, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        raw = "" if value is None else str(value)
        if entities is not None:
            if not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            return raw, entities
        if not parse_mode:
            return raw, []
        mode = str(parse_mode).lower()
        if mode == "html":
            return _parse_html(raw)
        if mode == "markdownv2":
            return _parse_markdown_v2(raw)
        if mode == "markdown":
            return _parse_markdown(raw)
        raise _bad(f"unsupported parse_mode {parse_mode}")

    def _message_text(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text, entities = self._render(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        if not text.strip():
            raise _bad("message text is empty")
        if _utf16_len(text) > MAX_TEXT:  # the safe reading: counted as entity offsets are
            raise _bad("message is too long")
        return text, entities

    def _caption(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        caption, entities = self._render(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        if _utf16_len(caption) > MAX_CAPTION:
            raise _bad("message caption is too long")
        return caption, entities

    def _markup(self, value: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
        """Validate reply_markup; returns it (inline keyboards normalised) or None."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of '
                    "Arrays"
                )
            if any(len(r) > MAX_INLINE_ROW for r in rows) or (
                sum(len(r) for r in rows) > MAX_INLINE_BUTTONS
            ):
                raise _bad("BUTTONS_TOO_MUCH")
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return {"inline_keyboard": rows} if any(rows) else None
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in value:
            rows = value["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            if any(len(r) > MAX_REPLY_ROW for r in rows) or (
                sum(len(r) for r in rows) > MAX_REPLY_BUTTONS
            ):
                raise _bad("BUTTONS_TOO_MUCH")
            return value
        if value.get("remove_keyboard") or value.get("force_reply"):
            return value
        raise _bad("can't parse reply keyboard markup JSON object")

    def _check_inline_button(self, button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        actions = [k for k in _INLINE_ACTIONS if button.get(k) is not None]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if data is not None and (
            not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise _bad("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and self.strict_urls:
            self._check_button_url(str(url))

    @staticmethod
    def _check_button_url(url: str) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https", "tg", "ton"):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")
        if scheme in ("http", "https"):
            host = (parts.hostname or "").lower()
            if not host or host == "localhost" or host.startswith("127.") or "." not in host:
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_to(self, chat: _Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        message_id = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        original = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if original is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        replied = _clone(original)
        replied.pop("reply_to_message", None)
        return replied

    def _store_bot_message(
        self,
        chat: _Chat,
        params: dict[str, Any],
        content: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        reply_to = self._reply_to(chat, params)
        self._check_blocked(chat)
        self._check_rate(chat)
        message: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": dict(self.bot_user),
            "chat": dict(chat.info),
            "date": _now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if markup is not None:
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
            elif "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.messages[message["message_id"]] = message
        self._record_send(chat)
        return _clone(message)

    def _store_file(
        self, params: dict[str, Any], files: dict[str, UploadedFile], key: str
    ) -> StoredFile:
        value = params.get(key)
        upload: UploadedFile | None = None
        if value is None and key in files:
            upload = files[key]
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"file attachment {value!r} not found in the request")
        elif isinstance(value, str) and re.match(r"https?://", value):
            name = urlsplit(value).path.rsplit("/", 1)[-1] or "file"
            return self._new_file(name, None, None, key)
        elif isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            raise _bad("wrong file identifier/HTTP URL specified")
        if upload is None:
            raise _bad(f"there is no {key} in the request")
        if not upload.data:
            raise _bad("file must be non-empty")
        return self._new_file(upload.filename, upload.data, upload.content_type, key)

    def _new_file(
        self, name: str, data: bytes | None, content_type: str | None, kind: str
    ) -> StoredFile:
        number = next(self._file_ids)
        mime = content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or mime
        suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:05d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AgAD{number:04d}{secrets.token_urlsafe(6)}",
            file_name=name,
            mime_type=mime,
            data=data,
            file_path=f"{kind}s/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    # -- method handlers: bot & updates

    def _get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return dict(self.bot_user)

    def _close(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return True

    async def _get_updates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._get_updates_started += 1
        self._notify()
        if self._webhook.url:
            raise FakeApiError(409, WEBHOOK_CONFLICT)
        offset = params.get("offset")
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = min(max(timeout, 0), 50) if isinstance(timeout, int) else 0
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._poll_allowed = list(allowed) if isinstance(allowed, list) and allowed else None
        if isinstance(offset, int):
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if generation != self._poll_generation:
                raise FakeApiError(409, POLL_CONFLICT)
            if self._webhook.url:
                raise FakeApiError(409, WEBHOOK_CONFLICT)
            batch = self._eligible(limit, self._poll_allowed)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return _clone(batch)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _eligible(self, limit: int, allowed: list[str] | None) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates of allowed types; others are dropped for good."""
        kept: list[dict[str, Any]] = []
        for update in self._updates:
            kind = _update_type(update)
            if kind in allowed if allowed is not None else kind not in _DEFAULT_EXCLUDED_UPDATES:
                kept.append(update)
        self._updates = kept
        return kept[:limit]

    # -- webhook

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params, files)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise _bad("secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = _Webhook(
            url=url,
            secret_token=secret,
            allowed_updates=list(allowed) if isinstance(allowed, list) and allowed else None,
            max_connections=max_connections,
            ip_address=params.get("ip_address"),
        )
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        self._notify()
        return _Result(True, "Webhook was set")

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        was_set = bool(self._webhook.url)
        self._webhook = _Webhook()
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return _Result(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return self._webhook_info()

    def _webhook_info(self) -> dict[str, Any]:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = list(hook.allowed_updates)
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _webhook_loop(self) -> None:
        delay = self.webhook_retry_delay
        while not self._closing and self._webhook.url:
            event = self._changed
            hook = self._webhook
            batch = self._eligible(1, hook.allowed_updates)
            if not batch:
                await event.wait()
                continue
            update = batch[0]
            try:
                delivered = await self._deliver(hook, update)
            except Exception as error:  # a bug in the fake: record it, keep delivering
                self.internal_errors.append(error)
                delivered = False
            if delivered:
                self._updates = [u for u in self._updates if u is not update]
                delay = self.webhook_retry_delay
                self._notify()
            else:
                self._notify()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _deliver(self, hook: _Webhook, update: dict[str, Any]) -> bool:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        status: int | None = None
        error: str | None = None
        try:
            async with self._client.post(
                hook.url,
                data=json.dumps(update),
                headers=headers,
                timeout=ClientTimeout(total=10),
                ssl=self.webhook_ssl,
            ) as response:
                status = response.status
                if 200 <= status < 300:
                    await self._webhook_reply(response)
                else:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc!r}"
        self.webhook_deliveries.append(
            WebhookDelivery(update["update_id"], hook.url, status, error, time.time())
        )
        if error is not None:
            hook.last_error_date = _now()
            hook.last_error_message = error
            return False
        return True

    async def _webhook_reply(self, response: Any) -> None:
        """Execute a method returned in the webhook answer (JSON or multipart with 'method')."""
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if response.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await response.json()
                if isinstance(body, dict):
                    raw = body
        elif response.content_type.startswith("multipart/"):
            reader = MultipartReader.from_response(response)
            while True:
                part = await reader.next()
                if part is None:
                    break
                data = await part.read()  # type: ignore[union-attr]
                if part.filename:  # type: ignore[union-attr]
                    files[part.name or ""] = UploadedFile(part.filename, bytes(data))  # type: ignore[union-attr]
                else:
                    raw[part.name or ""] = bytes(data).decode()  # type: ignore[union-attr]
        method = raw.pop("method", None)
        if method:
            try:
                params = self._decode_params(raw)
            except FakeApiError:
                return
            await self._process_call(str(method), params, files, via="webhook_reply")

    # -- method handlers: messages

    def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        text, entities = self._message_text(params)
        markup = self._markup(params.get("reply_markup"))
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._store_bot_message(chat, params, content, markup)

    def _send_document(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        caption, entities = self._caption(params)
        markup = self._markup(params.get("reply_markup"))
        stored = self._store_file(params, files, "document")
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name,
            "file_size": stored.size,
        }
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._store_bot_message(chat, params, content, markup)

    def _send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        caption, entities = self._caption(params)
        markup = self._markup(params.get("reply_markup"))
        stored = self._store_file(params, files, "photo")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": stored.size,
            }
            for width, height in ((90, 60), (1280, 853))
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return self._store_bot_message(chat, params, content, markup)

    def _send_media_group(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        """An album of 2-10 photos (the only kind the bot sends): one message each, sharing a
        media_group_id; a caption only where an item has one."""
        chat = self._chat(params.get("chat_id"))
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of messages to send")
        group = secrets.token_hex(8)
        sent = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise _bad("unsupported media type in the album")
            stored = self._store_file(item, files, "media")
            content: dict[str, Any] = {
                "media_group_id": group,
                "photo": [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                           "width": 1280, "height": 853, "file_size": stored.size}],
            }  # fmt: skip
            caption, _entities = self._caption(item)
            if caption:
                content["caption"] = caption
            sent.append(self._store_bot_message(chat, params, content, None))
        return sent

    def _edit_target(self, params: dict[str, Any]) -> tuple[_Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _bad("message to edit not found")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        self._check_blocked(chat)
        return chat, message

    @staticmethod
    def _apply_edit(
        message: dict[str, Any], changes: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        current = {k: message.get(k) or None for k in changes}
        wanted = {k: v or None for k, v in changes.items()}
        if current == wanted and (message.get("reply_markup") or None) == markup:
            raise FakeApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        return _clone(message)

    def _edit_message_text(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        _, message = self._edit_target(params)
        text, entities = self._message_text(params)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        return self._apply_edit(message, {"text": text, "entities": entities}, markup)

    def _edit_message_caption(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        _, message = self._edit_target(params)
        caption, entities = self._caption(params)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        if "text" in message:
            raise _bad("there is no caption in the message to edit")
        return self._apply_edit(
            message, {"caption": caption, "caption_entities": entities}, markup
        )

    def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        _, message = self._edit_target(params)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(message, {}, markup)

    def _delete_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        if not isinstance(message_id, int) or message_id not in chat.messages:
            raise _bad("message to delete not found")
        del chat.messages[message_id]
        return True

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_blocked(chat)
        return True

    def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # -- callback queries

    def _press(self, user: FakeUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        query_id = str(4_617_000_000_000_000_000 + next(self._query_ids) * 7_919)
        chat_id = message["chat"]["id"]
        query: dict[str, Any] = {
            "id": query_id,
            "from": user.as_user(),
            "message": _clone(message),
            "chat_instance": str(-(5_000_000_000_000_000_000 + abs(chat_id))),
            "data": data,
        }
        loop = asyncio.get_running_loop()
        self._callback_queries[query_id] = _CallbackQuery(query=query, created=loop.time())
        self.push_update("callback_query", query)
        return _clone(query)

    def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        record = self._callback_queries.get(str(params.get("callback_query_id", "")))
        now = asyncio.get_running_loop().time()
        if (
            record is None
            or record.answer is not None
            or now - record.created > self.callback_query_ttl
        ):
            raise FakeApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        record.answer = dict(params)
        return True

    def _describe_buttons(self, messages: Iterable[dict[str, Any]]) -> str:
        shown = [
            f"message {m['message_id']}: {self.buttons(m)}" for m in messages if self.buttons(m)
        ]
        return "; ".join(shown) if shown else "(no inline keyboards)"

    def _push_member_update(self, user: FakeUser, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": dict(self.bot_user)}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.push_update(
            "my_chat_member",
            {
                "chat": user.as_chat(),
                "from": user.as_user(),
                "date": _now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    # -- commands & menu button

    def _scope_key(self, scope: Any, *, check_chat: bool = True) -> str:
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("unsupported bot command scope type")
        normalized = dict(scope)
        for key in ("chat_id", "user_id"):
            if isinstance(normalized.get(key), str) and normalized[key].lstrip("-").isdigit():
                normalized[key] = int(normalized[key])
        if check_chat and "chat_id" in normalized:
            self._chat(normalized["chat_id"])
        return json.dumps(normalized, sort_keys=True)

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" is required')
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return _clone(self._commands.get(key, []))

    def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    def _set_chat_menu_button(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat(chat_id).id
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in ("default", "commands", "web_app"):
            raise _bad("can't parse menu button")
        if kind == "web_app" and (
            not button.get("text") or not isinstance(button.get("web_app"), dict)
        ):
            raise _bad("can't parse menu button: text and web_app are required")
        if kind == "default":
            self._menu_buttons.pop(chat_id, None)
        else:
            self._menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat(chat_id).id
        return self.menu_button(chat_id)


def _update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _takes_no_args(func: Callable[..., Any]) -> bool:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return False
    return not any(
        p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in signature.parameters.values()
    )
