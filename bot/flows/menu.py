"""The citizen's commands, shared by the command menu (bot/commands.py) and /help."""
from __future__ import annotations

from bot.i18n import Translator


def command_descriptions(tr: Translator) -> list[tuple[str, str]]:
    """The citizen's commands, in the menu's order, with their descriptions in ``tr``'s language."""
    return [
        ("start", tr._("Continue where you stopped")),
        ("consultations", tr._("The consultations open now")),
        ("language", tr._("Change the language")),
        ("digests", tr._("Results digests on or off")),
        ("mydata", tr._("Your data, in one file")),
        ("forget", tr._("Delete your data")),
        ("help", tr._("What I can do")),
    ]
