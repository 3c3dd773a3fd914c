"""Logs in JSON mode: every line one JSON object, each update's lines carrying its id, and nothing that says who
wrote — a participant with a distinctive id, name, username and message goes through the real dispatcher."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from core.logs import configure_logging

CHAT = 7349120586
NAME = "Thaddeus"
USERNAME = "quillborne_t"
TEXT = "marmalade zeppelin orchard"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("json", logging.INFO, stream=stream)
    per_update = logging.getLogger("aiogram.event")
    per_update.setLevel(logging.INFO)  # one line per update (quiet in production): each must carry its update id
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    per_update.setLevel(logging.NOTSET)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_json_lines_carry_the_update_and_nothing_personal(json_logs, telegram, demo):
    await telegram.fake.send_text(CHAT, "/start", language_code="en", first_name=NAME, username=USERNAME)
    await telegram.settle()
    await telegram.press(CHAT, "English")
    await telegram.press(CHAT, "✅")
    await telegram.send(CHAT, TEXT)

    logged = lines(json_logs)  # every line parses
    assert logged, "nothing was logged"
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in logged)
    update_ids = {line["update_id"] for line in logged if "update_id" in line}
    assert len(update_ids) == 4, logged  # each update's lines say which update they belong to
    text = json_logs.getvalue()
    for private in (str(CHAT), NAME, USERNAME, TEXT):
        assert private not in text, f"{private!r} is in the logs:\n{text}"


async def test_a_request_id_is_on_the_lines_of_its_request(json_logs, api_app):
    logging.getLogger("viche.test").info("outside any request")

    @api_app.get("/test-logging")
    async def logs_a_line() -> dict[str, str]:
        logging.getLogger("viche.test").warning("inside a request")
        return {}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as http:
        response = await http.get("/test-logging", headers={"X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    by_message = {line["message"]: line for line in lines(json_logs)}
    assert by_message["inside a request"]["request_id"] == "req-42"
    assert "request_id" not in by_message["outside any request"]


def test_text_is_the_default_and_carries_the_context(database_url):
    from core import logs
    from core.settings import Settings

    assert Settings(database_url=database_url, _env_file=None).log_format == "text"
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = configure_logging("text", logging.INFO, stream=stream)
    try:
        token = logs.update_id.set(31337)
        logging.getLogger("viche.test").warning("handled")
        logs.update_id.reset(token)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)  # later tests' caplog expects the default level
    line = stream.getvalue().strip()
    assert line.endswith("WARNING viche.test [update 31337]: handled"), line
    with pytest.raises(ValueError):
        configure_logging("xml")
