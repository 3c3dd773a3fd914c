"""A real aiogram bot, polling the fake over HTTP, as the user talks to it."""

from __future__ import annotations

import pytest
from aiogram import Bot

from sandbox import FakeBotAPI, SandboxError
from tests.sandbox.echo_bot import USER

pytestmark = pytest.mark.asyncio


async def test_user_text_gets_a_reply(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_text(USER, "hello there")

    [reply] = await fake.wait_for_messages(USER, 1)

    assert reply["text"] == "echo: hello there"
    assert reply["buttons"] == [
        [{"text": "Like", "callback_data": "like"}, {"text": "Site", "url": "https://example.org"}]
    ]
    assert [m["from"] for m in fake.transcript(USER)] == ["user", "bot"]


async def test_pressing_a_button_edits_the_message_in_place(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_text(USER, "cats")
    [reply] = await fake.wait_for_messages(USER, 1)

    await fake.press_button(USER, reply["message_id"], "like")
    await fake.wait_for(lambda: fake.callback_answers(USER), what="an answer to the callback query")

    [edited] = fake.messages(USER)
    assert edited["message_id"] == reply["message_id"]
    assert edited["text"] == "liked: echo: cats"
    assert edited["edited"] is True
    assert edited["buttons"] == []  # an edit without reply_markup drops the keyboard, as on Telegram
    assert [a["text"] for a in fake.callback_answers(USER)] == ["Thanks!"]


async def test_pressing_a_button_that_is_not_there_fails_clearly(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_text(USER, "cats")
    [reply] = await fake.wait_for_messages(USER, 1)

    with pytest.raises(SandboxError, match=r"no button with callback_data 'dislike'.*'like'"):
        await fake.press_button(USER, reply["message_id"], "dislike")


async def test_deep_link_arrives_as_a_start_command_with_its_payload(fake: FakeBotAPI, echo_bot: Bot) -> None:
    sent = await fake.send_text(USER, "/start abc--school")

    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    [reply] = await fake.wait_for_messages(USER, 1)
    assert reply["text"] == "start with abc--school"


async def test_the_bot_sees_the_users_name_and_language(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_text(USER, "/start", first_name="Olena", language_code="uk")

    [reply] = await fake.wait_for_messages(USER, 1)
    assert reply["text"] == "Hello, Olena (uk)"


async def test_a_users_document_round_trips_through_get_file(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_document(USER, "answers.csv", b"q1,yes\n", "text/csv")

    [reply] = await fake.wait_for_messages(USER, 1)
    assert reply["text"] == "got answers.csv: q1,yes"


async def test_location_reaches_the_bot(fake: FakeBotAPI, echo_bot: Bot) -> None:
    await fake.send_location(USER, 50.4501, 30.5234)

    [reply] = await fake.wait_for_messages(USER, 1)
    assert reply["text"] == "you are at 50.45, 30.52"


async def test_wait_until_idle_waits_for_every_reply(fake: FakeBotAPI, echo_bot: Bot) -> None:
    for number in range(5):
        await fake.send_text(USER + number, f"message {number}")

    await fake.wait_until_idle()

    assert [fake.sent_count(USER + number) for number in range(5)] == [1] * 5
    assert fake.updates.pending == []


async def test_a_user_edit_arrives_as_edited_message(fake: FakeBotAPI, bot: Bot) -> None:
    from aiogram import F, Router
    from aiogram.types import Message

    from tests.sandbox.echo_bot import polling

    router = Router()
    seen: list[str] = []

    @router.edited_message(F.text)
    async def edited(message: Message) -> None:
        seen.append(message.text)

    @router.message()
    async def ignore(message: Message) -> None:
        pass

    async with polling(bot, router):
        sent = await fake.send_text(USER, "first draft")
        await fake.edit_user_message(USER, sent["message_id"], "final")
        await fake.wait_for(lambda: seen, what="the edited message")

    assert seen == ["final"]


async def test_group_messages_come_from_the_group_chat(fake: FakeBotAPI, echo_bot: Bot) -> None:
    group = -100200300

    await fake.send_group_message(group, USER, "hello group", title="Residents")

    [reply] = await fake.wait_for_messages(group, 1)
    assert reply["text"] == "echo: hello group"
    assert fake.chats.get(group).info == {"id": group, "type": "group", "title": "Residents"}
    assert fake.messages(USER) == []


async def test_user_photos_and_stickers_reach_the_bot(fake: FakeBotAPI, bot: Bot) -> None:
    from aiogram import F, Router
    from aiogram.types import Message

    from tests.sandbox.echo_bot import polling

    router = Router()

    @router.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        content = (await bot.download(message.photo[-1].file_id)).read()
        await message.answer(f"photo of {len(content)} bytes, caption {message.caption}")

    @router.message(F.sticker)
    async def sticker(message: Message) -> None:
        await message.answer(f"sticker {message.sticker.emoji}")

    async with polling(bot, router):
        await fake.send_photo(USER, b"\xff\xd8 not really a jpeg", caption="my street")
        await fake.send_sticker(USER, "🎉")
        await fake.wait_for_messages(USER, 2)

    # Updates are handled concurrently, so the quick sticker reply may come first.
    assert sorted(m["text"] for m in fake.messages(USER)) == ["photo of 20 bytes, caption my street", "sticker 🎉"]
