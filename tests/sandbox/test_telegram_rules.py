"""Telegram's validation and failure modes, as aiogram experiences them."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    WebAppInfo,
)

from sandbox import FakeBotAPI
from tests.sandbox.echo_bot import USER

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def known_user(fake: FakeBotAPI) -> None:
    fake.register_user(USER, first_name="Olena", language_code="uk")


def keyboard(callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=callback_data)]])


async def test_sent_message_looks_like_telegrams(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(USER, "hi", reply_markup=keyboard("go"))

    assert message.message_id == 1
    assert message.chat.id == USER and message.chat.type == "private" and message.chat.first_name == "Olena"
    assert message.from_user.is_bot and message.from_user.username == "viche_bot"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "go"
    assert (await bot.send_message(USER, "again")).message_id == 2


async def test_text_limits(bot: Bot) -> None:
    await bot.send_message(USER, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "no", reply_markup=keyboard("ї" * 33))  # 66 bytes in UTF-8


async def test_a_mini_app_button_needs_a_private_chat_and_an_https_address(fake: FakeBotAPI, bot: Bot) -> None:
    def mini_app(url: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Open", web_app=WebAppInfo(url=url))]])

    sent = await bot.send_message(USER, "ok", reply_markup=mini_app("https://example.org/r/x"))
    assert sent.reply_markup.inline_keyboard[0][0].web_app.url == "https://example.org/r/x"
    with pytest.raises(TelegramBadRequest, match="Only HTTPS links are allowed"):
        await bot.send_message(USER, "no", reply_markup=mini_app("http://example.org/r/x"))
    group = -1001234
    fake.chats.group(group, "Council")
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(group, "no", reply_markup=mini_app("https://example.org/r/x"))
    link = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Open", url="http://example.org/r/x")]])
    assert (await bot.send_message(group, "a plain link is fine", reply_markup=link)).message_id


async def test_html_is_parsed_into_entities_and_bad_html_rejected(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(USER, "<b>Vote</b> &amp; <a href='https://x.org'>read</a>", parse_mode="HTML")

    assert message.text == "Vote & read"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 4), ("text_link", 7, 4)]
    [view] = fake.messages(USER)
    assert view["raw_text"] == "<b>Vote</b> &amp; <a href='https://x.org'>read</a>"
    assert view["parse_mode"] == "HTML"
    detected = await bot.send_message(USER, "Forget me with /forget, see https://viche.org.")
    assert [(e.type, e.offset, e.length) for e in detected.entities] == [("bot_command", 15, 7), ("url", 28, 17)]
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br"'):
        await bot.send_message(USER, "line<br>line", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")


async def test_edits_follow_telegrams_rules(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(USER, "draft", reply_markup=keyboard("go"))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            chat_id=USER, message_id=message.message_id, text="draft", reply_markup=keyboard("go")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(chat_id=USER, message_id=999, text="x")
    edited = await bot.edit_message_reply_markup(
        chat_id=USER, message_id=message.message_id, reply_markup=keyboard("stop")
    )
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "stop"
    assert fake.messages(USER)[0]["buttons"] == [[{"text": "Go", "callback_data": "stop"}]]
    assert await bot.delete_message(USER, message.message_id) is True
    assert fake.messages(USER) == []
    assert [entry["message_id"] for entry in fake.sent_messages(USER)] == [message.message_id]


async def test_photo_upload_is_kept_and_served(fake: FakeBotAPI, bot: Bot, base_url: str) -> None:
    import httpx
    from aiogram.types import BufferedInputFile

    png = _tiny_png()
    message = await bot.send_photo(
        USER, BufferedInputFile(png, "chart.png"), caption="<i>Results</i>", parse_mode="HTML"
    )

    assert message.caption == "Results"
    assert (message.photo[-1].width, message.photo[-1].height) == (2, 1)
    [view] = fake.messages(USER)
    assert view["kind"] == "photo" and view["text"] == "Results"
    assert view["photo"] == f"/sandbox/api/files/{message.photo[-1].file_id}"
    file = await bot.get_file(message.photo[-1].file_id)
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base_url}/file/bot123456:sandbox-test-token/{file.file_path}")
    assert response.content == png
    again = await bot.send_photo(USER, message.photo[-1].file_id)  # resending by file_id
    assert again.photo[-1].file_id == message.photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER, message.photo[-1].file_id, caption="c" * 1025)


async def test_document_upload(fake: FakeBotAPI, bot: Bot) -> None:
    from aiogram.types import BufferedInputFile

    content = b"a,b\r\n--\r\n\x00\xff\r\n" * 500  # CRLFs and dashes must not confuse the multipart parser
    message = await bot.send_document(USER, BufferedInputFile(content, "звіт 1.csv"), caption="Звіт")

    assert message.document.file_name == "звіт 1.csv"
    assert message.document.mime_type == "text/csv"
    assert message.caption == "Звіт"
    assert (await bot.download(message.document.file_id)).read() == content


async def test_injected_429_raises_retry_after(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "hi")

    assert caught.value.retry_after == 1
    assert fake.count_429 == 1
    await bot.send_message(USER, "hi")  # only the next call fails
    assert fake.sent_count(USER) == 1


async def test_injected_server_errors(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", status=502, count=2)

    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(USER, "hi")
    await bot.send_message(USER, "hi")


async def test_blocked_user_answers_403(fake: FakeBotAPI, bot: Bot) -> None:
    fake.block_chat(USER)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    fake.unblock_chat(USER)
    await bot.send_message(USER, "hi")


async def test_unknown_chat_and_unknown_method(bot: Bot) -> None:
    from aiogram.methods import SendDice

    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "hi")
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(SendDice(chat_id=USER))


async def test_rate_limit_answers_429_past_the_limit(fake: FakeBotAPI, bot: Bot) -> None:
    other = USER + 1
    fake.register_user(other)
    fake.set_rate_limit(global_per_second=3, per_chat_per_second=2)

    await bot.send_message(USER, "1")
    await bot.send_message(USER, "2")
    with pytest.raises(TelegramRetryAfter) as per_chat:
        await bot.send_message(USER, "3")
    await bot.send_message(other, "1")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(other, "2")  # the global limit of 3 per second

    assert per_chat.value.retry_after >= 1
    assert fake.count_429 == 2
    assert fake.sent_count() == 3
    fake.set_rate_limit(None, None)
    await bot.send_message(USER, "3")


async def test_get_updates_semantics(fake: FakeBotAPI, bot: Bot) -> None:
    await fake.send_text(USER, "one")
    await fake.send_text(USER, "two")

    first = await bot(GetUpdates(timeout=0))
    assert [u.message.text for u in first] == ["one", "two"]
    assert [u.message.text for u in await bot(GetUpdates(offset=first[0].update_id + 1))] == ["two"]
    assert await bot(GetUpdates(offset=first[1].update_id + 1, timeout=0)) == []

    waiting = asyncio.create_task(bot(GetUpdates(offset=first[1].update_id + 1, timeout=5)))
    await asyncio.sleep(0.1)
    await fake.send_text(USER, "three")
    assert [u.message.text for u in await asyncio.wait_for(waiting, 2)] == ["three"]


async def test_get_updates_conflicts_with_a_webhook(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/never")

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot(GetUpdates(timeout=0))
    await bot.delete_webhook()
    assert await bot(GetUpdates(timeout=0)) == []


async def test_commands_are_stored_per_scope_and_language(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Почати")], language_code="uk")
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], scope=BotCommandScopeAllPrivateChats()
    )

    assert fake.commands("uk") == [{"command": "start", "description": "Почати"}]
    assert fake.commands(scope={"type": "all_private_chats"}) == [{"command": "start", "description": "Start"}]
    assert [c.description for c in await bot.get_my_commands(language_code="uk")] == ["Почати"]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(language_code="uk")
    assert fake.commands("uk") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Not Valid", description="x")])


async def test_bot_profile_settings(fake: FakeBotAPI, bot: Bot) -> None:
    from aiogram.types import MenuButtonCommands

    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (1000001, "viche_bot", True)
    assert await bot.set_my_description("Public consultations", language_code="en")
    assert await bot.set_my_short_description("Consultations")
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert await bot.send_chat_action(USER, "typing")
    assert (await bot.get_my_description(language_code="en")).description == "Public consultations"
    assert fake.bot_short_descriptions == {"": "Consultations"}
    assert fake.chat_actions(USER) == ["typing"]
    assert await bot.close() and await bot.log_out()


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def test_close_answers_a_waiting_long_poll_at_once(fake: FakeBotAPI, bot: Bot) -> None:
    waiting = asyncio.create_task(bot(GetUpdates(timeout=30)))
    await asyncio.sleep(0.1)

    await fake.close()

    assert await asyncio.wait_for(waiting, 2) == []


async def test_after_close_long_polls_stay_short_but_do_not_spin(fake: FakeBotAPI, bot: Bot) -> None:
    await fake.close()

    started = asyncio.get_running_loop().time()
    assert await bot(GetUpdates(timeout=30)) == []
    assert 0.3 < asyncio.get_running_loop().time() - started < 2


async def test_raw_http_envelopes_for_json_query_and_form_calls(fake: FakeBotAPI, base_url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"{base_url}/bot42:abc") as client:
        by_json = await client.post(
            "/sendMessage",
            json={
                "chat_id": USER,
                "text": "json",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            },
        )
        by_query = await client.get("/sendMessage", params={"chat_id": USER, "text": "query"})
        by_form = await client.post("/sendMessage", data={"chat_id": str(USER), "text": "form"})
        unknown = await client.post("/sendDice", json={"chat_id": USER})
        fake.fail_next("sendMessage", status=429, retry_after=7)
        flood = await client.post("/sendMessage", json={"chat_id": USER, "text": "x"})

    assert by_json.json()["ok"] is True
    assert by_json.json()["result"]["reply_markup"] == {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert [r.json()["result"]["text"] for r in (by_json, by_query, by_form)] == ["json", "query", "form"]
    assert (unknown.status_code, unknown.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert flood.status_code == 429
    assert flood.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_a_configured_token_is_enforced() -> None:
    import httpx

    from sandbox import serve

    fake = FakeBotAPI(token="1:right")
    async with serve(fake.app) as base, httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/bot1:right/getMe")).json()["result"]["username"] == "viche_bot"
        wrong = await client.get("/bot1:wrong/getMe")
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")


async def test_a_venue_is_a_place_with_a_title_and_an_address(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_venue(USER, 50.4501, 30.5234, "Park", "Cost: €60")
    assert message.venue.title == "Park" and message.venue.address == "Cost: €60"
    assert message.location.latitude == 50.4501 and message.venue.location.longitude == 30.5234
    (seen,) = fake.messages(USER)
    assert seen["kind"] == "venue" and seen["venue"]["title"] == "Park"
    with pytest.raises(TelegramBadRequest, match="latitude"):
        await bot.send_venue(USER, 91, 30, "Nowhere", "")
    with pytest.raises(TelegramBadRequest, match="title"):
        await bot.send_venue(USER, 50, 30, "", "somewhere")


async def test_a_shared_contact_carries_whose_it_is(fake: FakeBotAPI) -> None:
    own = await fake.send_contact(USER, "+380501234567", user_id=USER)
    someone = await fake.send_contact(USER, "+48601234567", user_id=None, first_name="Mallory")
    assert own["contact"] == {"phone_number": "+380501234567", "first_name": "Contact", "user_id": USER}
    assert "user_id" not in someone["contact"] and own["from"]["id"] == USER
