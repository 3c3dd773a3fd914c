"""The command menu, the description and the short description, set per language at startup."""

from __future__ import annotations

from bot.commands import command_descriptions, description, short_description
from bot.i18n import SUPPORTED, translator
from tests.harness import every_framework


@every_framework
async def test_the_menu_is_published_in_every_language(telegram):
    await telegram.send(6001, "/help")  # polling runs, so the startup hooks are done
    fake = telegram.fake
    for locale in SUPPORTED:
        tr = translator(locale)
        menu = fake.commands(language_code=locale)
        assert [c["command"] for c in menu] == [
            "start",
            "consultations",
            "language",
            "digests",
            "stop",
            "mydata",
            "forget",
            "help",
        ]
        assert [c["description"] for c in menu] == [text for _, text in command_descriptions(tr)]
        assert fake.bot_descriptions[locale] == description(tr)
        assert fake.bot_short_descriptions[locale] == short_description(tr)
    # Everyone else (no language code, or one we do not ship) gets English.
    assert fake.commands() == fake.commands(language_code="en")
    assert fake.bot_descriptions[""] == description(translator("en"))
    # The descriptions really differ per language, and fit Telegram's limits.
    assert len({tuple(c["description"] for c in fake.commands(language_code=lang)) for lang in SUPPORTED}) == len(
        SUPPORTED
    )
    assert all(
        len(fake.bot_short_descriptions[lang]) <= 120 and len(fake.bot_descriptions[lang]) <= 512 for lang in SUPPORTED
    )


async def test_a_failing_menu_never_stops_the_bot():
    """Telegram refusing the menu, or not answering at all, is logged; startup goes on."""
    from bot.commands import publish_commands
    from bot.dispatcher import build_bot
    from sandbox.fake_bot_api import FakeBotAPI
    from sandbox.server import serve
    from tests.harness import BOT_TOKEN

    fake = FakeBotAPI()
    async with serve(fake.app) as base_url:
        bot = build_bot(BOT_TOKEN, base_url)
        try:
            fake.fail_next("setMyCommands", status=400, count=100, description="Bad Request: test")
            await publish_commands(bot)
            assert fake.commands(language_code="de") == []
        finally:
            await bot.session.close()
            await fake.close()
    unreachable = build_bot(BOT_TOKEN, base_url)  # the server is gone now
    try:
        await publish_commands(unreachable)
    finally:
        await unreachable.session.close()
