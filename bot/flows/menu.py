"""The commands, shared by the command menus (bot/commands.py) and /help.

Citizens get ``command_descriptions``; organisers get those and ``organiser_commands`` (owners also the owner
commands), in /help and in a command menu of their own chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Translator


def command_descriptions(tr: Translator) -> list[tuple[str, str]]:
    """The citizen's commands, in the menu's order, with their descriptions in ``tr``'s language."""
    return [
        ("start", tr._("Continue where you stopped")),
        ("consultations", tr._("The consultations open now")),
        ("language", tr._("Change the language")),
        ("digests", tr._("Results digests on or off")),
        ("stop", tr._("No more messages from me")),
        ("mydata", tr._("Your data, in one file")),
        ("forget", tr._("Delete your data")),
        ("help", tr._("What I can do")),
    ]


@dataclass(frozen=True)
class OrganiserCommand:
    name: str
    usage: str  # as typed, with its arguments: "/stats <slug>"
    description: str


def organiser_commands(tr: Translator, owner: bool = False) -> list[OrganiserCommand]:
    """The organisers' commands (and the owners' with ``owner``), in ``tr``'s language."""
    commands = [
        OrganiserCommand("new", "/new", tr._("Upload a definition file (YAML or JSON) as a draft")),
        OrganiserCommand(
            "preview",
            tr._("/preview <slug> [language]"),
            tr._("Walk through a consultation as a participant, in any of its languages; nothing is recorded"),
        ),
        OrganiserCommand("launch", "/launch <slug>", tr._("Open a draft to participants")),
        OrganiserCommand("pause", "/pause <slug>", tr._("Pause an open consultation")),
        OrganiserCommand("resume", "/resume <slug>", tr._("Reopen a paused consultation")),
        OrganiserCommand("close", "/close <slug>", tr._("Close a consultation for good")),
        OrganiserCommand("list", "/list", tr._("Every consultation")),
        OrganiserCommand("stats", "/stats <slug>", tr._("Live figures of a consultation")),
        OrganiserCommand("moderate", "/moderate [slug]", tr._("Citizen proposals waiting for a decision")),
        OrganiserCommand("link", tr._("/link <slug> [source]"), tr._("The link and QR code that open a consultation")),
        OrganiserCommand("publish", "/publish <slug> [off]", tr._("Make the results page public (or hide it)")),
        OrganiserCommand("dashboard", "/dashboard <slug>", tr._("A private link to the results page with free texts")),
        OrganiserCommand("results", "/results <slug>", tr._("A button that opens the results page")),
        OrganiserCommand("digest", tr._("/digest <slug> [round]"), tr._("Send participants a results digest")),
        OrganiserCommand("broadcasts", "/broadcasts", tr._("How the digests and invitations went")),
        OrganiserCommand(
            "jury",
            tr._("/jury <slug> [draw <seed> | end]"),
            tr._("A citizens' jury: its volunteers, the draw of its panel, the panel filling up"),
        ),
    ]
    if owner:
        commands += [
            OrganiserCommand("grant", tr._("/grant <Telegram id>"), tr._("Make someone an organiser")),
            OrganiserCommand("revoke", tr._("/revoke <Telegram id>"), tr._("Remove an organiser")),
        ]
    return commands


def organiser_help(tr: Translator, owner: bool = False) -> str:
    """The organisers' part of /help: each command as typed, then what it does."""
    lines = [tr._("Organiser commands:"), ""]
    lines += [f"{c.usage} — {c.description}" for c in organiser_commands(tr)]
    if owner:
        lines += ["", tr._("Owner commands:"), ""]
        lines += [f"{c.usage} — {c.description}" for c in organiser_commands(tr, owner=True)[-2:]]
    return "\n".join(lines)
