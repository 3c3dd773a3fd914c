"""A budget's check before its ballot (the participant's own phone number, an invitation code) and the places
of its projects (a venue message each, asked from the ballot)."""

from __future__ import annotations

from typing import Any

from bot.backend import BackendError
from bot.flows import buttons, checks
from bot.flows.participant.conversation import Conversation, Press
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen, Venue
from bot.i18n import Translator
from bot.i18n.formats import format_currency


class Checks(Conversation):
    """Shared contacts and typed invitation codes; the projects' places."""

    async def contact(self, user: Person, phone: str, contact_user_id: int | None) -> Reply:
        """A contact shared in the chat: it passes a phone check only when it is the sender's own (Telegram
        fills ``user_id`` for the request_contact button; a contact from the address book is someone else's)."""
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        screen = await self._current_screen(participant, tr)
        if not screen or screen["status"] != "item" or screen.get("check") != "phone":
            # Not asked for: the same line as any other input the bot cannot use (bot/flows/fallback.py).
            unsupported = tr._("I can only read text and buttons here. /help shows what I can do.")
            return Reply(messages=[Screen(unsupported, remove_keyboard=True)])
        if contact_user_id != user.telegram_id:
            notice = checks.refusal(tr, "not_own_contact", {})
            return Reply(messages=checks.check_screens(tr, screen, notice))
        try:
            result = await self.backend.eligibility(
                participant["id"], screen["item"]["id"], phone=phone, then=self._then(participant, tr)
            )
        except BackendError as error:
            return self._check_refused(participant, user, tr, screen, error)
        thanks = Screen("✓ " + tr._("Thank you: your number is checked."), remove_keyboard=True)
        return Reply(messages=[thanks]).then(await self._continue(user, participant, result.get("next")))

    async def _submit_code(self, user: Person, participant: dict[str, Any], screen: dict[str, Any], text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            result = await self.backend.eligibility(
                participant["id"], screen["item"]["id"], code=text.strip()[:64], then=self._then(participant, tr)
            )
        except BackendError as error:
            return self._check_refused(participant, user, tr, screen, error)
        thanks = Screen("✓ " + tr._("Thank you: your invitation code is accepted."))
        return Reply(messages=[thanks]).then(await self._continue(user, participant, result.get("next")))

    def _check_refused(
        self, participant: dict[str, Any], user: Person, tr: Translator, screen: dict[str, Any], error: BackendError
    ) -> Reply:
        notice = checks.refusal(tr, error.code, error.extra)
        if notice is None:
            return self._refusal(participant, user, error, as_message=True)
        return Reply(messages=checks.check_screens(tr, screen, notice))

    async def _on_places(self, press: Press, button: buttons.ProjectPlaces) -> Reply:
        """ "Where are the projects?": a button for each project that has a place."""
        tr = self._tr(press.participant, press.user)
        screen = await self._screen_for_item(press.participant, tr, button.item)
        if screen is None:
            return self._stale(tr, await self._current_screen(press.participant, tr))
        rows = [
            [Button("📍 " + option["label"], buttons.ProjectPlace(button.item, position).pack())]
            for position, option in enumerate(screen["options"])
            if option.get("latitude") is not None
        ]
        return Reply(messages=[Screen(tr._("Which project's place should I show?"), rows)])

    async def _on_place(self, press: Press, button: buttons.ProjectPlace) -> Reply:
        """One project's place, as a venue named after the project (its cost where an address would be)."""
        tr = self._tr(press.participant, press.user)
        screen = await self._screen_for_item(press.participant, tr, button.item)
        options = screen["options"] if screen else []
        if button.position >= len(options) or options[button.position].get("latitude") is None:
            return self._stale(tr, await self._current_screen(press.participant, tr))
        option = options[button.position]
        currency = screen["item"]["config"].get("currency", "EUR") if screen else "EUR"
        cost = tr._("Cost: {cost}", cost=format_currency(option["cost"] or 0, currency, tr.locale))
        place = Venue(option["latitude"], option["longitude"], option["label"], cost)
        return Reply(messages=[Screen(option["label"], venue=place)])
