"""Webhook mode: the fake Bot API POSTs updates to the app's webhook route, with the secret token, as Telegram
does after setWebhook; the route answers only once the update's effects are committed. The receiver is shared
(bot/adapter/webhook.py): the tests marked every_framework run with aiogram and with python-telegram-bot behind it."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.backend import Backend, BackendError
from bot.webhook import KeyedLocks, public_url, webhook_path
from storage.models import Answer, ProposalVote
from storage.models_webhook import ProcessedUpdate
from tests.harness import every_framework
from tests.production.conftest import SECRET

CHAT = 6101


def text_update(update_id: int, user_id: int, text: str, message_id: int = 1) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Olena", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "text": text,
        "from": user,
        "chat": {"id": user_id, "type": "private", "first_name": "Olena"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def post(url: str, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url, json=update, headers=headers)


async def reach_first_proposal(t, chat: int = CHAT) -> None:
    await t.send(chat, "/start", language_code="en")
    await t.press(chat, "English")
    await t.press(chat, "✅")
    await t.press(chat, index=1)  # age


@every_framework
async def test_a_citizen_answers_through_the_webhook(webhook, db, demo):
    t = webhook
    await reach_first_proposal(t)
    await t.press(CHAT, "👍")
    assert t.fake.callback_answers(CHAT)[-1]["text"] == "Saved ✓"
    assert t.fake.calls("getUpdates") == [] and t.fake.webhook.active
    assert t.fake.webhook.last_error_message is None
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 1
    # every delivered update is recorded as handled, a batch shortly after
    deadline = time.monotonic() + 5
    while True:
        async with db.session() as s:
            handled = await s.scalar(select(func.count()).select_from(ProcessedUpdate))
        if handled == len(t.fake.webhook.delivered) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    assert handled == len(t.fake.webhook.delivered) == 5


@every_framework
async def test_a_request_without_the_right_secret_gets_401(webhook, demo):
    t = webhook
    t.fake.register_user(CHAT)
    for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x"):
        response = await post(t.url, text_update(900, CHAT, "/start"), secret)
        assert response.status_code == 401, secret
    assert t.fake.messages(CHAT) == []
    async with httpx.AsyncClient() as client:
        garbage = await client.post(t.url, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert garbage.status_code == 400
    # JSON that is no update: delivering it again would not help, so it is acknowledged and dropped
    assert (await post(t.url, {"not": "an update"})).json() == {"ok": True, "ignored": True}
    assert (await post(t.url, text_update(901, CHAT, "/start"))).status_code == 200
    assert len(t.fake.messages(CHAT)) == 1


@every_framework
async def test_a_repeated_update_id_is_handled_once(webhook, db, demo):
    t = webhook
    await reach_first_proposal(t)
    await t.press(CHAT, "👍")
    vote_update = t.fake.webhook.delivered[-1]
    assert "callback_query" in vote_update
    sent, answers = len(t.fake.sent_messages(CHAT)), len(t.fake.callback_answers(CHAT))
    for _ in range(3):  # Telegram re-delivers (our 200 was lost on the way, say)
        response = await post(t.url, vote_update)
        assert response.status_code == 200 and response.json()["duplicate"] is True
    again = await post(t.url, text_update(vote_update["update_id"] + 50, CHAT, "/help"))
    assert again.json() == {"ok": True}
    await t.settle()
    assert len(t.fake.sent_messages(CHAT)) == sent + 1  # only /help was answered
    assert len(t.fake.callback_answers(CHAT)) == answers
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 1


@every_framework
async def test_updates_from_one_user_keep_their_order(webhook, demo):
    t = webhook
    flow = t.participant_flow
    original_start = flow.start

    async def slow_start(*args, **kwargs):
        await asyncio.sleep(0.4)
        return await original_start(*args, **kwargs)

    flow.start = slow_start
    other = CHAT + 1
    for chat in (CHAT, other):
        t.fake.register_user(chat)
    first = asyncio.create_task(post(t.url, text_update(1000, CHAT, "/start", 1)))
    while not len(t.receiver.locks):  # the /start is being handled
        await asyncio.sleep(0.005)
    second = asyncio.create_task(post(t.url, text_update(1001, CHAT, "/help", 2)))
    elsewhere = await post(t.url, text_update(1002, other, "/help", 1))
    # another user is not held up by the slow update …
    assert elsewhere.status_code == 200 and not first.done()
    assert (await first).status_code == 200 and (await second).status_code == 200
    # … while this user's replies come in the order of their messages
    texts = t.texts(CHAT)
    assert texts[0].endswith("Choose your language:") and "/consultations" in texts[1], texts
    assert len(t.receiver.locks) == 0  # no lock outlives its updates


@every_framework
async def test_an_outage_answers_503_and_telegram_delivers_again(webhook, db, demo):
    t = webhook
    await reach_first_proposal(t)
    backend = t.participant_flow.backend
    original_vote, failures = backend.vote, []

    async def vote_during_outage(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise BackendError(503, "unavailable", "the database is unavailable; try again shortly", {})
        return await original_vote(*args, **kwargs)

    backend.vote = vote_during_outage
    await t.press(CHAT, "👍")
    assert len(failures) == 2
    assert "503" in (t.fake.webhook.last_error_message or "")
    # the third delivery went through: one vote, one "Saved", and no "something went wrong" on the way
    assert [a["text"] for a in t.fake.callback_answers(CHAT)][-1] == "Saved ✓"
    assert not any("Something went wrong" in (text or "") for text in t.texts(CHAT))
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 1


@every_framework
async def test_a_reply_that_failed_after_the_answer_was_stored_comes_with_the_re_delivery(webhook, db, demo):
    t = webhook
    await t.send(CHAT, "/start", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    # The answer is stored, then Telegram fails the next question: the update is answered 5xx and comes again.
    t.fake.fail_next("sendMessage", status=502)
    await t.press(CHAT, index=1)  # an age band
    assert "503" in (t.fake.webhook.last_error_message or ""), "the failed reply should have been answered 503"
    # The second delivery finds the answer stored and still brings the next question, not "Already recorded".
    assert t.fake.callback_answers(CHAT)[-1]["text"] == "Saved ✓"
    assert any("👍" in b["text"] for row in t.messages(CHAT)[-1]["buttons"] for b in row), t.texts(CHAT)[-3:]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 1


@every_framework
async def test_a_vote_whose_reply_failed_asks_its_why_on_the_re_delivery(webhook, db, demo):
    """The vote is stored and the toast shown, then Telegram fails the edit that asks "why?": the update is
    answered 5xx and comes again. The re-delivery asks the "why?" (what the first attempt would have shown), on
    the same message, instead of skipping it for the next statement; the same reply as a press on a copy of the
    statement sent twice (a replica killed after sending it, the update handled again elsewhere)."""
    t = webhook
    await t.send(CHAT, "/start", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    await t.press(CHAT, index=1)  # an age band: the first statement
    statement = t.last_with_buttons(CHAT)
    t.fake.fail_next("editMessageText", status=502)
    await t.press(CHAT, "👍")
    assert "503" in (t.fake.webhook.last_error_message or ""), "the failed edit should have been answered 503"
    last = t.messages(CHAT)[-1]
    assert last["message_id"] == statement["message_id"], t.texts(CHAT)[-2:]  # nothing new below it
    assert last["text"].endswith("✓ 👍 Agree\n\nWhy? (optional)"), last["text"]
    assert "I like it" in [b["text"] for row in last["buttons"] for b in row]
    await t.press(CHAT, "I like it")
    async with db.session() as s:
        assert (await s.execute(select(ProposalVote.choice, ProposalVote.qualification))).all() == [
            ("agree", "like_it")
        ]


@every_framework
async def test_a_bug_is_reported_to_the_user_and_acknowledged(webhook, demo, caplog):
    t = webhook
    flow = t.participant_flow

    async def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    flow.help = broken
    await t.send(CHAT, "/help")
    assert t.texts(CHAT) == ["Something went wrong on our side. Please try again in a moment."]
    assert t.fake.webhook.last_error_message is None  # answered 200: a bug is not fixed by re-delivering
    assert any("a bug" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_the_webhook_path_comes_from_the_public_url():
    assert webhook_path("https://bot.example.org/tg/hook-5f2a") == "/tg/hook-5f2a"
    assert webhook_path("https://bot.example.org/") == "/telegram/webhook"
    assert public_url("https://bot.example.org") == "https://bot.example.org/telegram/webhook"
    assert public_url("https://bot.example.org/x/y") == "https://bot.example.org/x/y"


async def test_keyed_locks_serialise_per_key_and_forget_idle_keys():
    locks, order = KeyedLocks(), []

    async def work(key: str, tag: str, pause: float) -> None:
        async with locks.hold(key):
            await asyncio.sleep(pause)
            order.append(tag)

    await asyncio.gather(work("a", "a1", 0.05), work("a", "a2", 0), work("b", "b1", 0))
    assert order == ["b1", "a1", "a2"] and len(locks) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_viche_run_with_a_webhook_url(settings, db, demo):
    """The runner itself (what `viche run --webhook URL` starts), in sandbox mode: the built-in fake Bot API
    delivers to the webhook route of the same server."""
    from viche.runner import started

    port = _free_port()
    settings = settings.model_copy(
        update={"port": port, "webhook_url": f"http://127.0.0.1:{port}/tg/hook", "webhook_secret": "runner-secret"}
    )
    async with started(settings) as running:
        fake = running.sandbox
        assert fake.webhook.url == f"http://127.0.0.1:{port}/tg/hook" and fake.webhook.secret_token == "runner-secret"
        await fake.send_text(CHAT, "/start", language_code="en")
        await fake.wait_until_idle(timeout=10)
        assert fake.messages(CHAT)[-1]["text"].endswith("\n\nChoose your language:")
        assert fake.calls("getUpdates") == []
        response = await post(f"{running.base_url}/tg/hook", text_update(77, CHAT, "/start"), "wrong")
        assert response.status_code == 401


async def test_handled_updates_are_recorded_in_batches_idempotently(http, backend):
    bot = 424242
    assert (await http.put(f"/delivery/updates/{bot}", json={"update_ids": [5, 7, 9]})).status_code == 204
    # a repeat, and a batch overlapping one already written, each still answer 204 and store every id once
    assert (await http.put(f"/delivery/updates/{bot}", json={"update_ids": [9, 7, 5]})).status_code == 204
    assert (await http.put(f"/delivery/updates/{bot}", json={"update_ids": [9, 11]})).status_code == 204
    for update_id, expected in ((5, True), (7, True), (9, True), (11, True), (6, False)):
        assert await backend.update_processed(bot, update_id) is expected
    assert (await backend.latest_update(bot))["update_id"] == 11
    for bad in ({"update_ids": []}, {"update_ids": [-1]}, {"update_ids": list(range(1001))}, {}):
        assert (await http.put(f"/delivery/updates/{bot}", json=bad)).status_code == 422, bad


async def _recorded(db) -> set[int]:
    async with db.session() as s:
        return set((await s.scalars(select(ProcessedUpdate.update_id))).all())


async def test_handled_update_ids_survive_a_backend_outage_and_are_written_at_shutdown(webhook, db):
    t = webhook
    records, real_backend = t.receiver.records, t.receiver.records.backend
    with socket.socket() as probe:  # a port nobody listens on: the backend is away
        probe.bind(("127.0.0.1", 0))
        away = f"http://127.0.0.1:{probe.getsockname()[1]}"
    records.backend = Backend.remote(away, "token")
    try:
        for update_id in (501, 502, 503):
            records.add(update_id)
        assert await records.flush() is False and records.pending == [501, 502, 503]  # kept, not dropped
    finally:
        await records.backend.close()
        records.backend = real_backend
    records.add(504)
    # Stopping: the dispatcher's shutdown hook writes what is pending, without waiting for the timer.
    await t.dispatcher.emit_shutdown(bot=t.receiver.bot, dispatcher=t.dispatcher)
    assert records.pending == [] and {501, 502, 503, 504} <= await _recorded(db)


@every_framework
async def test_an_impossible_update_id_is_acknowledged_dropped_and_logged(webhook, db, demo, caplog):
    """Telegram's update ids are positive and the records are 64-bit: an id of 2^63 used to be handled and then
    fail to be recorded forever (holding back every id batched with it); a negative one answered 500 forever."""
    t = webhook
    t.fake.register_user(CHAT)
    caplog.set_level(logging.WARNING, logger="bot.webhook")
    for impossible in (2**63, 2**64 + 1, 0, -5):
        response = await post(t.url, text_update(impossible, CHAT, "/start"))
        assert (response.status_code, response.json()) == (200, {"ok": True, "ignored": True}), impossible
        assert f"impossible update_id {impossible}" in caplog.text
    assert t.fake.messages(CHAT) == []  # none of them was handled
    assert (await post(t.url, text_update(2**63 - 1, CHAT, "/start"))).json() == {"ok": True}  # the largest that fits
    await t.settle()
    assert len(t.fake.sent_messages(CHAT)) == 1
    deadline = time.monotonic() + 5
    while t.receiver.records.pending and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert t.receiver.records.pending == [] and await _recorded(db) == {2**63 - 1}
