"""The web chat in headless Chromium (the Debian package; no browser is downloaded)."""

from __future__ import annotations

import os
import struct
import zlib

import pytest
from aiogram.types import BufferedInputFile

from tests.sandbox.echo_bot import Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = "/tmp/sandbox.png"

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt install chromium)"),
]


async def test_a_person_chats_with_the_bot_in_the_browser(sandbox_site: Site) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 720, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{sandbox_site.base}/sandbox")

            await page.fill("#name", "Olena")
            await page.select_option("#language", "uk")
            await page.click("#join")
            await expect(page.locator(".msg.bot").first).to_contain_text("Hello, Olena (uk)")

            await page.fill("#input", "Привіт, бот")
            await page.press("#input", "Enter")
            await expect(page.locator(".msg.user").last).to_contain_text("Привіт, бот")
            await expect(page.locator(".msg.bot").last).to_contain_text("echo: Привіт, бот")

            chat_id = await page.evaluate("JSON.parse(localStorage.getItem('viche-sandbox')).chatId")
            await sandbox_site.bot.send_photo(
                chat_id,
                BufferedInputFile(_striped_png(), "results.png"),
                caption="<b>Results</b> so far:\nyes 12, no 3",
                parse_mode="HTML",
            )
            photo = page.locator(".msg.bot img.photo")
            await expect(photo).to_be_visible()
            assert await photo.evaluate("image => image.complete && image.naturalWidth") == 240

            echo = page.locator(".msg-group", has=page.locator(".msg.bot", has_text="echo: Привіт, бот"))
            await echo.locator(".kb button", has_text="Like").click()
            await expect(page.locator(".msg.bot", has_text="liked: echo: Привіт, бот")).to_contain_text("edited")
            await expect(page.locator("#toast")).to_have_text("Thanks!")
            assert await page.locator(".msg.bot").count() == 3  # edited in place, not appended

            await page.screenshot(path=SCREENSHOT)
            assert [m["text"] for m in sandbox_site.fake.messages(chat_id)][-2] == "liked: echo: Привіт, бот"

            await page.click("#restart")
            await expect(page.locator("#join-screen")).to_be_visible()
            await expect(page.locator("#name")).to_have_value("Olena")
            await page.click("#join")
            await expect(page.locator(".msg.bot")).to_have_count(1)
            new_chat_id = await page.evaluate("JSON.parse(localStorage.getItem('viche-sandbox')).chatId")
            assert new_chat_id != chat_id
            assert errors == []
        finally:
            await browser.close()


def _striped_png(width: int = 240, height: int = 120) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colours = [(51, 144, 236), (95, 173, 86), (240, 180, 60)]
    row = b"\x00" + b"".join(bytes(colours[x * len(colours) // width]) for x in range(width))
    rows = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
