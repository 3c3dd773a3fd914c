"""/preview: a consultation as its participants will meet it, one screen at a time, nothing recorded.

The API serves each screen a participant can meet — consent, profile questions, every item (branches included,
each marked with its condition), the end — at a position; the organiser steps through them with ◀ / ▶ (any
answer button also moves on). Nothing is ever sent to the participant routes, so nothing is recorded and
nothing about the organiser's own participation changes.
"""

from __future__ import annotations

from typing import Any

from bot.backend import Backend, BackendError
from bot.flows.items import quoted as in_marks
from bot.flows.items import render_item
from bot.flows.organiser.arguments import is_language, quoted, refuse_slug, words
from bot.flows.organiser.buttons import Dismiss, PreviewStep, fits
from bot.flows.organiser.replies import MESSAGE_LIMIT, OrganiserReply, failure, say
from bot.flows.screens import Button, Screen
from bot.i18n import Translator, translator


class Previews:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def command(self, tr: Translator, args: str | None) -> OrganiserReply:
        given = words(args)
        usage = tr._("/preview <slug> [language]")
        if not given:
            return say(tr._("Usage: /preview <slug> [language]. /list shows the slugs."))
        refusal = refuse_slug(tr, given, usage, most=2)
        if refusal is not None:
            return refusal
        language = given[1] if len(given) > 1 else None
        if language is not None and not is_language(language):
            return say(
                tr._(
                    "«{text}» is not a language code such as en or uk. Usage: {usage}",
                    text=quoted(language),
                    usage=usage,
                )
            )
        return OrganiserReply(messages=[await self.screen(tr, given[0], 0, language, asked=language)])

    async def screen(
        self, tr: Translator, slug: str, position: int, language: str | None, asked: str | None = None
    ) -> Screen:
        try:
            step = await self.backend.preview(slug, position, language)
        except BackendError as error:
            return failure(tr, error, slug)
        consultation = step["consultation"]
        slug = consultation["slug"]
        if language not in consultation["languages"]:
            language = consultation["default_language"]
        if language is None or not fits(PreviewStep(slug, step["steps"], language)):  # an odd code in the file
            language = consultation["default_language"]
        participant_tr = translator(language)
        head = tr._(
            "👁 Preview of {slug} ({language}), screen {number} of {total} — nothing is recorded",
            slug=slug,
            language=language,
            number=step["position"] + 1,
            total=step["steps"],
        )
        if asked is not None and asked != language:
            head += "\n" + tr._(
                "{slug} has no «{asked}»: its languages are {languages}.",
                slug=slug,
                asked=asked,
                languages=", ".join(consultation["languages"]),
            )
        view = _participant_view(tr, participant_tr, step)
        following = step["next_position"]
        go = PreviewStep(slug, following if following is not None else step["position"], language).pack()
        buttons = [[Button(b.text, go) for b in row] for row in view.buttons] if following is not None else []
        nav = []
        if step["position"] > 0:
            nav.append(Button("◀", PreviewStep(slug, step["position"] - 1, language).pack()))
        if following is not None:
            nav.append(Button("▶", go))
        nav.append(Button("✖ " + tr._("End preview"), Dismiss("end_preview").pack()))
        return Screen(f"{head}\n\n{view.text}"[:MESSAGE_LIMIT], [*buttons, nav])

    async def on_step(self, tr: Translator, button: PreviewStep, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.screen(tr, button.slug, button.position, button.language))


def ended(tr: Translator, message_text: str | None) -> OrganiserReply:
    """End of a preview: keep the last screen, drop its buttons."""
    return OrganiserReply(edit=Screen(message_text or tr._("Preview ended.")), toast=tr._("Preview ended."))


def _participant_view(tr: Translator, ptr: Translator, step: dict[str, Any]) -> Screen:
    """The screen as the participant sees it (``ptr``: their language), with the organiser's notes (``tr``)."""
    consultation = step["consultation"]
    status = step["status"]
    if status == "consent":
        intro = f"\n\n{step['intro']}" if step.get("intro") else ""
        return Screen(
            f"{in_marks(ptr, consultation['title'])}{intro}\n\n"
            + tr._("(Then the data notice; the participant agrees to start.)"),
            [[Button("✅ " + ptr._("I agree, let's start"), "-")]],
        )
    if status == "profile":
        question = step["profile"]
        label = {"age_band": tr._("age group"), "country": tr._("country"), "region": tr._("region")}[question["field"]]
        return Screen(
            tr._("Optional profile question: {question}", question=label),
            [[Button(choice["label"], "-")] for choice in question["choices"]],
        )
    if status == "done":
        return Screen(tr._("The end: the participant is thanked and told that results will follow."))
    item = step["item"]
    notes = []
    condition = step.get("show_if")
    if condition:
        values = condition.get("any_of") if condition.get("any_of") is not None else [condition.get("equals")]
        notes.append(
            tr._(
                "↳ Shown only when {item} is {values}.",
                item=condition["item"],
                values=" / ".join(str(v) for v in values),
            )
        )
    if item["kind"] in ("proposal", "pairs"):
        notes.append(
            tr.n_("{n} proposal in the pool", "{n} proposals in the pool", step["pool"])
            + (
                " · " + tr.n_("{n} waiting for moderation", "{n} waiting for moderation", step["pending"])
                if step.get("pending")
                else ""
            )
        )
    missing = (item["kind"] == "proposal" and not step.get("proposal")) or (
        item["kind"] == "pairs" and not step.get("pair")
    )
    if missing:
        rendered = Screen(
            f"{item['prompt']}\n\n"
            + tr._("(No proposal to show yet: participants see this question once the pool has proposals.)")
        )
    else:
        rendered = render_item(ptr, step)
    text = rendered.text + ("\n\n" + "\n".join(notes) if notes else "")
    return Screen(text, rendered.buttons)
