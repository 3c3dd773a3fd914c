"""The HTML report of the imported seattle conversation (Polis data: CC BY 4.0, with Attribution to The
Computational Democracy Project, https://github.com/compdemocracy/openData), as `viche report` writes it, opened
in headless Chromium (Debian's package, driven by Playwright) with the network cut: every chart shows with its text
alternative, nothing is asked of another host, no console error; screenshots are saved in the test's tmp dir."""

from __future__ import annotations

import os

import pytest

from tests.groups.conftest import polis_folder
from tests.report.support import viche
from tests.test_sandbox_demo_browser import ARGS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]


async def test_the_html_report_renders_with_its_charts_offline(db, database_url, monkeypatch, tmp_path):
    from playwright.async_api import async_playwright, expect

    folder = polis_folder("15-per-hour-seattle")
    assert await viche(database_url, monkeypatch, "import", "polis", str(folder), "--slug", "seattle") == 0
    for language in ("en", "uk"):
        target = tmp_path / f"report-{language}.html"
        command = ("report", "seattle", "--language", language, "-o", str(target))
        assert await viche(database_url, monkeypatch, *command) == 0

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1024, "height": 900})
            elsewhere: list[str] = []

            async def only_the_file(route) -> None:
                if route.request.url.startswith("file://"):
                    await route.continue_()
                else:  # the network is cut off: record the attempt, fail it as a dead network would
                    elsewhere.append(route.request.url)
                    await route.abort("internetdisconnected")

            await context.route("**/*", only_the_file)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

            for language, divides in (("en", "What divides the groups"), ("uk", "Що розділяє групи")):
                await page.goto((tmp_path / f"report-{language}.html").as_uri())
                await expect(page.locator("h1")).to_have_text("$15/hour")
                await expect(page.locator("h2", has_text=divides)).to_be_visible()
                assert await page.locator("html").get_attribute("lang") == language
                charts = page.locator("svg[role=img]")
                count = await charts.count()
                # majority only, divisive, each of the two groups, people who joined and answers per day, who took
                # part, the statements
                assert count == 8
                for i in range(count):
                    chart = charts.nth(i)
                    await chart.scroll_into_view_if_needed()
                    await expect(chart).to_be_visible()
                    box = await chart.bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 40
                    label = await chart.evaluate(
                        "svg => svg.getAttribute('aria-labelledby').split(' ')"
                        ".map(id => document.getElementById(id).textContent).join(' ')"
                    )
                    assert len(label) > 10
                assert await page.locator("svg rect").count() > 20  # bars were drawn
                assert await page.locator("table").count() == count - 1  # participation: two charts, one table
                await page.screenshot(path=str(tmp_path / f"report-{language}.png"), full_page=True)

            assert elsewhere == [], f"requests to other hosts: {elsewhere}"
            assert errors == []
            assert sorted(p.name for p in tmp_path.glob("*.png")) == ["report-en.png", "report-uk.png"]
            print(f"screenshots: {tmp_path}")
        finally:
            await browser.close()
