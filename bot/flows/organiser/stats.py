"""/stats: a consultation's live figures, with a button to refresh them."""

from __future__ import annotations

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
        return Screen("\n".join(lines), [[Button("🔄 " + tr._("Refresh"), RefreshStats(stats["slug"]).pack())]])

    async def on_refresh(self, tr: Translator, button: RefreshStats, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.screen(tr, button.slug), toast=tr._("Updated ✓"))


def shortened(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
