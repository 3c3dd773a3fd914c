"""/list, and /launch, /pause, /resume, /close: a consultation's status.

Which action applies to which consultation is the API's to say: each row of ``/organiser/consultations`` lists
the ``actions`` its status allows (from ``core.vocabulary.TRANSITIONS``), and a bare /pause offers exactly the
consultations whose row allows "pause". Closing cannot be undone, so it asks first.
"""

from __future__ import annotations

from typing import Any

from bot.backend import Backend, BackendError
from bot.flows.organiser.arguments import is_slug, refuse_slug, words
from bot.flows.organiser.buttons import ChooseStatus, ConfirmClose, Dismiss
from bot.flows.organiser.replies import OrganiserReply, chunks, failure, say, status_label
from bot.flows.screens import Button, Screen
from bot.i18n import Translator
from core.vocabulary import StatusAction


class Statuses:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def listing(self, tr: Translator) -> OrganiserReply:
        rows = await self.backend.consultations(tr.locale)
        if not rows:
            return say(tr._("No consultation yet. Send /new to upload one."))
        lines = [tr._("Consultations:")]
        for row in rows:
            lines.append(
                "• "
                + tr.n_(
                    "{slug} — «{title}» — {status}, {n} participant",
                    "{slug} — «{title}» — {status}, {n} participants",
                    row["participants"],
                    slug=row["slug"],
                    title=row["title"],
                    status=status_label(tr, row["status"]),
                )
            )
        return OrganiserReply(messages=chunks("\n".join(lines)))

    async def command(self, tr: Translator, action: StatusAction, args: str | None) -> OrganiserReply:
        given = words(args)
        if not given:
            return await self._choose(tr, action)
        refusal = refuse_slug(tr, given, f"/{action} <slug>")
        if refusal is not None:
            return refusal
        slug = given[0]
        if action == "close":
            return OrganiserReply(
                messages=[
                    Screen(
                        tr._(
                            "Close {slug}? Participants will no longer be able to answer. This cannot be undone.",
                            slug=slug,
                        ),
                        [
                            [
                                Button("🏁 " + tr._("Close it"), ConfirmClose(slug).pack()),
                                Button(tr._("Cancel"), Dismiss("cancel").pack()),
                            ]
                        ],
                    )
                ]
            )
        return OrganiserReply(messages=[await self.change(tr, slug, action)])

    async def _choose(self, tr: Translator, action: StatusAction) -> OrganiserReply:
        candidates = [
            row
            for row in await self.backend.consultations(tr.locale)
            if action in row["actions"] and is_slug(row["slug"])
        ]
        usage = f"/{action} <slug>"
        if not candidates:
            return say(tr._("Usage: {usage}. No consultation can be changed that way now.", usage=usage))
        rows = [[Button(f"{row['slug']} — {row['title']}"[:60], _choice(action, row).pack())] for row in candidates]
        return OrganiserReply(messages=[Screen(tr._("Usage: {usage}. Or choose:", usage=usage), rows)])

    async def change(self, tr: Translator, slug: str, action: StatusAction) -> Screen:
        try:
            row = await self.backend.change_status(slug, action, tr.locale)
        except BackendError as error:
            if error.code == "invalid_transition":
                return Screen(
                    tr._(
                        "{slug} is {status}: this command does not apply to it.",
                        slug=slug,
                        status=status_label(tr, error.extra.get("consultation_status", "")),
                    )
                )
            return failure(tr, error, slug)
        title, slug = row["title"], row["slug"]
        return Screen(
            {
                "launch": tr._("🚀 «{title}» is open. Share it with /link {slug}.", title=title, slug=slug),
                "pause": tr._(
                    "⏸ «{title}» is paused: participants are told it is not open right now. /resume {slug} reopens it.",
                    title=title,
                    slug=slug,
                ),
                "resume": tr._("▶️ «{title}» is open again.", title=title),
                "close": tr._("🏁 «{title}» is closed. /stats {slug} shows the final figures.", title=title, slug=slug),
            }[action]
        )

    async def on_choice(self, tr: Translator, button: ChooseStatus, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.change(tr, button.slug, button.action))

    async def on_close(self, tr: Translator, button: ConfirmClose, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.change(tr, button.slug, "close"))


def _choice(action: StatusAction, row: dict[str, Any]) -> ChooseStatus | ConfirmClose:
    """A consultation offered by a bare command: closing it straight from the list, like the others."""
    return ConfirmClose(row["slug"]) if action == "close" else ChooseStatus(action, row["slug"])
