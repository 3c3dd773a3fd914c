"""Organisers see their commands — in /help and in a command menu of their own chat (BotCommandScopeChat), in every
language — and citizens never do. Through the real dispatcher and the fake Bot API, which records setMyCommands
per scope and language."""

from __future__ import annotations

from bot.flows.menu import command_descriptions, organiser_commands, organiser_help
from bot.i18n import SUPPORTED, translator
from tests.harness import every_framework
from tests.organiser.support import ORGANISER

CITIZEN = 6001
ORGANISER_COMMANDS = {c.name for c in organiser_commands(translator("en"), owner=True)}


def chat(chat_id: int) -> dict:
    return {"type": "chat", "chat_id": chat_id}


def expected_menu(code: str | None, owner: bool) -> list[tuple[str, str]]:
    tr = translator(code or "en")
    return command_descriptions(tr) + [(c.name, c.description) for c in organiser_commands(tr, owner)]


def menu(fake, code: str | None, scope: dict | None = None) -> list[tuple[str, str]]:
    return [(c["command"], c["description"]) for c in fake.commands(language_code=code or "", scope=scope)]


def scoped_calls(fake, chat_id: int) -> list[dict]:
    return [
        call
        for call in fake.calls()
        if call["method"] in ("setMyCommands", "deleteMyCommands")
        and f'"chat_id":{chat_id}' in str(call["params"].get("scope", "")).replace(" ", "")
    ]


@every_framework
async def test_a_configured_owner_gets_the_organiser_menu_in_every_language_and_the_general_menu_has_none(telegram):
    await telegram.send(CITIZEN, "/help")  # polling runs, so the startup hooks are done
    fake = telegram.fake
    for code in (*SUPPORTED, None):
        assert menu(fake, code, chat(ORGANISER)) == expected_menu(code, owner=True), code
        assert not {name for name, _ in menu(fake, code)} & ORGANISER_COMMANDS, code
    assert len({tuple(menu(fake, code, chat(ORGANISER))) for code in SUPPORTED}) == len(SUPPORTED)  # really translated
    assert all(len(text) <= 256 for code in SUPPORTED for _, text in menu(fake, code, chat(ORGANISER)))
    # One call per language for the owner's chat; a citizen's chat was never given a menu of its own.
    assert len(scoped_calls(fake, ORGANISER)) == len(SUPPORTED) + 1
    assert scoped_calls(fake, CITIZEN) == [] and menu(fake, "en", chat(CITIZEN)) == []


@every_framework
async def test_grant_gives_the_menu_and_revoke_takes_it_away(telegram):
    fake = telegram.fake
    await telegram.send(CITIZEN, "/help")
    citizen_help = telegram.texts(CITIZEN)[-1]
    assert "/stop" in citizen_help and not [name for name in ORGANISER_COMMANDS if f"/{name} " in citizen_help]
    await telegram.send(ORGANISER, f"/grant {CITIZEN}")
    for code in (*SUPPORTED, None):
        assert menu(fake, code, chat(CITIZEN)) == expected_menu(code, owner=False), code
    await telegram.send(CITIZEN, "/help", language_code="de")
    organiser = telegram.texts(CITIZEN)[-1]
    assert organiser.endswith(organiser_help(translator("de"))) and "/grant" not in organiser
    assert "/preview <slug> [Sprache]" in organiser
    await telegram.send(ORGANISER, f"/revoke {CITIZEN}")
    for code in (*SUPPORTED, None):
        assert menu(fake, code, chat(CITIZEN)) == [], code
    await telegram.send(CITIZEN, "/help")
    assert telegram.texts(CITIZEN)[-1] == citizen_help  # a citizen again


@every_framework
async def test_help_lists_the_organiser_and_owner_commands_for_an_owner(telegram):
    await telegram.send(ORGANISER, "/help")
    text = telegram.texts(ORGANISER)[-1]
    en = translator("en")
    for name, description in command_descriptions(en):
        assert f"/{name} — {description}" in text
    assert text.endswith(organiser_help(en, owner=True))
    for line in (
        "/preview <slug> [language] — Walk through a consultation as a participant, in any of its "
        "languages; nothing is recorded",
        "/grant <Telegram id> — Make someone an organiser",
        "/digest <slug> [round] — Send participants a results digest",
        "/stop — No more messages from me",
    ):
        assert line in text
    await telegram.send(ORGANISER, "/admin")
    assert telegram.texts(ORGANISER)[-1] == organiser_help(en, owner=True)


def test_new_is_plain_text_in_every_language():
    """No parse mode is used, so markdown would show as it is: no backticks around the command."""
    from bot.flows.organiser.definitions import Definitions  # noqa: F401 - the string lives in /new's module

    for code in SUPPORTED:
        text = translator(code)._(
            "Send me the consultation's definition file (YAML or JSON) as a document. "
            "A new slug creates a draft; the slug of an existing draft replaces it. "
            "To check the file on your computer first, run: viche validate {file}",
            file="consultation.yaml",
        )
        assert "`" not in text and "*" not in text and "viche validate consultation.yaml" in text, code


async def test_a_menu_telegram_refuses_is_logged_and_never_stops_anything(api_app, caplog):
    """A configured organiser who never opened the bot: Telegram answers "chat not found"."""
    from bot.backend import Backend
    from bot.commands import publish_commands, publish_organiser_menu, withdraw_organiser_menu
    from bot.dispatcher import build_bot
    from sandbox.fake_bot_api import FakeBotAPI
    from sandbox.server import serve
    from tests.harness import BOT_TOKEN

    fake = FakeBotAPI()
    refusing = Backend.in_process(api_app, "not-the-service-token")  # the API answers 401
    async with serve(fake.app) as base_url:
        bot = build_bot(BOT_TOKEN, base_url)
        try:
            fake.fail_next("setMyCommands", status=400, count=1, description="Bad Request: chat not found")
            assert await publish_organiser_menu(bot, ORGANISER, owner=True) is False
            fake.fail_next("deleteMyCommands", status=400, count=1, description="Bad Request: chat not found")
            assert await withdraw_organiser_menu(bot, ORGANISER) is False
            assert "could not publish an organiser's menu" in caplog.text
            assert "could not withdraw an organiser's menu" in caplog.text
            assert str(ORGANISER) not in caplog.text  # no Telegram id in the logs
            # The backend refusing at startup: the general menus still come, and startup goes on.
            await publish_commands(bot, refusing)
            assert "could not list the organisers" in caplog.text
            assert [c["command"] for c in fake.commands(language_code="uk")][-1] == "help"
        finally:
            await refusing.close()
            await bot.session.close()
            await fake.close()
