"""Where a participant stands among a consultation's opinion groups: the digest's part (``where_you_stand``) and
the answer to the "How do I compare?" button (``compare``). No aiogram here.

The figures come from the API (``api/standing.py``), which already left out every group under the consultation's
minimum size: a participant in such a group is told only what every group agrees on, in the same words as
someone in no group at all.
"""

from __future__ import annotations

from typing import Any

from bot.flows.buttons import Standing
from bot.flows.screens import Button, Screen
from bot.flows.texts import localized, shorten
from bot.i18n import Translator
from bot.i18n.formats import format_number, format_share

#: How long a statement may be in the answer to the button (a digest shortens them further to fit its caption).
STATEMENT_LIMIT = 200


def compare_button(tr: Translator, slug: str) -> Button:
    return Button(tr._("🧭 How do I compare?"), Standing(slug).pack())


def where_you_stand(
    tr: Translator,
    group: dict[str, Any] | None,
    common: list[dict[str, Any]],
    text_of: Any,
) -> list[str]:
    """The lines saying which group the reader is in (named by what it agrees on), what it supports unlike the
    others, and what every group agrees on. ``text_of`` turns an entry into its shortened text."""
    lines: list[str] = []
    if group:
        lines.append(
            tr._("🧭 You are among the people who agree that «{statement}».", statement=text_of(group["name"]))
        )
        if group.get("distinctive"):
            lines.append(tr._("Your group also supports, more than the others:"))
            lines += [f"• {text_of(entry)}" for entry in group["distinctive"]]
    else:
        lines.append(tr._("🧭 Your votes do not place you in one of the opinion groups described here."))
    if common:
        lines.append(tr._("🤝 Every group agrees:"))
        lines += [f"• {text_of(entry)}" for entry in common]
    else:
        lines.append(tr._("No statement has the agreement of every group yet."))
    return lines


def how_it_fared(tr: Translator, own: list[dict[str, Any]], text_of: Any) -> list[str]:
    """For an author: each of their accepted proposals, its votes, its agreement, and whether every group agrees."""
    lines = []
    for entry in own:
        line = tr.n_(
            "📝 Your proposal «{statement}»: {count} vote, {share} agree.",
            "📝 Your proposal «{statement}»: {count} votes, {share} agree.",
            int(entry["votes"]),
            statement=text_of(entry),
            count=format_number(int(entry["votes"]), tr.locale),
            share=format_share(float(entry["agree"]), tr.locale),
        )
        if entry.get("bridging") is True:
            line += " " + tr._("Every opinion group agrees with it.")
        elif entry.get("bridging") is False:
            line += " " + tr._("The opinion groups differ on it.")
        lines.append(line)
    return lines


def compare(tr: Translator, answer: dict[str, Any]) -> Screen:
    """The answer to "How do I compare?" (``answer``: the API's ``/participant/{id}/standing``)."""
    default = answer.get("default_language")

    def text_of(entry: dict[str, Any]) -> str:
        return shorten(localized(entry.get("text"), tr.locale, default), STATEMENT_LIMIT)

    title = localized(answer.get("title"), tr.locale, default)
    blocks = [tr._("🧭 «{title}»: how you compare", title=title)]
    if not answer.get("groups"):
        blocks.append(
            tr._(
                "Opinion groups appear once enough people have voted on the proposals. "
                "Come back a little later to see where you stand."
            )
        )
    else:
        blocks.append("\n".join(where_you_stand(tr, answer.get("group"), answer.get("common") or [], text_of)))
    own = how_it_fared(tr, answer.get("own") or [], text_of)
    if own:
        blocks.append("\n".join(own))
    return Screen("\n\n".join(blocks))
