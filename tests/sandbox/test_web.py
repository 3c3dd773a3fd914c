"""The user-side JSON API the web page uses, on an app built with mount_sandbox."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.sandbox.echo_bot import Site

pytestmark = pytest.mark.asyncio

CHAT = 123456789


async def test_the_page_is_served(sandbox_site: Site) -> None:
    base = sandbox_site.base
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/sandbox")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for element in ('id="name"', 'id="language"', 'id="join"', 'id="input"', 'id="send"', 'id="restart"'):
        assert element in response.text
    assert "/*CHAT_JS*/" not in response.text and "function renderMessages" in response.text


async def test_the_user_side_api_drives_a_conversation(sandbox_site: Site) -> None:
    base, fake = sandbox_site.base, sandbox_site.fake
    async with httpx.AsyncClient(base_url=f"{base}/sandbox/api", timeout=15) as client:
        sent = await client.post(
            "/send_text", json={"chat_id": CHAT, "text": "/start", "first_name": "Ola", "language_code": "pl"}
        )
        assert sent.status_code == 200 and sent.json()["text"] == "/start"

        first = (await client.get("/messages", params={"chat_id": CHAT, "since": -1})).json()
        state = first
        while len(state["messages"]) < 2:  # long-poll until the bot's reply is in
            state = (await client.get("/messages", params={"chat_id": CHAT, "since": state["version"]})).json()
        assert [(m["from"], m["text"]) for m in state["messages"]] == [("user", "/start"), ("bot", "Hello, Ola (pl)")]
        assert state["bot"]["username"] == "viche_bot"

        await client.post("/send_text", json={"chat_id": CHAT, "text": "tea"})
        echo = (await fake.wait_for_messages(CHAT, 2))[-1]
        missing = await client.post(
            "/press_button", json={"chat_id": CHAT, "message_id": echo["message_id"], "callback_data": "nope"}
        )
        assert missing.status_code == 400 and "no button" in missing.json()["detail"]
        pressed = await client.post(
            "/press_button", json={"chat_id": CHAT, "message_id": echo["message_id"], "callback_data": "like"}
        )
        assert pressed.status_code == 200 and pressed.json()["data"] == "like"

        document = {
            "chat_id": CHAT,
            "filename": "note.txt",
            "mime_type": "text/plain",
            "content_base64": base64.b64encode(b"from the browser").decode(),
        }
        assert (await client.post("/send_document", json=document)).status_code == 200
        await fake.wait_for_messages(CHAT, 3)  # the bot handles updates concurrently: keep the replies in order
        assert (
            await client.post("/send_location", json={"chat_id": CHAT, "latitude": 1.5, "longitude": 2.5})
        ).status_code == 200
        await fake.wait_for_messages(CHAT, 4)
        await fake.wait_for(lambda: fake.callback_answers(CHAT))

        final = (await client.get("/messages", params={"chat_id": CHAT, "since": -1})).json()
        user_document = next(m for m in final["messages"] if m["kind"] == "document")
        downloaded = await client.get(user_document["document"]["url"].removeprefix("/sandbox/api"))

    assert [m["text"] for m in fake.messages(CHAT)] == [
        "Hello, Ola (pl)",
        "liked: echo: tea",
        "got note.txt: from the browser",
        "you are at 1.50, 2.50",
    ]
    assert final["answers"][0]["text"] == "Thanks!"
    assert downloaded.content == b"from the browser"


async def test_the_page_shares_the_persons_own_contact(sandbox_site: Site) -> None:
    """A request_contact button on the page shares the person's own number: Telegram's user_id is theirs."""
    base = sandbox_site.base
    async with httpx.AsyncClient(base_url=f"{base}/sandbox/api", timeout=15) as client:
        shared = await client.post("/send_contact", json={"chat_id": CHAT, "phone_number": "+380501234567"})
        assert shared.status_code == 200
        assert shared.json()["contact"] == {"phone_number": "+380501234567", "first_name": "Contact", "user_id": CHAT}
        state = (await client.get("/messages", params={"chat_id": CHAT, "since": -1})).json()
    (mine,) = [m for m in state["messages"] if m["from"] == "user"]
    assert mine["kind"] == "contact" and mine["text"] == "📱 +380501234567"
