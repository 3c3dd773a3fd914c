"""The results page from Telegram, through the real dispatcher, the delivery engine and the fake Bot API over HTTP:
the digest and /results carry a button that opens the page — a Mini App (``web_app``) where the pages have an
HTTPS address, a plain link otherwise — and only for a published page (an organiser's own link for organisers).

The fake Bot API refuses what Telegram refuses (Bot API, InlineKeyboardButton.web_app: "Available only in private
chats between a user and the bot"; WebAppInfo.url: "An HTTPS URL of a Web App"), so a wrong button fails here.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import pytest

from api.broadcast.store import SqlDeliveryStore
from tests.broadcast.support import crowd
from tests.broadcast.test_bot_commands import ORGANISER, _finished_progress, bot_and_engine
from tests.pages.test_results_page import publish

HTTPS = "https://viche.example.org"


def page_buttons(fake, chat: int) -> list[dict]:
    return [b for row in fake.messages(chat)[-1]["buttons"] for b in row if "url" in b or "web_app" in b]


@pytest.mark.parametrize(("pages_url", "kind"), [(HTTPS, "web_app"), ("http://127.0.0.1:8000", "url")])
async def test_a_digest_of_a_published_page_opens_it(api_app, fake, bot, db, http, demo, pages_url, kind):
    chats = list(range(7500, 7512))
    for chat in chats:
        fake.register_user(chat, language_code="en")
    await crowd(db, demo, chats)
    store = SqlDeliveryStore(db, pages_url)
    async with bot_and_engine(api_app, fake, bot, store) as (t, _):
        # Not published: no page button.
        await t.send(ORGANISER, f"/digest {demo} week-1")
        await _finished_progress(t)
        assert all(page_buttons(fake, chat) == [] for chat in chats)
        await publish(http, demo)
        await t.send(ORGANISER, f"/digest {demo} week-2")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(fake.sent_count(chat) < 2 for chat in chats):
            await asyncio.sleep(0.2)
        for chat in chats:
            [button] = page_buttons(fake, chat)
            address = button["web_app"]["url"] if kind == "web_app" else button["url"]
            assert kind in button and address == f"{pages_url}/r/{demo}"
        assert button["text"] in ("📊 Open the results page", "📊 Відкрити сторінку результатів")


async def test_results_gives_an_organiser_a_button_to_the_page(telegram, http, demo, api_app):
    # Without an HTTPS address: a plain link, to the organiser's own page while the public one is not published.
    await telegram.send(ORGANISER, f"/results {demo}")
    reply = telegram.last(ORGANISER)
    assert "is not public yet" in reply["text"]
    [button] = [b for row in reply["buttons"] for b in row]
    assert "web_app" not in button and button["text"] == "Open the organisers' page"
    private = urlsplit(button["url"])
    assert private.path == f"/r/{demo}/private"
    assert (await http.get(f"{private.path}?{private.query}")).status_code == 200
    await publish(http, demo)
    await telegram.send(ORGANISER, f"/results {demo}")
    [button] = [b for row in telegram.last(ORGANISER)["buttons"] for b in row]
    assert urlsplit(button["url"]).path == f"/r/{demo}"
    # With an HTTPS address: a Mini App button in the organiser's private chat.
    api_app.state.settings.public_url = HTTPS
    await telegram.send(ORGANISER, f"/results {demo}")
    reply = telegram.last(ORGANISER)
    [button] = [b for row in reply["buttons"] for b in row]
    assert button["web_app"] == {"url": f"{HTTPS}/r/{demo}"} and "url" not in button
    assert reply["text"] == f"📊 The results page of {demo} is public."
    # Someone who is not an organiser gets nothing of it.
    await telegram.send(5004, f"/results {demo}")
    assert telegram.last(5004)["buttons"] == []
