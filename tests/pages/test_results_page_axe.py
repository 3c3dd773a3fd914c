"""An accessibility check of the results pages: axe-core (npm, locked in tests/pages/axe/, installed by
`make test` with `npm ci`) injected by Playwright into the public page of the demo and of examples/riverside.yaml
after simulated participants, in uk, en and de, in headless Chromium: no serious or critical violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.pages.publishing import set_published
from bot.backend import Backend
from core.settings import Settings
from storage.consultations import by_slug, save_definition
from tests.conftest import SERVICE_TOKEN
from tests.offline import cut_off
from tests.organiser.support import EXAMPLE, SLUG
from tests.pages.support import crowd, simulate
from tests.test_sandbox_demo_browser import ARGS, CHROMIUM, free_port
from viche.loading import read_definition
from viche.runner import started

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (make test installs it)"),
]

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "")),
  }));
}"""


async def test_the_results_pages_have_no_serious_accessibility_violation(database_url, db, demo, tmp_path):
    from playwright.async_api import async_playwright

    assert AXE.is_file(), f"{AXE} is missing: `make system-deps` installs it (npm ci --prefix tests/pages/axe)"
    settings = Settings(
        database_url=database_url, port=free_port(), bot_token=None, service_token=SERVICE_TOKEN, _env_file=None
    )
    async with started(settings) as running, async_playwright() as playwright:
        backend = Backend.in_process(running.api, SERVICE_TOKEN)
        try:
            assert await simulate(backend, demo, crowd(10)) == 31
            async with db.session() as session:
                await save_definition(session, read_definition(EXAMPLE), status="open")
            assert await simulate(backend, SLUG, [("uk", "poster")] * 12 + [("en", "school")] * 12) == 24
        finally:
            await backend.close()
        async with db.session() as session:
            for slug in (demo, SLUG):
                await set_published(session, await by_slug(session, slug), True)

        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # The pages forbid every script (Content-Security-Policy); the check's own is let in, and only here.
            context = await browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
            elsewhere = await cut_off(context)
            page = await context.new_page()
            found = {}
            for slug in (demo, SLUG):
                for lang in ("uk", "en", "de"):
                    response = await page.goto(f"{running.base_url}/r/{slug}?lang={lang}")
                    assert response is not None and response.status == 200
                    await page.add_script_tag(path=str(AXE))
                    violations = await page.evaluate(RUN)
                    found[(slug, lang)] = violations
                    await page.screenshot(path=str(tmp_path / f"axe-{slug}-{lang}.png"), full_page=True)
            serious = {
                where: [v for v in violations if v["impact"] in ("serious", "critical")]
                for where, violations in found.items()
            }
            assert all(not v for v in serious.values()), serious
            # Nor a lesser one (the tables' scroll regions were once named like their sections: landmark-unique).
            assert all(not v for v in found.values()), found
            assert elsewhere == []
            print(f"screenshots: {tmp_path}")
        finally:
            await browser.close()
