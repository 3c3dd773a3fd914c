"""``/metrics``: a conversation through the real dispatcher and the fake Bot API, and the counters say what was
sent; only with VICHE_METRICS_TOKEN, and only to its bearer."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from core.settings import Settings
from tests.conftest import SERVICE_TOKEN

METRICS_TOKEN = "test-metrics-token"
CHAT = 7349120586


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        metrics_token=METRICS_TOKEN,
        admins=[900001],
        owners=[900001],
        _env_file=None,
    )


def _client(app, token: str | None = METRICS_TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


async def scrape(app) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by Prometheus's own text parser: (name, labels) → value."""
    async with _client(app) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def delta(after: dict, before: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def until_counted(app, before: dict, expected: dict[tuple[str, tuple], float]) -> dict:
    """The bot's middleware counts an update as its last step, a moment after the harness saw it handled."""
    for _ in range(100):
        after = await scrape(app)
        if all(delta(after, before, name, **dict(labels)) == value for (name, labels), value in expected.items()):
            return after
        await asyncio.sleep(0.02)
    return after


async def test_the_counters_match_what_the_conversation_sent(api_app, telegram, demo):
    before = await scrape(api_app)
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")
    await telegram.press(CHAT, "✅")  # consent
    await telegram.press(CHAT, index=1)  # the age question's second option
    await telegram.send(CHAT, "hello there")  # free text where a button is expected: answered, still handled
    messages, presses = 2, 3
    message = (("kind", "message"), ("outcome", "handled"))
    press = (("kind", "callback_query"), ("outcome", "handled"))
    after = await until_counted(
        api_app, before, {("viche_updates_total", message): messages, ("viche_updates_total", press): presses}
    )

    assert delta(after, before, "viche_updates_total", kind="message", outcome="handled") == messages
    assert delta(after, before, "viche_updates_total", kind="callback_query", outcome="handled") == presses
    assert delta(after, before, "viche_updates_total", kind="message", outcome="error") == 0
    assert delta(after, before, "viche_update_seconds_count") == messages + presses
    assert delta(after, before, "viche_update_seconds_sum") > 0
    # The backend's requests, by route template (no participant id in a label) and status.
    identify = delta(after, before, "viche_http_requests_total", route="/participant/identify", status="200")
    answers = delta(
        after, before, "viche_http_requests_total", route="/participant/{participant_id}/answers", status="200"
    )
    assert identify >= 1 and answers == 1
    assert not any(str(CHAT) in value for (_, labels) in after for _, value in labels)
    assert ("viche_db_pool_in_use", ()) in after
    assert ("viche_broadcast_sent_total", ()) in after and ("viche_broadcast_queue_length", ()) in after


async def test_results_computations_are_timed(api_app, http, demo):
    before = await scrape(api_app)
    response = await http.get(f"/organiser/consultations/{demo}/results")
    assert response.status_code == 200, response.text
    after = await scrape(api_app)
    assert delta(after, before, "viche_results_compute_seconds_count") == 1


async def test_the_pool_gauge_counts_the_connections_checked_out(api_app, db):
    idle = await scrape(api_app)
    async with db.engine.connect() as held:
        await held.execute(text("SELECT 1"))
        busy = await scrape(api_app)
    assert busy[("viche_db_pool_in_use", ())] == idle[("viche_db_pool_in_use", ())] + 1


async def test_metrics_need_their_own_token(api_app, database_url):
    async with _client(api_app, token=None) as http:
        assert (await http.get("/metrics")).status_code == 401
    async with _client(api_app, token=SERVICE_TOKEN) as http:  # the bot's token is not Prometheus's
        assert (await http.get("/metrics")).status_code == 401
    from api.app import create_app

    without = create_app(Settings(database_url=database_url, service_token=SERVICE_TOKEN, _env_file=None))
    async with _client(without) as http:  # no VICHE_METRICS_TOKEN: no /metrics at all
        assert (await http.get("/metrics")).status_code == 404


async def test_every_response_carries_a_request_id(api_app):
    async with _client(api_app) as http:
        made = await http.get("/healthz")
        kept = await http.get("/healthz", headers={"X-Request-ID": "proxy-1234.abc"})
        forged = await http.get("/healthz", headers={"X-Request-ID": "evil\nINFO forged line"})
    other = await _made_id(api_app)
    assert (
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", made.headers["x-request-id"]) and other != made.headers["x-request-id"]
    )
    assert kept.headers["x-request-id"] == "proxy-1234.abc"
    assert "\n" not in forged.headers["x-request-id"] and forged.headers["x-request-id"] != "evil"


async def _made_id(app) -> str:
    async with _client(app) as http:
        return (await http.get("/healthz")).headers["x-request-id"]
