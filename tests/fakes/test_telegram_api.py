"""Tests of the fake Bot API server, driven by the real aiogram Bot and Dispatcher over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientSession, web

from tests.fakes.telegram_api import NOT_MODIFIED, FakeTelegram, FakeUser

PRICE_LIST = b"Studio A: 2500 RUB/h\nStudio B: 1800 RUB/h\n"


def counter_keyboard(count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Count", callback_data=f"count:{count}"),
                InlineKeyboardButton(text="Site", url="https://studio.example.com"),
            ],
            [InlineKeyboardButton(text="Same", callback_data="same")],
        ]
    )


def build_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("<b>Welcome</b> to the studio!", reply_markup=counter_keyboard(0))

    @router.message(Command("doc"))
    async def doc(message: Message) -> None:
        await message.answer_document(
            BufferedInputFile(PRICE_LIST, filename="price-list.txt"), caption="<i>Prices</i>"
        )

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"Phone {message.contact.phone_number}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text, parse_mode=None)

    @router.callback_query(F.data.startswith("count:"))
    async def count(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message) and callback.data is not None
        clicks = int(callback.data.split(":")[1]) + 1
        await callback.message.edit_text(
            f"Clicked {clicks} times", reply_markup=counter_keyboard(clicks)
        )
        await callback.answer()

    @router.callback_query(F.data == "same")
    async def same(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        try:  # re-sending identical content is rejected, as by Telegram
            await callback.message.edit_reply_markup(reply_markup=callback.message.reply_markup)
        except TelegramBadRequest:
            await callback.answer("Nothing changed", show_alert=True)

    return router


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.make_bot(default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


@pytest.fixture
def alice(tg: FakeTelegram) -> FakeUser:
    return tg.user(1001, first_name="Alice", username="alice_photo")


async def test_get_me_uses_token_digits(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == bot.id == 123456789
    assert me.username == "studio_test_bot" and me.is_bot
    assert tg.calls()[-1].method == "getMe"


async def test_polling_echo_keyboard_edit_and_document(
    tg: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    tg.chat_burst = 10  # a scripted flow sends faster than a human: allow a larger burst
    dp = Dispatcher()
    dp.include_router(build_router())
    async with tg.polling(dp, bot):
        await alice.send_text("/start booking-42")
        sent = await tg.wait_for("sendMessage", chat_id=alice.id)
        assert sent.ok and sent.params["parse_mode"] == "HTML"
        welcome = tg.last_message(alice.id)
        assert welcome is not None and welcome["from"]["id"] == bot.id
        assert welcome["text"] == "Welcome to the studio!"
        assert welcome["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
        assert tg.buttons(welcome) == [["Count", "Site"], ["Same"]]

        query = await alice.press("Count")
        assert query["message"]["reply_markup"] == welcome["reply_markup"]
        await tg.wait_for("answerCallbackQuery")
        edited = tg.last_message(alice.id)
        assert edited is not None and edited["message_id"] == welcome["message_id"]
        assert edited["text"] == "Clicked 1 times" and "edit_date" in edited
        assert tg.button(edited, "Count")["callback_data"] == "count:1"

        await alice.press("Count")
        await tg.wait_for("answerCallbackQuery")
        assert alice.last_message()["text"] == "Clicked 2 times"  # type: ignore[index]

        same = await alice.press("Same")
        failed = await tg.wait_for("editMessageReplyMarkup")
        assert failed.status == 400 and failed.description == NOT_MODIFIED
        await tg.wait_for("answerCallbackQuery")
        assert tg.callback_answer(same["id"]) == {
            "callback_query_id": same["id"],
            "text": "Nothing changed",
            "show_alert": True,
        }

        await alice.send_text("hello <there>")
        echo = await tg.wait_for("sendMessage")
        assert echo.result["text"] == "hello <there>"

        await alice.send_text("/doc")
        doc_call = await tg.wait_for("sendDocument")
        document = tg.document(doc_call.result)
        assert document.file_name == "price-list.txt" and document.data == PRICE_LIST
        assert doc_call.result["caption"] == "Prices"
        assert doc_call.result["document"]["file_size"] == len(PRICE_LIST)

        await alice.send_contact("+79990001122")
        phone = await tg.wait_for("sendMessage")
        assert phone.result["text"] == "Phone +79990001122"

    delivered = [u for c in tg.calls("getUpdates") if c.ok for u in c.result]
    start_update = next(u for u in delivered if "message" in u)
    assert start_update["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert start_update["message"]["chat"] == {
        "id": alice.id,
        "type": "private",
        "first_name": "Alice",
        "username": "alice_photo",
    }
    assert tg.unanswered_callback_queries() == []
    texts = [m.get("text") or m["document"]["file_name"] for m in tg.messages(alice.id)]
    assert texts == ["Clicked 2 times", "hello <there>", "price-list.txt", "Phone +79990001122"]

    file = await bot.get_file(document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == PRICE_LIST
    await bot.session.close()


async def test_press_reports_visible_buttons(tg: FakeTelegram, bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.id, "Pick", reply_markup=counter_keyboard(0))
    with pytest.raises(AssertionError, match=r"Visible buttons: message 1: \[\['Count', 'Site'\]"):
        await alice.press("Cancel")
    with pytest.raises(AssertionError, match="not a callback button"):
        await alice.press("Site", message_id=sent.message_id)
    assert tg.pending_updates() == []


async def test_validation_errors_surface_as_bad_request(
    tg: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    tg.rate_limits = False
    cases = [
        ({"text": ""}, "message text is empty"),
        ({"text": "<b> </b>"}, "message text is empty"),
        ({"text": "x" * 4097, "parse_mode": None}, "message is too long"),
        ({"text": "a<br>b"}, 'Unsupported start tag "br"'),
        ({"text": "<b>open"}, "Can't find end tag"),
        ({"text": "Price 1500.00", "parse_mode": "MarkdownV2"}, "Character '.' is reserved"),
    ]
    for kwargs, error in cases:
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.send_message(alice.id, **kwargs)  # type: ignore[arg-type]
    # 4096 visible characters are fine even though the raw HTML is longer
    long = await bot.send_message(alice.id, "<b>" + "я" * 4096 + "</b>")
    assert long.text is not None and len(long.text) == 4096
    escaped = await bot.send_message(alice.id, r"*Price* 1500\.00", parse_mode="MarkdownV2")
    assert escaped.text == "Price 1500.00" and escaped.entities is not None

    def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=rows)

    button = InlineKeyboardButton(text="ok", callback_data="ok")
    markups = [
        (
            keyboard([[InlineKeyboardButton(text="x", callback_data="д" * 33)]]),
            "BUTTON_DATA_INVALID",
        ),
        (keyboard([[button] * 9]), "BUTTONS_TOO_MUCH"),
        (keyboard([[button] * 5 for _ in range(21)]), "BUTTONS_TOO_MUCH"),
        (keyboard([[InlineKeyboardButton(text="plain")]]), "Text buttons are unallowed"),
        (
            keyboard([[InlineKeyboardButton(text="pay", url="http://localhost:8080/pay")]]),
            "Wrong HTTP URL",
        ),
    ]
    for markup, error in markups:
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.send_message(alice.id, "Pick", reply_markup=markup)
    fits = keyboard([[InlineKeyboardButton(text="x", callback_data="д" * 32)]] + [[button] * 8])
    await bot.send_message(alice.id, "Pick", reply_markup=fits)

    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="new", chat_id=alice.id, message_id=999)
    message = await bot.send_message(alice.id, "Slots", reply_markup=keyboard([[button]]))
    with pytest.raises(TelegramBadRequest) as not_modified:
        await message.edit_text("Slots", reply_markup=keyboard([[button]]))
    assert not_modified.value.message == NOT_MODIFIED
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await message.edit_reply_markup(reply_markup=keyboard([[button]]))
    # same text without reply_markup removes the keyboard, so it is a change
    edited = await message.edit_text("Slots")
    assert isinstance(edited, Message) and edited.reply_markup is None
    assert tg.buttons(tg.message(alice.id, message.message_id)) == []
    assert await message.delete() is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await message.delete()

    query = await alice.press_data("slot:1", message_id=message.message_id)
    assert query["message"]["date"] == 0  # deleted message -> inaccessible
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query["id"], text="x" * 201)
    assert await bot.answer_callback_query(query["id"], text="Taken") is True
    for query_id in (query["id"], "123"):
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_callback_query(query_id)

    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.get_chat(alice.id)


async def test_blocked_user_gets_forbidden_and_my_chat_member(
    tg: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    await bot.send_message(alice.id, "Reminder")
    await alice.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "Reminder 2")
    updates = await bot.get_updates(timeout=0)
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    await alice.send_text("/start")  # "Restart" in the client unblocks
    assert not alice.blocked
    await bot.send_message(alice.id, "Welcome back")


async def test_rate_limits_per_chat_and_stats(tg: FakeTelegram, bot: Bot) -> None:
    bob = tg.user(2002, first_name="Bob")
    for n in range(3):  # burst of 3 allowed
        await bot.send_message(bob.id, f"m{n}")
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(bob.id, "m3")
    assert error.value.retry_after == 1
    assert tg.calls("sendMessage")[-1].retry_after == 1
    stats = tg.stats
    assert stats.rate_limited == 1
    assert stats.max_per_chat_per_second == 3
    assert stats.sends_per_chat == {bob.id: 3}


async def test_rate_limit_overall_30_per_second() -> None:
    async with FakeTelegram(chat_burst=1) as tg:
        bot = tg.make_bot()
        try:
            users = [tg.user(3000 + n) for n in range(31)]
            for user in users[:30]:
                await bot.send_message(user.id, "Your booking is tomorrow")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(users[30].id, "Your booking is tomorrow")
            with pytest.raises(TelegramRetryAfter):  # burst 1: second message to one chat
                await bot.send_message(users[0].id, "again")
            assert tg.stats.max_overall_per_second == 30
            assert tg.stats.max_per_chat_per_second == 1
            assert tg.stats.rate_limited == 2
        finally:
            await bot.session.close()


async def test_rate_limits_can_be_disabled() -> None:
    async with FakeTelegram(rate_limits=False) as tg:
        bot = tg.make_bot()
        try:
            carol = tg.user(4004)
            for n in range(10):
                await bot.send_message(carol.id, f"m{n}")
            assert tg.stats.max_per_chat_per_second == 10 and tg.stats.rate_limited == 0
        finally:
            await bot.session.close()


async def test_fail_next_injects_errors(tg: FakeTelegram, bot: Bot, alice: FakeUser) -> None:
    tg.fail_next("sendMessage", 429, retry_after=7)
    tg.fail_next("SENDMESSAGE", 500)
    tg.fail_next("sendDocument", 502, "Bad Gateway")
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(alice.id, "one")
    assert retry.value.retry_after == 7
    with pytest.raises(TelegramServerError):
        await bot.send_message(alice.id, "two")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_document(alice.id, BufferedInputFile(b"x", filename="x.txt"))
    await bot.send_message(alice.id, "three")
    assert [c.status for c in tg.calls("sendMessage")] == [429, 500, 200]
    assert tg.stats.rate_limited == 1
    assert [m["text"] for m in tg.messages(alice.id)] == ["three"]


async def test_get_updates_offset_allowed_updates_and_long_poll(
    tg: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    await alice.send_text("hi")
    await alice.send_text("/start promo_1")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["hi", "/start promo_1"]
    assert updates[1].update_id == updates[0].update_id + 1
    assert len(await bot.get_updates(timeout=0)) == 2  # not confirmed yet
    offset = updates[-1].update_id + 1
    assert await bot.get_updates(offset=offset, timeout=0) == []

    await alice.send_text("dropped: not an allowed update type")
    query = await alice.press_data("slot:7", message_id=555)
    updates = await bot.get_updates(offset=offset, timeout=0, allowed_updates=["callback_query"])
    assert len(updates) == 1 and updates[0].callback_query is not None
    assert updates[0].callback_query.id == query["id"]
    assert isinstance(updates[0].callback_query.message, InaccessibleMessage)
    offset = updates[0].update_id + 1

    # allowed_updates persists until changed (as in Telegram); [] restores the default set
    assert await bot.get_updates(offset=offset, timeout=1, allowed_updates=[]) == []

    polls = tg.polls_started
    waiting = asyncio.create_task(bot.get_updates(offset=offset, timeout=5))
    await tg.wait_until(lambda: tg.polls_started > polls)
    await alice.send_text("late")
    late = await asyncio.wait_for(waiting, 2)
    assert [u.message.text for u in late if u.message] == ["late"]
    await bot.answer_callback_query(query["id"])


async def test_second_get_updates_terminates_the_first(tg: FakeTelegram, bot: Bot) -> None:
    polls = tg.polls_started
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_until(lambda: tg.polls_started > polls)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first


async def test_webhook_delivery_secret_and_conflict(tg: FakeTelegram, alice: FakeUser) -> None:
    bot = tg.make_bot()
    dp = Dispatcher()
    dp.include_router(build_router())
    reply_dp = Dispatcher()

    @reply_dp.message(F.text)
    async def reply(message: Message) -> object:
        return message.answer(f"reply:{message.text}")  # answered inside the webhook response

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cr3t").register(app, path="/tg")
    SimpleRequestHandler(reply_dp, bot, handle_in_background=False).register(app, path="/reply")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        await bot.set_webhook(f"{url}/tg", secret_token="s3cr3t", allowed_updates=["message"])
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)

        await alice.send_text("ping")
        echo = await tg.wait_for("sendMessage")
        assert echo.ok and echo.params["text"] == "ping"
        assert tg.webhook_deliveries[-1].status == 200
        info = await bot.get_webhook_info()
        assert info.url == f"{url}/tg" and info.pending_update_count == 0
        assert info.allowed_updates == ["message"]

        await bot.set_webhook(f"{url}/reply")
        await alice.send_text("pong")
        answered = await tg.wait_for(lambda call: call.via == "webhook_reply")
        assert answered.method == "sendMessage" and answered.result["text"] == "reply:pong"

        await bot.set_webhook(f"{url}/tg", secret_token="wrong-secret")
        await alice.send_text("lost")
        await tg.wait_until(lambda: any(d.status == 401 for d in tg.webhook_deliveries))
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"

        assert await bot.delete_webhook(drop_pending_updates=True) is True
        assert await bot.get_updates(timeout=0) == []
    finally:
        await runner.cleanup()  # the handlers' on_shutdown closes the bot session


async def test_commands_menu_button_chat_action_close(
    tg: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    admin_scope = BotCommandScopeChat(chat_id=alice.id)
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Admin panel")],
        scope=admin_scope,
        language_code="ru",
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    scoped = await bot.get_my_commands(scope=admin_scope, language_code="ru")
    assert [c.command for c in scoped] == ["admin"]
    assert await bot.get_my_commands(scope=admin_scope) == []
    assert tg.commands({"type": "chat", "chat_id": alice.id}, "ru") == [
        {"command": "admin", "description": "Admin panel"}
    ]
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.set_my_commands([], scope=BotCommandScopeChat(chat_id=777))
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Book-Now", description="Book")])
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == []

    app = WebAppInfo(url="https://studio.example.com/app")
    await bot.set_chat_menu_button(
        chat_id=alice.id, menu_button=MenuButtonWebApp(text="Book", web_app=app)
    )
    assert tg.menu_button(alice.id) == {
        "type": "web_app",
        "text": "Book",
        "web_app": app.model_dump(),
    }
    assert isinstance(await bot.get_chat_menu_button(chat_id=alice.id), MenuButtonWebApp)
    assert tg.menu_button() == {"type": "commands"}

    assert await bot.send_chat_action(alice.id, "typing") is True
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(alice.id, "dancing")
    assert await bot.close() is True
    assert await bot.log_out() is True
    assert [c.method for c in tg.calls()[-2:]] == ["close", "logOut"]


async def test_raw_http_json_body_unknown_method_and_bad_token(
    tg: FakeTelegram, alice: FakeUser
) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with ClientSession() as http:
        url = f"{tg.base_url}/bot{tg.token}"
        payload = {"chat_id": str(alice.id), "text": "json", "reply_markup": markup}
        async with http.post(f"{url}/SENDMESSAGE", json=payload) as response:
            body = await response.json()
        assert response.status == 200 and body["result"]["text"] == "json"
        assert body["result"]["reply_markup"] == markup
        assert tg.calls("sendMessage")[-1].params["chat_id"] == alice.id

        async with http.post(f"{url}/sendSticker", data={"chat_id": "1"}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.post(f"{tg.base_url}/bot1:wrong/getMe") as response:
            assert response.status == 401


async def test_wait_for_semantics(tg: FakeTelegram, bot: Bot, alice: FakeUser) -> None:
    await alice.send_text("/start")  # marks a new step
    await bot.send_message(alice.id, "first")
    await bot.send_message(alice.id, "second")
    assert (await tg.wait_for("sendMessage")).params["text"] == "first"
    assert (await tg.wait_for("sendMessage")).params["text"] == "second"
    found = await tg.wait_for(lambda: tg.last_message(alice.id))
    assert found["text"] == "second"
    with pytest.raises(
        AssertionError, match=r"timed out after 0.2s waiting for call 'sendMessage'"
    ):
        await tg.wait_for("sendMessage", timeout=0.2)
    tg.mark()
    await bot.send_message(alice.id, "third")
    third = await tg.wait_for(lambda call: call.params.get("text") == "third", chat_id=alice.id)
    assert third.index == len(tg.calls()) - 1 and third.result["text"] == "third"
