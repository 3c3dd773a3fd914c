"""Every page `viche run` serves works without internet: /docs (Swagger UI), /redoc and the sandbox chat page,
in headless Chromium with every request to another host than the server cut off (and counted). ReDoc 2 shows
its logo from cdn.redoc.ly whatever its options: the pages' Content-Security-Policy keeps the browser from asking."""

from __future__ import annotations

import os

import pytest

from core.settings import Settings
from tests.offline import cut_off
from tests.test_sandbox_demo_browser import ARGS, CHROMIUM, free_port
from viche.runner import started

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]


async def test_docs_redoc_and_the_sandbox_load_nothing_from_another_host(database_url, db):
    from playwright.async_api import async_playwright, expect

    settings = Settings(database_url=database_url, port=free_port(), bot_token=None, _env_file=None)
    async with started(settings) as running, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context()
            elsewhere = await cut_off(context)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            await page.goto(f"{running.base_url}/docs")
            # Swagger UI rendered the schema: its operations, grouped by tag, with their paths.
            await expect(page.locator(".opblock-tag", has_text="participant")).to_be_visible(timeout=30_000)
            await expect(page.locator(".opblock-summary-path", has_text="/healthz")).to_be_visible()
            assert await page.locator(".opblock").count() > 40
            await page.locator(".opblock-summary-path", has_text="/healthz").click()
            await page.locator("button.try-out__btn").click()
            await page.locator("button.execute").click()
            answer = page.locator(".live-responses-table .response")  # the server's answer, through the page
            await expect(answer.locator(".response-col_status")).to_contain_text("200")
            await expect(answer.locator(".response-col_description")).to_contain_text('"status": "ok"')

            await page.goto(f"{running.base_url}/redoc")
            await expect(page.locator("h1", has_text="viche")).to_be_visible(timeout=30_000)
            await expect(page.get_by_text("/participant/identify").first).to_be_attached()

            await page.goto(f"{running.base_url}/sandbox")
            await expect(page.locator("#join")).to_be_visible()

            assert elsewhere == [], f"requests to other hosts: {elsewhere}"
            assert errors == []
        finally:
            await browser.close()
