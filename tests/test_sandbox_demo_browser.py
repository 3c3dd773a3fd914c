"""`viche run` without a token: the sandbox page in headless Chromium (Debian's package, driven by
Playwright with the system browser), where a person completes the demo consultation."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from core.settings import Settings
from viche.runner import started

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_demo_is_completed_in_the_sandbox_page(database_url, db, demo):
    from playwright.async_api import async_playwright, expect

    settings = Settings(database_url=database_url, port=free_port(), bot_token=None, _env_file=None)
    async with started(settings) as running, async_playwright() as playwright:
        import httpx

        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{running.base_url}/healthz")).json() == {"status": "ok"}
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 480, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{running.base_url}/sandbox")
            await page.fill("#name", "Taras")
            await page.select_option("#language", "en")
            await page.click("#join")
            await expect(page.locator(".kb button", has_text="English")).to_be_visible()
            chats = [await page.evaluate("JSON.parse(localStorage.getItem('viche-sandbox')).chatId")]

            async def tap(label: str) -> None:
                # The bot answers every tap with a new message or an edit (a follow-up question).
                before = running.sandbox.messages(chat_id())
                button = page.locator(".kb button", has_text=label).last
                await expect(button).to_be_visible()
                await button.click()
                for _ in range(500):
                    if running.sandbox.messages(chat_id()) != before:
                        break
                    await asyncio.sleep(0.02)
                newest = running.sandbox.messages(chat_id())[-1]["text"].splitlines()[-1]
                await expect(page.locator(".msg.bot", has_text=newest).last).to_be_visible()

            def chat_id() -> int:
                return chats[0]

            await tap("English")
            await tap("I agree")
            await tap("18–24")
            for _ in range(3):
                await tap("👍")
                await tap("I like it")
            for _ in range(3):
                await tap("🅰")
            await expect(page.locator(".msg.bot").last).to_contain_text("Thank you! You gave 7 answers")
            await page.screenshot(path="/tmp/sandbox-demo.png")
            assert errors == []
        finally:
            await browser.close()
