"""/stats: a consultation's live figures, with a button to refresh them."""

from __future__ import annotations

from typing import Any

from bot.backend import Backend, BackendError
from bot.flows.items import quoted as in_marks
from bot.flows.organiser.arguments import refuse_slug, words
from bot.flows.organiser.buttons import RefreshStats
from bot.flows.organiser.replies import OrganiserReply, failure, say, status_label
from bot.flows.screens import Button, Screen
from bot.i18n import Translator
from bot.i18n.formats import format_number, format_share

PROMPT_LIMIT = 80  # characters of an item's prompt in /stats


class Figures:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def command(self, tr: Translator, args: str | None) -> OrganiserReply:
        given = words(args)
        if not given:
            return say(tr._("Usage: /stats <slug>. /list shows the slugs."))
        refusal = refuse_slug(tr, given, "/stats <slug>")
        if refusal is not None:
            return refusal
        return OrganiserReply(messages=[await self.screen(tr, given[0])])

    async def screen(self, tr: Translator, slug: str) -> Screen:
        try:
            stats = await self.backend.stats(slug, tr.locale)
        except BackendError as error:
            return failure(tr, error, slug)
        lines = [
            f"📊 {in_marks(tr, stats['title'])} ({stats['slug']}) — {status_label(tr, stats['status'])}",
            "",
            tr._("Participants: {participants}", participants=format_number(stats["participants"], tr.locale)),
            tr._("Consented: {consented}", consented=format_number(stats["consented"], tr.locale)),
            tr._(
                "Completed: {completed} ({rate} of those who consented)",
                completed=format_number(stats["completed"], tr.locale),
                rate=format_share(stats["completion_rate"], tr.locale),
            ),
        ]
        if stats.get("pending_proposals"):
            lines.append(
                tr._(
                    "Proposals waiting for moderation: {n} — /moderate {slug}",
                    n=format_number(stats["pending_proposals"], tr.locale),
                    slug=stats["slug"],
                )
            )
        lines += ["", tr._("Answers per item:")]
        lines += [
            f"{number}. "
            + tr.n_(
                "{prompt} — {n} answer",
                "{prompt} — {n} answers",
                item["answers"],
                prompt=shortened(item.get("prompt") or item["key"], PROMPT_LIMIT),
            )
            for number, item in enumerate(stats["items"], start=1)
        ]
        lines += opinion_groups(tr, stats.get("groups"))
        return Screen("\n".join(lines), [[Button("🔄 " + tr._("Refresh"), RefreshStats(stats["slug"]).pack())]])

    async def on_refresh(self, tr: Translator, button: RefreshStats, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.screen(tr, button.slug), toast=tr._("Updated ✓"))


def opinion_groups(tr: Translator, groups: dict[str, Any] | None) -> list[str]:
    """The opinion groups in short: their sizes, and one statement every group agrees with (the API shows no group
    smaller than the consultation's minimum segment size)."""
    if not groups:
        return []
    sizes = ", ".join(format_number(n, tr.locale) for n in groups["sizes"])
    lines = ["", tr.n_("{n} opinion group: {sizes}", "{n} opinion groups: {sizes}", len(groups["sizes"]), sizes=sizes)]
    if groups.get("withheld"):
        lines.append(
            tr.n_(
                "{n} more group is too small to be shown",
                "{n} more groups are too small to be shown",
                groups["withheld"],
            )
        )
    if groups.get("bridging"):
        lines.append(
            tr._(
                "Agreed across all groups: {statement}",
                statement=in_marks(tr, shortened(groups["bridging"], PROMPT_LIMIT)),
            )
        )
    return lines


def shortened(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
