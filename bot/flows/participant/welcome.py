"""Meeting the participant: /start and its deep link, the language, consent, the optional profile questions,
the list of open consultations and switching between them, /help."""

from __future__ import annotations

from bot.backend import BackendError
from bot.flows import buttons
from bot.flows.deeplink import parse_payload
from bot.flows.menu import command_descriptions
from bot.flows.participant.conversation import Conversation, Press
from bot.flows.person import Person
from bot.flows.screens import Reply, Screen
from bot.i18n import language_name, translator


class Welcome(Conversation):
    """Commands, the language, consent, the profile questions and switching consultations."""

    async def start(self, user: Person, payload: str | None = None) -> Reply:
        participant = await self.known.identify(user.external_id)
        slug, source = parse_payload(payload)
        tr = self._tr(participant, user)
        if slug:
            try:
                await self.backend.enrol(participant["id"], slug, source)
                self.known.moved(user.external_id, participant, slug)
            except BackendError as error:
                if error.status != 404 and error.code != "not_open":
                    raise
                # A link to nothing (mistyped, deleted) or to a consultation that is closed: say so, then
                # show what is open, not whatever the participant was doing before.
                closed = error.code == "not_open"
                notice = (
                    tr._("This consultation is not open right now.")
                    if closed
                    else tr._("This consultation link is not valid any more.")
                )
                if participant["language"] is None:
                    return Reply(messages=[self._language_picker(user, participant, notice)])
                return await self._open_list(participant, tr, notice)
        if participant["language"] is None:
            return Reply(messages=[self._language_picker(user, participant)])
        return await self._continue(user, participant)

    async def choose_language_menu(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        return Reply(messages=[self._language_picker(user, participant)])

    async def help(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        intro = tr._(
            "I run public consultations: you answer a few questions, say what you think of proposals "
            "and compare ideas two at a time. Your answers are anonymous in the results."
        )
        commands = "\n".join(f"/{name} — {text}" for name, text in command_descriptions(tr))
        return Reply(messages=[Screen(f"{intro}\n\n{commands}")])

    async def consultations(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        return await self._open_list(participant, self._tr(participant, user))

    async def unknown_command(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        return Reply(
            messages=[Screen(self._tr(participant, user)._("I don't know this command. /help lists what I can do."))]
        )

    async def _on_language(self, press: Press, button: buttons.Language) -> Reply:
        participant = await self.backend.set_language(press.participant["id"], button.code)
        self.known.remember(press.user.external_id, participant)
        edit = Screen(translator(button.code)._("Language: {language}", language=language_name(button.code)))
        return Reply(edit=edit).then(await self._continue(press.user, participant))

    async def _on_consent(self, press: Press, button: buttons.Consent) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        was_current = participant.get("current_consultation") == button.slug
        participant["current_consultation"] = button.slug  # the next screen asked for comes from this one
        result = await self.backend.consent(participant["id"], button.slug, then=self._then(participant, tr))
        self.known.moved(user.external_id, participant, button.slug)
        edit = self._answered(press, "✅ " + tr._("I agree, let's start"))
        if was_current and not result.get("consented_now", True) and not user.redelivered:
            # An old consent button: the questions it started are already in the chat, with their buttons.
            return Reply(edit=edit, toast=tr._("You have already agreed. ✓"))
        return Reply(edit=edit).then(await self._continue(user, participant, result.get("next")))

    async def _on_switch(self, press: Press, button: buttons.Switch) -> Reply:
        await self.backend.enrol(press.participant["id"], button.slug)
        self.known.moved(press.user.external_id, press.participant, button.slug)
        return await self._continue(press.user, press.participant)

    async def _on_profile(self, press: Press, button: buttons.ProfileAnswer | buttons.ProfileSkip) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if slug is None or not screen or screen["status"] != "profile" or screen["profile"]["field"] != button.field:
            return self._stale(tr, screen)
        choices = screen["profile"]["choices"]
        if isinstance(button, buttons.ProfileSkip):
            value, label = None, tr._("I'd rather not say")
        elif 0 <= button.choice < len(choices):
            value, label = choices[button.choice]["key"], choices[button.choice]["label"]
        else:
            return self._inactive(participant, user)
        await self.backend.profile(participant["id"], slug, button.field, value)
        return Reply(edit=self._answered(press, label)).then(await self._continue(user, participant))
