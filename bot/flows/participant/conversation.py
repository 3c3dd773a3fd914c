"""The participant's conversation, the part every screen shares: who pressed, the participant's language, the
next screen and how it is drawn, how a recorded answer and a refused one are told.

All state lives in the backend, so a restart of the bot loses nothing and any front end could resume.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from bot.backend import Backend, BackendError
from bot.flows import buttons, checks
from bot.flows.items import quoted, render_item
from bot.flows.jury import offer_line, volunteer_button
from bot.flows.known import KnownParticipants
from bot.flows.language import reader_translator
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen
from bot.flows.standing import compare_button
from bot.i18n import SUPPORTED, Translator, language_name
from bot.i18n.formats import format_deadline, format_number


def whole(value: object, default: int) -> int:
    """A count from an error's details, or ``default`` when the backend did not send one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def length_hint(tr: Translator, low: object, high: object) -> str:
    """'Please write 1 to 280 characters.' with the plural form of the upper bound (CLDR)."""
    return tr.n_(
        "Please write {low} to {n} character.",
        "Please write {low} to {n} characters.",
        whole(high, 1000),
        low=format_number(whole(low, 1), tr.locale),
    )


@dataclass(frozen=True)
class Press:
    """One button press: who, and what Telegram told of the message (either may be missing)."""

    user: Person
    participant: dict[str, Any]
    pressed: str | None
    message_text: str | None


class Conversation:
    """What the screens of the participant flow share (the flow itself: ``bot.flows.participant.ParticipantFlow``)."""

    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language
        self.known = known

    async def _open_list(self, participant: dict[str, Any], tr: Translator, notice: str | None = None) -> Reply:
        """The open consultations as buttons (the current one marked), under ``notice`` when there is one."""
        open_now = await self.backend.open_consultations(tr.locale)
        above = f"{notice}\n\n" if notice else ""
        if not open_now:
            return Reply(
                messages=[
                    Screen(
                        above
                        + tr._(
                            "No consultation is open right now. "
                            "We will be glad to hear from you when the next one starts."
                        )
                    )
                ]
            )
        current = participant.get("current_consultation")
        rows = [
            [Button(("▶ " if c["slug"] == current else "") + c["title"], buttons.Switch(c["slug"]).pack())]
            for c in open_now
        ]
        return Reply(messages=[Screen(above + tr._("Open consultations — choose one:"), rows)])

    async def _record(self, press: Press, label: str | None, request: Awaitable[dict[str, Any]]) -> Reply:
        """``label``: what the answer was, for the "✓" line (None when only the pressed button knew it)."""
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        result = await request
        if not result.get("created", True) and not (user.redelivered and result.get("next")):
            # An old button pressed again: the vote is already stored; nothing new to show. (When Telegram
            # delivers a failed update again, the first attempt stored the vote but never replied: reply now.)
            return Reply(toast=tr._("Already recorded. ✓"))
        return Reply(edit=self._answered(press, label), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next"))
        )

    def _refusal(
        self, participant: dict[str, Any], user: Person, error: BackendError, as_message: bool = False
    ) -> Reply:
        tr = self._tr(participant, user)
        if error.code in ("already_answered", "already_voted", "already_qualified"):
            text = tr._("You have already answered this one.")
        elif error.code == "not_open":
            text = tr._("This consultation is not open right now.")
        elif error.code == "no_consent":
            text = tr._("Please read and accept the consultation's terms first: /start shows them.")
        elif error.status in (400, 404, 409, 422):
            text = tr._("This button is no longer active.")
        else:
            raise error
        return Reply(messages=[Screen(text)]) if as_message else Reply(toast=text, alert=error.code == "not_open")

    @staticmethod
    def _stale(tr: Translator, screen: dict[str, Any] | None) -> Reply:
        """A button for a screen that is not the current one: say why, in the participant's words."""
        status = screen["status"] if screen else None
        if status == "consent":
            return Reply(toast=tr._("Please read and accept the consultation's terms first: /start shows them."))
        if status == "not_open":
            return Reply(toast=tr._("This consultation is not open right now."), alert=True)
        if status is None:
            return Reply(toast=tr._("This button is no longer active."))
        return Reply(toast=tr._("You have already answered this one."))

    async def _current_screen(self, participant: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
        slug = await self._current_slug(participant)
        return await self.backend.next(participant["id"], slug, tr.locale) if slug else None

    def _inactive(self, participant: dict[str, Any], user: Person) -> Reply:
        return Reply(toast=self._tr(participant, user)._("This button is no longer active."))

    async def _current_slug(self, participant: dict[str, Any]) -> str | None:
        return participant.get("current_consultation")

    async def _screen_for_item(
        self, participant: dict[str, Any], tr: Translator, item_id: int
    ) -> dict[str, Any] | None:
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if not screen or screen["status"] != "item" or screen["item"]["id"] != item_id:
            return None
        return screen

    @staticmethod
    def _then(participant: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
        """Ask a write to return the next screen as well: one backend request per button press."""
        slug = participant.get("current_consultation")
        return {"next": slug, "lang": tr.locale} if slug else None

    def _then_for(self, press: Press) -> dict[str, Any] | None:
        return self._then(press.participant, self._tr(press.participant, press.user))

    async def _continue(self, user: Person, participant: dict[str, Any], screen: dict[str, Any] | None = None) -> Reply:
        """Show whatever the participant should see next in their current consultation (``screen`` when the
        write that came before already returned it)."""
        slug = participant.get("current_consultation")
        tr = self._tr(participant, user)
        if screen is not None:
            return Reply(messages=self._screens(tr, screen))
        if slug is None:
            open_now = await self.backend.open_consultations(tr.locale)
            if not open_now:
                return Reply(
                    messages=[
                        Screen(
                            tr._(
                                "No consultation is open right now. "
                                "We will be glad to hear from you when the next one starts."
                            )
                        )
                    ]
                )
            slug = open_now[0]["slug"]
            await self.backend.enrol(participant["id"], slug)
            self.known.moved(user.external_id, participant, slug)
        screen = await self.backend.next(participant["id"], slug, tr.locale)
        return Reply(messages=self._screens(tr, screen))

    def _screens(self, tr: Translator, screen: dict[str, Any]) -> list[Screen]:
        """The messages of a screen: one, or two where a budget's check asks with the contact button."""
        if screen["status"] == "item" and screen.get("check"):
            return checks.check_screens(tr, screen)
        return [self._render(tr, screen)]

    def _render(self, tr: Translator, screen: dict[str, Any]) -> Screen:
        title = screen["consultation"]["title"]
        status = screen["status"]
        if status == "not_open":
            return Screen(tr._("«{title}» is not open right now. /consultations shows what is open.", title=title))
        if status == "consent":
            return self._consent(tr, screen)
        if status == "profile":
            return self._profile(tr, screen["profile"])
        if status == "done":
            count, slug = screen["answers_count"], screen["consultation"]["slug"]
            return Screen(
                tr.n_(
                    "Thank you! You gave {n} answer in «{title}».",
                    "Thank you! You gave {n} answers in «{title}».",
                    count,
                    title=title,
                )
                + "\n\n"
                + tr._("We will send you the results when the consultation closes.")
                + ("\n\n" + offer_line(tr) if screen.get("jury") else ""),
                [[compare_button(tr, slug)]] + ([[volunteer_button(tr, slug)]] if screen.get("jury") else []),
            )
        if screen.get("check"):
            return checks.check_screens(tr, screen)[0]
        return render_item(tr, screen)

    def _profile(self, tr: Translator, question: dict[str, Any]) -> Screen:
        field = question["field"]
        prompt = {
            "age_band": tr._("How old are you?"),
            "country": tr._("Which country do you live in?"),
            "region": tr._("Which region or city do you live in?"),
        }[field]
        rows = [
            [Button(choice["label"], buttons.ProfileAnswer(field, position).pack())]
            for position, choice in enumerate(question["choices"])
        ]
        rows.append([Button(tr._("I'd rather not say"), buttons.ProfileSkip(field).pack())])
        return Screen(prompt + "\n\n" + tr._("(Optional: it only helps compare groups in the results.)"), rows)

    def _consent(self, tr: Translator, screen: dict[str, Any]) -> Screen:
        consultation = screen["consultation"]
        intro = f"{screen['intro']}\n\n" if screen.get("intro") else ""
        closes = ""
        if consultation.get("closes_at"):
            closes = (
                tr._(
                    "You can answer until {date}.",
                    date=format_deadline(consultation["closes_at"], consultation.get("time_zone"), tr.locale),
                )
                + "\n\n"
            )
        text = f"{quoted(tr, consultation['title'])}\n\n{intro}{closes}" + tr._(
            "Before we start: we store your answers, your language and an anonymous number that links "
            "your answers together. Your Telegram id is kept apart, only to send you the results. "
            "Published results never show who you are. You can delete your data at any time with /forget."
        )
        text = "\n\n".join([text, *checks.consent_lines(tr, screen.get("asks") or [])])
        return Screen(
            text, [[Button("✅ " + tr._("I agree, let's start"), buttons.Consent(consultation["slug"]).pack())]]
        )

    def _language_picker(self, user: Person, participant: dict[str, Any], notice: str | None = None) -> Screen:
        """Languages, the one in use first and ticked: the one chosen, else the app's, else the default.
        Someone who has not chosen one yet is meeting the bot: they are greeted first, not met with a bare
        "Choose your language:"."""
        tr = self._tr(participant, user)
        detected = tr.locale
        rows = [
            [Button(("✓ " if code == detected else "") + language_name(code), buttons.Language(code).pack())]
            for code in sorted(SUPPORTED, key=lambda c: (c != detected, c))
        ]
        above = [notice] if notice else []
        if participant.get("language") is None:
            above.append(
                "👋 "
                + tr._(
                    "Hello! I am viche, the bot of public consultations: you answer a few "
                    "questions and say what you think of proposals, anonymously."
                )
            )
        return Screen("\n\n".join([*above, tr._("Choose your language:")]), rows)

    @staticmethod
    def _answered(press: Press, label: str | None) -> Screen:
        """The pressed message, answered: its text with "✓ answer" and no buttons. Without its text (an
        InaccessibleMessage) only the buttons go: nothing is written where the text or the answer is unknown."""
        if not press.message_text:
            return Screen("", keep_text=True)
        return Screen(f"{press.message_text}\n\n✓ {label}" if label else press.message_text)

    def _tr(self, participant: dict[str, Any], user: Person) -> Translator:
        return reader_translator(participant.get("language"), user, self.default_language)
