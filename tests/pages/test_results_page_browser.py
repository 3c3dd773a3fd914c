"""The public results page of the demo, after simulated participants, in headless Chromium (Debian's package,
driven by Playwright): every chart shows in uk, en and de, nothing is asked of another host (the test cuts the
network), no console error, the keyboard reaches the content; screenshots are saved in the test's tmp dir."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from api.pages.publishing import set_published
from bot.backend import Backend
from core.settings import Settings
from storage.consultations import by_slug
from tests.conftest import SERVICE_TOKEN
from tests.offline import cut_off
from tests.pages.support import RARE_SOURCE, crowd, simulate
from tests.test_sandbox_demo_browser import ARGS, CHROMIUM, free_port
from viche.runner import started

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]

HEADINGS = {
    "uk": ("Хто взяв участь", "Молодь і місто"),
    "en": ("Who took part", "Young people and the city"),
    "de": ("Wer teilgenommen hat", "Junge Menschen und die Stadt"),
}


async def test_the_demo_results_page_shows_every_chart_offline_in_three_languages(database_url, db, demo, tmp_path):
    from playwright.async_api import async_playwright, expect

    settings = Settings(
        database_url=database_url, port=free_port(), bot_token=None, service_token=SERVICE_TOKEN, _env_file=None
    )
    async with started(settings) as running, async_playwright() as playwright:
        backend = Backend.in_process(running.api, SERVICE_TOKEN)
        try:
            assert await simulate(backend, demo, crowd(10)) == 31
        finally:
            await backend.close()
        async with db.session() as session:
            await set_published(session, await by_slug(session, demo), True)

        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone
            elsewhere = await cut_off(context)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

            for lang, (heading, title) in HEADINGS.items():
                response = await page.goto(f"{running.base_url}/r/{demo}?lang={lang}")
                assert response is not None and response.status == 200
                await expect(page.locator("h1")).to_have_text(title)
                await expect(page.locator("h2", has_text=heading)).to_be_visible()
                assert await page.locator("html").get_attribute("lang") == lang
                charts = page.locator("svg[role=img]")
                # participation by day (people, answers), who took part, the question, the proposals, the pairs
                assert await charts.count() == 6
                for i in range(6):
                    chart = charts.nth(i)
                    await chart.scroll_into_view_if_needed()
                    await expect(chart).to_be_visible()
                    box = await chart.bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 40
                    # its text alternative, as assistive technology reads it
                    label = await chart.evaluate(
                        "svg => svg.getAttribute('aria-labelledby').split(' ')"
                        ".map(id => document.getElementById(id).textContent).join(' ')"
                    )
                    assert len(label) > 10
                assert await page.locator("table").count() >= 5  # and the opinion groups, once formed
                assert await page.locator("svg rect").count() > 20  # bars were drawn
                assert RARE_SOURCE not in await page.content()
                # The page fits a phone: nothing wider than the screen but the tables' own scrolling.
                assert await page.evaluate("document.documentElement.scrollWidth") <= 390
                await page.screenshot(path=str(tmp_path / f"results-{lang}.png"), full_page=True)

            # Keyboard: the first Tab reaches the skip link, Enter moves to the results.
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.className") == "skip"
            await page.keyboard.press("Enter")
            assert urlsplit(page.url).fragment == "main"

            assert elsewhere == [], f"requests to other hosts: {elsewhere}"
            assert errors == []
            assert sorted(p.name for p in tmp_path.glob("*.png")) == [
                "results-de.png",
                "results-en.png",
                "results-uk.png",
            ]
            print(f"screenshots: {tmp_path}")
        finally:
            await browser.close()
