"""What a participant reads of a citizens' jury: the invitation to volunteer at the end of a consultation, its
questions (each explained), the confirmation that they may be contacted, their seat once drawn, and the jury
call the delivery engine sends to a drawn volunteer (Accept / Decline and a deadline).

Screens are drawn from the API's jury screen (``api/jury/volunteering.py``), already in the reader's language.
"""

from __future__ import annotations

from typing import Any

from bot.flows import buttons
from bot.flows.screens import Button, Screen
from bot.flows.texts import localized
from bot.i18n import Translator
from bot.i18n.formats import format_deadline, format_number


def volunteer_button(tr: Translator, slug: str) -> Button:
    return Button(tr._("⚖️ Volunteer for the citizens' jury"), buttons.JuryStart(slug).pack())


def offer_line(tr: Translator) -> str:
    """Under the thanks of a consultation that recruits a jury."""
    return tr._(
        "This consultation also recruits a citizens' jury, drawn by lottery from volunteers. "
        "Would you like to be one of them?"
    )


def _details(tr: Translator, dates: str, place: str, compensation: str) -> str:
    return "\n".join(
        [
            tr._("When: {dates}", dates=dates),
            tr._("Where: {place}", place=place),
            tr._("Compensation: {compensation}", compensation=compensation),
        ]
    )


def _reply_buttons(tr: Translator, slug: str) -> list[list[Button]]:
    return [
        [
            Button(tr._("✅ Accept"), buttons.JuryReply(slug, "accept").pack()),
            Button(tr._("✖️ Decline"), buttons.JuryReply(slug, "decline").pack()),
        ]
    ]


def _seat(tr: Translator, screen: dict[str, Any], time_zone: str | None) -> tuple[str, list[list[Button]]]:
    seat = screen.get("seat") or {}
    state = seat.get("state")
    if state == "invited":
        deadline = format_deadline(seat["deadline"], time_zone, tr.locale) if seat.get("deadline") else ""
        return (
            tr._("You were drawn by lottery! Please answer by {deadline}.", deadline=deadline),
            _reply_buttons(tr, screen["slug"]),
        )
    if state == "accepted":
        return tr._("You accepted your seat on the jury. The organisers will contact you with the details."), []
    if state == "declined":
        return tr._("You declined your seat; another volunteer was drawn in your place."), []
    if state == "expired":
        return tr._("The time to answer has passed; your seat went to another volunteer."), []
    return tr._("If you are drawn by lottery, I will write to you here."), []


def jury_screen(tr: Translator, screen: dict[str, Any]) -> Screen:
    """The participant's jury screen for the API's ``status``: offer, question, confirm, volunteered,
    withdrawn or ended."""
    slug, status = screen["slug"], screen["status"]
    head = tr._("⚖️ Citizens' jury of «{title}»", title=screen["title"])
    if status == "ended":
        return Screen(head + "\n\n" + tr._("The jury has ended its work. Thank you for your interest."))
    if status == "withdrawn":
        return Screen(
            head + "\n\n" + tr._("You withdrew: you will not be drawn, and your answers are no longer used."),
            [[Button(tr._("Volunteer again"), buttons.JuryStart(slug).pack())]],
        )
    details = _details(tr, screen["dates"], screen["place"], screen["compensation"])
    withdraw = [Button(tr._("Withdraw"), buttons.JuryWithdraw(slug).pack())]
    if status in ("offer", "question") and screen.get("question"):
        question = screen["question"]
        intro = tr._(
            "The jury is drawn by lottery from the volunteers so that it looks like the population. "
            "These questions are only used for that."
        )
        asked = tr._(
            "Question {number} of {total}: {question}",
            number=format_number(question["index"] + 1, tr.locale),
            total=format_number(screen["questions"], tr.locale),
            question=question["text"],
        )
        rows = [
            [Button(label, buttons.JuryAnswer(slug, question["index"], position).pack())]
            for position, label in enumerate(question["options"])
        ]
        if question["optional"]:
            rows.append([Button(tr._("I'd rather not say"), buttons.JurySkip(slug, question["index"]).pack())])
        text = f"{head}\n\n{details}\n\n{intro}\n\n{asked}\n{question['explanation']}"
        return Screen(text, [*rows, withdraw])
    if status == "confirm":
        unsaid, yours = tr._("rather not say"), tr._("Your answers:")
        answers = "\n".join(f"• {row['question']} — {row['answer'] or unsaid}" for row in screen["answers"])
        text = f"{head}\n\n{yours}\n{answers}\n\n" + tr._(
            "May the organisers contact you here, in Telegram, if you are drawn? "
            "You can withdraw at any time, or delete everything with /forget."
        )
        return Screen(text, [[Button(tr._("Yes, you may contact me"), buttons.JuryConfirm(slug).pack())], withdraw])
    said, rows = _seat(tr, screen, screen.get("time_zone"))
    thanks = tr._("You volunteered. Thank you!")
    text = f"{head}\n\n{thanks}\n{details}\n\n{said}\n\n" + tr._(
        "You can withdraw at any time, or delete everything with /forget."
    )
    return Screen(text, [*rows, withdraw])


def jury_call(tr: Translator, content: dict[str, Any]) -> Screen:
    """The jury call the delivery engine sends to a drawn volunteer, in their language."""
    locale, default = tr.locale, content.get("default_language")
    title = localized(content.get("title"), locale, default)
    details = _details(
        tr,
        localized(content.get("dates"), locale, default),
        localized(content.get("place"), locale, default),
        localized(content.get("compensation"), locale, default),
    )
    deadline = format_deadline(content["deadline"], content.get("time_zone"), locale)
    text = (
        tr._("⚖️ You were drawn by lottery for the citizens' jury of «{title}»!", title=title)
        + f"\n\n{details}\n\n"
        + tr._(
            "Please answer by {deadline}. If you decline or do not answer, another volunteer is drawn in your place.",
            deadline=deadline,
        )
    )
    return Screen(text, _reply_buttons(tr, content["slug"]))


def reply_toast(tr: Translator, outcome: str) -> str:
    """What a press of Accept or Decline did (a second press of the same button changes nothing)."""
    if outcome == "accepted":
        return tr._("Thank you! Your seat is confirmed.")
    if outcome == "declined":
        return tr._("Noted: you declined.")
    if outcome == "already_expired":
        return tr._("The time to answer has passed; your seat went to another volunteer.")
    if outcome.startswith("already_"):
        return tr._("Your answer is already recorded.")
    return tr._("This button is no longer active.")
