"""A newcomer in the sandbox page sees their Telegram id, becomes an organiser with one click (no restart, no
digging in /mydata), and finds their chat again after `viche run` restarts."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from core.settings import Settings
from storage.models_organiser import Organiser
from tests.test_sandbox_demo_browser import ARGS, CHROMIUM, free_port
from viche.runner import started

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]

ORGANISER_HELP = "Organiser commands:"


async def test_act_as_organiser_and_the_chat_survives_a_restart(database_url, db, demo, tmp_path):
    from playwright.async_api import async_playwright, expect

    settings = Settings(database_url=database_url, port=free_port(), bot_token=None, _env_file=None)
    state = tmp_path / "viche.db.sandbox.json"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 480, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            async with started(settings, sandbox_state=state) as running:
                await page.goto(f"{running.base_url}/sandbox")
                await page.fill("#name", "Mykola")
                await page.select_option("#language", "en")
                await page.click("#join")
                await expect(page.locator(".kb button", has_text="English")).to_be_visible()
                chat_id = await page.evaluate("JSON.parse(localStorage.getItem('viche-sandbox')).chatId")
                await expect(page.locator("#me-id")).to_have_text(str(chat_id))  # shown, not hidden in /mydata

                # Not an organiser yet: /admin is an unknown command for them.
                await page.fill("#input", "/admin")
                await page.press("#input", "Enter")
                await expect(page.locator(".msg.bot").nth(1)).to_be_visible()
                assert ORGANISER_HELP not in " ".join(await page.locator(".msg.bot").all_inner_texts())

                await page.click("#act-as-organiser")
                await expect(page.locator("#organiser-badge")).to_be_visible()
                await expect(page.locator("#act-as-organiser")).to_be_hidden()
                await expect(page.locator(".msg.bot", has_text=ORGANISER_HELP)).to_be_visible()
                async with db.session() as session:
                    granted = (await session.execute(select(Organiser))).scalars().all()
                assert [row.telegram_id for row in granted] == [chat_id]
                before_restart = await page.locator(".msg").all_inner_texts()

            assert state.exists()  # written at shutdown
            await expect(page.locator("#bot-status")).to_have_text("reconnecting…", timeout=15_000)

            async with started(settings, sandbox_state=state) as running:  # the same address: the page's origin
                await page.reload()
                await expect(page.locator(".msg.bot", has_text=ORGANISER_HELP)).to_be_visible()
                assert await page.locator(".msg").all_inner_texts() == before_restart
                await expect(page.locator("#me-id")).to_have_text(str(chat_id))
                await expect(page.locator("#organiser-badge")).to_be_visible()
                # The conversation goes on where it was, as an organiser.
                await page.fill("#input", "/list")
                await page.press("#input", "Enter")
                await expect(page.locator(".msg.bot", has_text="Consultations:")).to_be_visible()
                await expect(page.locator(".kb button", has_text="English")).to_have_count(1)  # the old keyboard
            assert errors == []
        finally:
            await browser.close()


async def test_the_organiser_offer_needs_a_database_of_its_own(database_url):
    """A sandbox whose API runs elsewhere cannot record a grant: the page does not offer it."""
    import httpx

    settings = Settings(
        database_url=database_url,
        port=free_port(),
        bot_token=None,
        api_url="http://127.0.0.1:9",
        service_token="shared",
        _env_file=None,
    )
    async with started(settings) as running, httpx.AsyncClient(base_url=running.base_url) as client:
        assert (await client.get("/sandbox/api/organiser", params={"chat_id": 5})).json() == {
            "available": False,
            "organiser": False,
        }
        assert (await client.post("/sandbox/api/organiser", json={"chat_id": 5})).status_code == 404
