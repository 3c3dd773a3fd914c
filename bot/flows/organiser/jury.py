"""/jury: a consultation's citizens' jury for its organisers — the pool of volunteers, the draw of the panel with
the definition's quotas and a seed, and the panel filling up (called, accepted, declined, replaced).

``/jury <slug>`` shows it, ``/jury <slug> draw <seed>`` draws the panel and calls the drawn volunteers (the
progress of the calls comes as a broadcast's), ``/jury <slug> end`` ends the jury's work (retention counts from
then on).
"""

from __future__ import annotations

from typing import Any

from bot.backend import Backend, BackendError
from bot.flows.organiser.arguments import quoted, refuse_slug, too_many, words
from bot.flows.organiser.buttons import RefreshJury
from bot.flows.organiser.replies import OrganiserReply, failure, say
from bot.flows.screens import Button, Screen
from bot.i18n import Translator
from bot.i18n.formats import format_deadline, format_number

SEED_LIMIT = 2**63


class Juries:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def command(self, tr: Translator, args: str | None, chat_id: int) -> OrganiserReply:
        usage = tr._("/jury <slug> [draw <seed> | end]")
        given = words(args)
        if not given:
            return say(tr._("Usage: {usage}. /list shows the slugs.", usage=usage))
        refusal = refuse_slug(tr, given, usage, most=3)
        if refusal is not None:
            return refusal
        slug, rest = given[0], [word.lower() for word in given[1:]]
        try:
            if not rest:
                return OrganiserReply(messages=[self.screen(tr, await self.backend.jury_status(slug))])
            if rest[0] == "end" and len(rest) == 1:
                status = await self.backend.jury_end(slug)
                return OrganiserReply(messages=[self.screen(tr, status)])
            if rest[0] == "draw" and len(rest) == 2:
                seed = _seed(rest[1])
                if seed is None:
                    return say(tr._("«{text}» is not a seed: a whole number, e.g. 20270501.", text=quoted(given[2])))
                status = await self.backend.jury_panel(slug, seed, chat_id, tr.locale)
                return OrganiserReply(messages=[self.drawn(tr, status), self.screen(tr, status)])
        except BackendError as error:
            return OrganiserReply(messages=[self._refused(tr, error, slug)])
        return too_many(tr, given[1:], usage)

    def _refused(self, tr: Translator, error: BackendError, slug: str) -> Screen:
        if error.code == "infeasible_quotas":
            changes = [
                tr._(
                    "{category} {value}: {bound} {old} → {new}",
                    category=change["category"],
                    value=change["value"],
                    bound=change["bound"],
                    old=format_number(change["old"], tr.locale),
                    new=format_number(change["new"], tr.locale),
                )
                for change in error.extra.get("relaxations") or []
            ]
            text = tr._("No panel meets every quota of the definition with this pool. Nothing was drawn.")
            if changes:
                text += "\n" + tr._("The smallest change that would make it possible:") + "\n" + "\n".join(changes)
            return Screen(text)
        if error.code == "already_drawn":
            return Screen(
                tr._("The panel of {slug} is already drawn; freed seats are drawn again on their own.", slug=slug)
            )
        if error.code == "jury_ended":
            return Screen(tr._("The jury of {slug} has ended its work.", slug=slug))
        if error.status == 404 and "jury" in error.message:
            return Screen(tr._("{slug} has no jury in its definition.", slug=slug))
        return failure(tr, error, slug)

    def drawn(self, tr: Translator, status: dict[str, Any]) -> Screen:
        invited = status["panel"].get("invited", 0)
        return Screen(
            tr.n_(
                "⚖️ The panel is drawn ({algorithm}). {n} volunteer is called in the chat; the progress follows.",
                "⚖️ The panel is drawn ({algorithm}). {n} volunteers are called in the chat; the progress follows.",
                invited,
                algorithm=status.get("algorithm") or "",
            )
        )

    def screen(self, tr: Translator, status: dict[str, Any]) -> Screen:
        slug, panel = status["slug"], status["panel"]
        n = tr.locale

        def count(key: str) -> str:
            return format_number(panel.get(key, 0), n)

        lines = [
            tr._("⚖️ Citizens' jury of {slug}", slug=slug),
            tr._(
                "Pool: {pool} volunteers who may be contacted ({withdrawn} withdrew)",
                pool=format_number(status["pool"], n),
                withdrawn=format_number(status["withdrawn"], n),
            ),
            tr._("Panel: {size} seats", size=format_number(status["size"], n)),
        ]
        for name, values in status["quotas"]["categories"].items():
            bounds = ", ".join(f"{value} {q['min']}–{q['max']}" for value, q in values.items())
            lines.append(f"  {name}: {bounds}")
        if status["drawn"]:
            lines += [
                "",
                tr._(
                    "Accepted: {accepted} · called, no answer yet: {invited} · to contact yourself (CSV pool): "
                    "{selected}",
                    accepted=count("accepted"),
                    invited=count("invited"),
                    selected=count("selected"),
                ),
                tr._(
                    "Declined: {declined} · no answer in time: {expired} · withdrew: {withdrawn} · "
                    "replacements drawn: {replacements}",
                    declined=count("declined"),
                    expired=count("expired"),
                    withdrawn=count("withdrawn"),
                    replacements=format_number(status["replacements"], n),
                ),
            ]
        else:
            lines += ["", tr._("Not drawn yet: /jury {slug} draw <seed>", slug=slug)]
        if status.get("refill_problem"):
            lines.append(tr._("A freed seat could not be filled: {reason}", reason=status["refill_problem"]))
        if status.get("ends_at"):
            ends = format_deadline(status["ends_at"], None, n)
            lines.append(
                tr._("The jury's work ended on {date}.", date=ends)
                if status["ended"]
                else tr._("The jury's work ends on {date} (/jury {slug} end to end it now).", date=ends, slug=slug)
            )
        return Screen("\n".join(lines), [[Button("🔄 " + tr._("Refresh"), RefreshJury(slug).pack())]])

    async def on_refresh(self, tr: Translator, button: RefreshJury, message_text: str | None) -> OrganiserReply:
        try:
            status = await self.backend.jury_status(button.slug)
        except BackendError as error:
            return OrganiserReply(edit=self._refused(tr, error, button.slug))
        return OrganiserReply(edit=self.screen(tr, status), toast=tr._("Updated ✓"))


def _seed(text: str) -> int | None:
    try:
        seed = int(text)
    except ValueError:
        return None
    return seed if -SEED_LIMIT <= seed < SEED_LIMIT else None
