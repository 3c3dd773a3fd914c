"""Webhook mode: the fake POSTs updates to a receiver served on its own ephemeral port."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from fastapi import FastAPI, Request, Response

from sandbox import FakeBotAPI, serve
from tests.sandbox.echo_bot import USER, echo_router

pytestmark = pytest.mark.asyncio


async def test_updates_are_posted_with_the_secret_retried_and_kept_in_order(fake: FakeBotAPI, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures_left = [1]
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> Any:
        update = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        if failures_left[0]:
            failures_left[0] -= 1
            return Response(status_code=500)
        if update.get("message", {}).get("text") == "reply in the response":
            return {"method": "sendMessage", "chat_id": update["message"]["chat"]["id"], "text": "from the reply"}
        return {}

    async with serve(receiver) as hook_base:
        await bot.set_webhook(f"{hook_base}/hook", secret_token="s3cret-token")
        for text in ("one", "two", "reply in the response"):
            await fake.send_text(USER, text)
        await fake.wait_until_idle()
        info = await bot.get_webhook_info()

    texts = [update["message"]["text"] for _, update in received]
    assert texts == ["one", "one", "two", "reply in the response"]  # the first try got a 500
    assert {secret for secret, _ in received} == {"s3cret-token"}
    assert [m["text"] for m in fake.messages(USER)] == ["from the reply"]
    assert info.url == f"{hook_base}/hook" and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_an_aiogram_dispatcher_behind_a_webhook_answers(fake: FakeBotAPI, bot: Bot) -> None:
    dispatcher = Dispatcher()
    dispatcher.include_router(echo_router())
    receiver = FastAPI()

    @receiver.post("/telegram")
    async def telegram(request: Request) -> dict[str, Any]:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "abc":
            return Response(status_code=401)
        await dispatcher.feed_webhook_update(bot, await request.json())
        return {}

    async with serve(receiver) as hook_base:
        await bot.set_webhook(f"{hook_base}/telegram", secret_token="abc", drop_pending_updates=True)
        await fake.send_text(USER, "/start school-7")
        [reply] = await fake.wait_for_messages(USER, 1)
        await bot.delete_webhook()

    assert reply["text"] == "start with school-7"


async def test_undeliverable_updates_are_dropped_after_bounded_retries(fake: FakeBotAPI, bot: Bot) -> None:
    fake.webhook.max_attempts = 3
    await bot.set_webhook("http://127.0.0.1:9/unreachable")

    await fake.send_text(USER, "anyone?")
    await fake.wait_until_idle(timeout=5)

    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message.startswith("Connection failed")
