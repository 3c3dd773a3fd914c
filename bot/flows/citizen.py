"""The citizen's conversation: language, consent, profile, then the consultation's items one screen at a time.

All state lives in the backend, so a restart of the bot loses nothing and any front end could resume.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.backend import Backend, BackendError
from bot.flows import buttons, callbacks
from bot.flows.buttons import CANT_DECIDE_REASONS, QUALIFICATIONS
from bot.flows.deeplink import parse_payload
from bot.flows.known import KnownParticipants
from bot.flows.menu import command_descriptions
from bot.flows.person import Person
from bot.flows.items import (choice_label, most_choices, qualification_label, quoted, reason_label, render_item,
                             side_label)
from bot.flows.screens import Button, Reply, Screen
from bot.i18n import SUPPORTED, Translator, language_name, resolve_locale, translator
from bot.i18n.formats import format_deadline, format_number


def _whole(value: object, default: int) -> int:
    """A count from an error's details, or ``default`` when the backend did not send one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _length_hint(tr: Translator, low: object, high: object) -> str:
    """'Please write 1 to 280 characters.' with the plural form of the upper bound (CLDR)."""
    return tr.n_("Please write {low} to {n} character.", "Please write {low} to {n} characters.",
                 _whole(high, 1000), low=format_number(_whole(low, 1), tr.locale))


@dataclass(frozen=True)
class _Press:
    """One button press: who, and what Telegram told of the message (either may be missing)."""

    user: Person
    participant: dict
    pressed: str | None
    message_text: str | None


class CitizenFlow:
    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language
        self.known = known

    # ---- commands -----------------------------------------------------------------------------

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
                notice = (tr._("This consultation is not open right now.") if closed
                          else tr._("This consultation link is not valid any more."))
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
        intro = tr._("I run public consultations: you answer a few questions, say what you think of proposals "
                     "and compare ideas two at a time. Your answers are anonymous in the results.")
        commands = "\n".join(f"/{name} — {text}" for name, text in command_descriptions(tr))
        return Reply(messages=[Screen(f"{intro}\n\n{commands}")])

    async def consultations(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        return await self._open_list(participant, self._tr(participant, user))

    async def _open_list(self, participant: dict, tr: Translator, notice: str | None = None) -> Reply:
        """The open consultations as buttons (the current one marked), under ``notice`` when there is one."""
        open_now = await self.backend.open_consultations(tr.locale)
        above = f"{notice}\n\n" if notice else ""
        if not open_now:
            return Reply(messages=[Screen(above + tr._("No consultation is open right now. "
                                                       "We will be glad to hear from you when the next one starts."))])
        current = participant.get("current_consultation")
        rows = [[Button(("▶ " if c["slug"] == current else "") + c["title"], buttons.Switch(c["slug"]).pack())]
                for c in open_now]
        return Reply(messages=[Screen(above + tr._("Open consultations — choose one:"), rows)])

    async def unknown_command(self, user: Person) -> Reply:
        participant = await self.known.identify(user.external_id)
        return Reply(messages=[Screen(self._tr(participant, user)._("I don't know this command. /help lists what I can do."))])

    # ---- typed input --------------------------------------------------------------------------

    async def text(self, user: Person, text: str) -> Reply:
        participant = await self.known.identify(user.external_id)
        if participant["language"] is None:
            return Reply(messages=[self._language_picker(user, participant)])
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        if slug is None:
            return await self._continue(user, participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale)
        awaiting = screen.get("awaiting") or ""
        if awaiting.startswith("proposal:"):
            return await self._submit_proposal(user, participant, int(awaiting.split(":")[1]), text)
        if awaiting.startswith("comment:"):
            return await self._submit_comment(user, participant, int(awaiting.split(":")[1]), text)
        if screen["status"] == "done":
            # Nothing left to answer here: no "use the buttons" above a message that has none.
            title = quoted(tr, screen["consultation"]["title"])
            return Reply(messages=[Screen(tr._("You have answered every question in {title}. Thank you! "
                                               "/consultations shows what else is open.", title=title))])
        if screen["status"] == "not_open":
            return Reply(messages=[self._render(tr, screen)])
        if screen["status"] == "item" and screen["item"]["kind"] == "place":
            return Reply(messages=[Screen(tr._("Please send a location (📎 → Location), or press Skip."))]).then(
                Reply(messages=[self._render(tr, screen)]))
        if screen["status"] == "item" and screen["item"]["kind"] == "free_text":
            item = screen["item"]
            try:
                result = await self.backend.answer(participant["id"], item["id"], value=text,
                                                   then=self._then(participant, tr))
            except BackendError as error:
                if error.code != "invalid_length":
                    return self._refusal(participant, user, error)
                return Reply(messages=[Screen(_length_hint(tr, error.extra.get("min"), error.extra.get("max")))])
            return Reply(messages=[Screen("✓ " + tr._("Saved"))]).then(
                await self._continue(user, participant, result.get("next")))
        hint = Screen(tr._("Please answer with the buttons under the message. 👇"))
        return Reply(messages=[hint, self._render(tr, screen)])

    async def location(self, user: Person, latitude: float, longitude: float) -> Reply:
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if not screen or screen["status"] != "item" or screen["item"]["kind"] != "place":
            return Reply(messages=[Screen(tr._("I was not expecting a location here."))]).then(
                await self._continue(user, participant))
        item = screen["item"]
        try:
            await self.backend.answer(participant["id"], item["id"],
                                      value={"latitude": latitude, "longitude": longitude})
        except BackendError as error:
            return self._refusal(participant, user, error, as_message=True)
        if item["config"].get("allow_comment", True):
            await self.backend.set_awaiting(participant["id"], slug, f"comment:{item['id']}")
            return Reply(messages=[Screen(tr._("Got the place ✓ Add a short comment about it, or skip."),
                                          [[Button(tr._("Skip"), buttons.SkipComment(item["id"]).pack())]])])
        return await self._continue(user, participant)

    # ---- buttons ------------------------------------------------------------------------------

    async def callback(self, user: Person, data: str | None, pressed: str | None = None,
                       message_text: str | None = None) -> Reply:
        """A button press, understood from its data and our own state. ``pressed`` (the button's label) and
        ``message_text`` (the message it sat under) only dress up the edit: Telegram sends neither for a
        message older than 48 hours (an InaccessibleMessage), and a compatible server may leave out the keyboard."""
        participant = await self.known.identify(user.external_id)
        button = callbacks.unpack(data)
        handler = self._handlers.get(type(button))
        if handler is None:
            return self._inactive(participant, user)
        press = _Press(user, participant, pressed, message_text)
        try:
            return await handler(self, press, button)
        except BackendError as error:
            return self._refusal(participant, user, error)

    async def _on_language(self, press: "_Press", button: buttons.Language) -> Reply:
        participant = await self.backend.set_language(press.participant["id"], button.code)
        self.known.remember(press.user.external_id, participant)
        edit = Screen(translator(button.code)._("Language: {language}", language=language_name(button.code)))
        return Reply(edit=edit).then(await self._continue(press.user, participant))

    async def _on_consent(self, press: "_Press", button: buttons.Consent) -> Reply:
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

    async def _on_switch(self, press: "_Press", button: buttons.Switch) -> Reply:
        await self.backend.enrol(press.participant["id"], button.slug)
        self.known.moved(press.user.external_id, press.participant, button.slug)
        return await self._continue(press.user, press.participant)

    async def _on_profile(self, press: "_Press", button: buttons.ProfileAnswer | buttons.ProfileSkip) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if not screen or screen["status"] != "profile" or screen["profile"]["field"] != button.field:
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

    async def _on_option(self, press: "_Press", button: buttons.Option) -> Reply:
        return await self._record(press, press.pressed, self.backend.answer(
            press.participant["id"], button.item, option_id=button.option, then=self._then_for(press)))

    async def _on_scale(self, press: "_Press", button: buttons.Scale) -> Reply:
        return await self._record(press, str(button.value), self.backend.answer(
            press.participant["id"], button.item, value=button.value, then=self._then_for(press)))

    async def _on_skip(self, press: "_Press", button: buttons.SkipItem) -> Reply:
        return await self._record(press, self._tr(press.participant, press.user)._("Skip"), self.backend.answer(
            press.participant["id"], button.item, value=None, then=self._then_for(press)))

    async def _on_toggle(self, press: "_Press", button: buttons.Toggle | buttons.BudgetToggle) -> Reply:
        """Multiple-choice and budget selections live in the buttons themselves until Done is pressed."""
        tr = self._tr(press.participant, press.user)
        screen = await self._screen_for_item(press.participant, tr, button.item)
        if screen is None:
            return self._stale(tr, await self._current_screen(press.participant, tr))
        options = screen["options"]
        selected = set(button.selected)
        if any(p >= len(options) for p in selected):
            return self._inactive(press.participant, press.user)
        if isinstance(button, buttons.BudgetToggle):
            spent = sum(options[p]["cost"] or 0 for p in selected)
            if spent > screen["item"]["config"]["total"]:
                return Reply(toast=tr._("That does not fit in the budget. Remove a project first."), alert=True)
        else:
            limit = most_choices(screen["item"], len(options))
            if len(selected) > limit:
                return Reply(toast=tr.n_("You can choose up to {n} option. Untick one first.",
                                         "You can choose up to {n} options. Untick one first.", limit), alert=True)
        return Reply(edit=render_item(tr, screen, selected))

    async def _on_toggles_done(self, press: "_Press", button: buttons.ToggleDone | buttons.BudgetDone) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        screen = await self._screen_for_item(participant, tr, button.item)
        if screen is None:
            return self._stale(tr, await self._current_screen(participant, tr))
        if any(p >= len(screen["options"]) for p in button.selected):
            return self._inactive(participant, user)
        chosen = [screen["options"][p] for p in sorted(button.selected)]
        try:
            result = await self.backend.answer(participant["id"], button.item, value=[o["id"] for o in chosen],
                                               then=self._then(participant, tr))
        except BackendError as error:
            if error.code == "invalid_count":
                high = _whole(error.extra.get("max"), len(screen["options"]))
                return Reply(toast=tr.n_("Choose from {low} to {n} option.", "Choose from {low} to {n} options.",
                                         high, low=format_number(_whole(error.extra.get("min"), 0), tr.locale)),
                             alert=True)
            if error.code in ("empty_ballot", "over_budget"):
                return Reply(toast=tr._("Pick at least one project that fits in the budget."), alert=True)
            raise
        summary = ", ".join(o["label"] for o in chosen) or "—"
        # The question as it stood, from our own state when Telegram did not send the message's text.
        text = press.message_text or render_item(tr, screen, set(button.selected)).text
        return Reply(edit=Screen(f"{text}\n\n✓ {summary}"), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next")))

    async def _on_vote(self, press: "_Press", button: buttons.Vote) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        label = choice_label(tr, button.choice)
        result = await self.backend.vote(participant["id"], button.proposal, button.choice,
                                         then=self._then(participant, tr))
        if not result["created"] and not (user.redelivered and result.get("next")):
            return Reply(toast=tr._("Already recorded. ✓"))
        if not result.get("asks_qualification") or not result["created"]:
            return Reply(edit=self._answered(press, label), toast=tr._("Saved ✓")).then(
                await self._continue(user, participant, result.get("next")))
        why = tr._("Why? (optional)")
        rows = [[Button(qualification_label(tr, q), buttons.Qualify(button.proposal, button.choice, q).pack())]
                for q in QUALIFICATIONS[button.choice]]
        rows.append([Button(tr._("Skip"), buttons.QualifySkip(button.proposal, button.choice).pack())])
        if press.message_text:
            return Reply(edit=Screen(f"{press.message_text}\n\n✓ {label}\n\n{why}", rows), toast=tr._("Saved ✓"))
        # The proposal's message cannot be rewritten without its text: its buttons go, the question comes below.
        return Reply(edit=self._answered(press, label), messages=[Screen(f"✓ {label}\n\n{why}", rows)],
                     toast=tr._("Saved ✓"))

    async def _on_qualification(self, press: "_Press", button: buttons.Qualify | buttons.QualifySkip) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        qualification = button.qualification if isinstance(button, buttons.Qualify) else None
        label = qualification_label(tr, qualification) if qualification else None
        # Skipping the "why?" repeats the vote too: the API checks that it is this participant's (a forged
        # button is refused like any vote) and returns the next screen in the same request.
        result = await self.backend.vote(participant["id"], button.proposal, button.choice, qualification,
                                         then=self._then(participant, tr))
        if qualification and not result.get("qualified_now", True) and not press.user.redelivered:
            # The same "why?" pressed twice (a double tap): the next screen is already on its way.
            return Reply(toast=tr._("Already recorded. ✓"))
        screen = result.get("next")
        edit = Screen("", keep_text=True)
        if press.message_text:
            asked = press.message_text.rsplit("\n\n", 1)[0]  # the "Why?" line goes, the answer takes its place
            edit = Screen(f"{asked}\n\n✓ {label}" if label else asked)
        return Reply(edit=edit).then(await self._continue(user, participant, screen))

    async def _on_pair(self, press: "_Press", button: buttons.Pair) -> Reply:
        tr = self._tr(press.participant, press.user)
        return await self._record(press, side_label(tr, button.side), self.backend.answer_pair(
            press.participant["id"], button.token, button.side, then=self._then(press.participant, tr)))

    async def _on_pair_undecided(self, press: "_Press", button: buttons.PairUndecided) -> Reply:
        tr = self._tr(press.participant, press.user)
        # Nothing is stored yet, so the pair must be the one on the participant's screen now (a forged or old
        # button is refused here); its text comes from there when Telegram did not send the message's.
        screen = await self._current_screen(press.participant, tr)
        if not screen or (screen.get("pair") or {}).get("token") != button.token:
            return self._stale(tr, screen)
        text = press.message_text or render_item(tr, screen).text
        rows = [[Button(reason_label(tr, r), buttons.PairReason(button.token, r).pack())] for r in CANT_DECIDE_REASONS]
        return Reply(edit=Screen(f"{text}\n\n" + tr._("Why can't you decide?"), rows))

    async def _on_pair_reason(self, press: "_Press", button: buttons.PairReason) -> Reply:
        tr = self._tr(press.participant, press.user)
        label = reason_label(tr, button.reason)
        if press.message_text:  # the "Why can't you decide?" line goes, the reason takes its place
            press = _Press(press.user, press.participant, press.pressed, press.message_text.rsplit("\n\n", 1)[0])
        return await self._record(press, label, self.backend.answer_pair(
            press.participant["id"], button.token, "cant_decide", button.reason,
            then=self._then(press.participant, tr)))

    async def _on_new_proposal(self, press: "_Press", button: buttons.NewProposal) -> Reply:
        tr = self._tr(press.participant, press.user)
        slug = await self._current_slug(press.participant)
        if slug is None:
            return self._inactive(press.participant, press.user)
        await self.backend.set_awaiting(press.participant["id"], slug, f"proposal:{button.item}")
        return Reply(messages=[Screen(tr._("Write your proposal in one message: one idea, 12 to 280 characters. "
                                           "It will appear to others after a moderator checks it."))])

    async def _on_skip_comment(self, press: "_Press", button: buttons.SkipComment) -> Reply:
        tr = self._tr(press.participant, press.user)
        slug = await self._current_slug(press.participant)
        screen = await self.backend.next(press.participant["id"], slug, tr.locale) if slug else None
        if not screen or screen.get("awaiting") != f"comment:{button.item}":
            return self._inactive(press.participant, press.user)  # no comment asked for: nothing to skip
        await self.backend.set_awaiting(press.participant["id"], slug, None)
        return Reply(edit=self._answered(press, self._tr(press.participant, press.user)._("Skip"))).then(
            await self._continue(press.user, press.participant))

    _handlers = {
        buttons.Language: _on_language, buttons.Consent: _on_consent, buttons.Switch: _on_switch,
        buttons.ProfileAnswer: _on_profile, buttons.ProfileSkip: _on_profile, buttons.Option: _on_option,
        buttons.Scale: _on_scale, buttons.SkipItem: _on_skip, buttons.Toggle: _on_toggle,
        buttons.BudgetToggle: _on_toggle, buttons.ToggleDone: _on_toggles_done, buttons.BudgetDone: _on_toggles_done,
        buttons.Vote: _on_vote, buttons.Qualify: _on_qualification, buttons.QualifySkip: _on_qualification,
        buttons.Pair: _on_pair, buttons.PairUndecided: _on_pair_undecided, buttons.PairReason: _on_pair_reason,
        buttons.NewProposal: _on_new_proposal, buttons.SkipComment: _on_skip_comment,
    }

    # ---- recording ----------------------------------------------------------------------------

    async def _record(self, press: _Press, label: str | None, request) -> Reply:  # noqa: ANN001
        """``label``: what the answer was, for the "✓" line (None when only the pressed button knew it)."""
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        result = await request
        if not result.get("created", True) and not (user.redelivered and result.get("next")):
            # An old button pressed again: the vote is already stored; nothing new to show. (When Telegram
            # delivers a failed update again, the first attempt stored the vote but never replied: reply now.)
            return Reply(toast=tr._("Already recorded. ✓"))
        return Reply(edit=self._answered(press, label), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next")))

    async def _submit_proposal(self, user: Person, participant: dict, item_id: int, text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            await self.backend.propose(participant["id"], item_id, text, tr.locale)
        except BackendError as error:
            if error.code == "invalid_length":
                return Reply(messages=[Screen(tr._("A proposal needs 12 to 280 characters; yours has {length}. "
                                                   "Please try again.", length=error.extra.get("length", 0)))])
            if error.code == "duplicate":
                await self.backend.set_awaiting(participant["id"], await self._current_slug(participant), None)
                return Reply(messages=[Screen(tr._("This idea is already in the consultation: «{text}»",
                                                   text=error.extra.get("text", "")))]).then(
                    await self._continue(user, participant))
            return self._refusal(participant, user, error, as_message=True)
        return Reply(messages=[Screen(tr._("Thank you! Your proposal will be shown to others once a moderator "
                                           "has checked it. We will let you know."))]).then(
            await self._continue(user, participant))

    async def _submit_comment(self, user: Person, participant: dict, item_id: int, text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            await self.backend.comment(participant["id"], item_id, text)
        except BackendError as error:
            if error.code == "invalid_length":
                return Reply(messages=[Screen(_length_hint(tr, 1, error.extra.get("max")))])
            return self._refusal(participant, user, error, as_message=True)
        return Reply(messages=[Screen("✓ " + tr._("Saved"))]).then(await self._continue(user, participant))

    def _refusal(self, participant: dict, user: Person, error: BackendError, as_message: bool = False) -> Reply:
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
    def _stale(tr: Translator, screen: dict | None) -> Reply:
        """A button for a screen that is not the current one: say why, in the participant's words."""
        status = screen["status"] if screen else None
        if status == "consent":
            return Reply(toast=tr._("Please read and accept the consultation's terms first: /start shows them."))
        if status == "not_open":
            return Reply(toast=tr._("This consultation is not open right now."), alert=True)
        if status is None:
            return Reply(toast=tr._("This button is no longer active."))
        return Reply(toast=tr._("You have already answered this one."))

    async def _current_screen(self, participant: dict, tr: Translator) -> dict | None:
        slug = await self._current_slug(participant)
        return await self.backend.next(participant["id"], slug, tr.locale) if slug else None

    def _inactive(self, participant: dict, user: Person) -> Reply:
        return Reply(toast=self._tr(participant, user)._("This button is no longer active."))

    # ---- screens ------------------------------------------------------------------------------

    async def _current_slug(self, participant: dict) -> str | None:
        return participant.get("current_consultation")

    async def _screen_for_item(self, participant: dict, tr: Translator, item_id: int) -> dict | None:
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if not screen or screen["status"] != "item" or screen["item"]["id"] != item_id:
            return None
        return screen

    @staticmethod
    def _then(participant: dict, tr: Translator) -> dict | None:
        """Ask a write to return the next screen as well: one backend request per button press."""
        slug = participant.get("current_consultation")
        return {"next": slug, "lang": tr.locale} if slug else None

    def _then_for(self, press: _Press) -> dict | None:
        return self._then(press.participant, self._tr(press.participant, press.user))

    async def _continue(self, user: Person, participant: dict, screen: dict | None = None) -> Reply:
        """Show whatever the participant should see next in their current consultation (``screen`` when the
        write that came before already returned it)."""
        slug = participant.get("current_consultation")
        tr = self._tr(participant, user)
        if screen is not None:
            return Reply(messages=[self._render(tr, screen)])
        if slug is None:
            open_now = await self.backend.open_consultations(tr.locale)
            if not open_now:
                return Reply(messages=[Screen(tr._("No consultation is open right now. "
                                                   "We will be glad to hear from you when the next one starts."))])
            slug = open_now[0]["slug"]
            await self.backend.enrol(participant["id"], slug)
            self.known.moved(user.external_id, participant, slug)
        screen = await self.backend.next(participant["id"], slug, tr.locale)
        return Reply(messages=[self._render(tr, screen)])

    def _render(self, tr: Translator, screen: dict) -> Screen:
        title = screen["consultation"]["title"]
        status = screen["status"]
        if status == "not_open":
            return Screen(tr._("«{title}» is not open right now. /consultations shows what is open.", title=title))
        if status == "consent":
            return self._consent(tr, screen)
        if status == "profile":
            return self._profile(tr, screen["profile"])
        if status == "done":
            count = screen["answers_count"]
            return Screen(tr.n_("Thank you! You gave {n} answer in «{title}».",
                                "Thank you! You gave {n} answers in «{title}».", count, title=title)
                          + "\n\n" + tr._("We will send you the results when the consultation closes."))
        return render_item(tr, screen)

    def _profile(self, tr: Translator, question: dict) -> Screen:
        field = question["field"]
        prompt = {"age_band": tr._("How old are you?"), "country": tr._("Which country do you live in?"),
                  "region": tr._("Which region or city do you live in?")}[field]
        rows = [[Button(choice["label"], buttons.ProfileAnswer(field, position).pack())]
                for position, choice in enumerate(question["choices"])]
        rows.append([Button(tr._("I'd rather not say"), buttons.ProfileSkip(field).pack())])
        return Screen(prompt + "\n\n" + tr._("(Optional: it only helps compare groups in the results.)"), rows)

    def _consent(self, tr: Translator, screen: dict) -> Screen:
        consultation = screen["consultation"]
        intro = f"{screen['intro']}\n\n" if screen.get("intro") else ""
        closes = ""
        if consultation.get("closes_at"):
            closes = tr._("You can answer until {date}.", date=format_deadline(
                consultation["closes_at"], consultation.get("time_zone"), tr.locale)) + "\n\n"
        text = (f"{quoted(tr, consultation['title'])}\n\n{intro}{closes}" + tr._(
            "Before we start: we store your answers, your language and an anonymous number that links "
            "your answers together. Your Telegram id is kept apart, only to send you the results. "
            "Published results never show who you are. You can delete your data at any time with /forget."))
        return Screen(text, [[Button("✅ " + tr._("I agree, let's start"), buttons.Consent(consultation["slug"]).pack())]])

    def _language_picker(self, user: Person, participant: dict, notice: str | None = None) -> Screen:
        """Languages, the one in use first and ticked: the one chosen, else the app's, else the default.
        Someone who has not chosen one yet is meeting the bot: they are greeted first, not met with a bare
        "Choose your language:"."""
        tr = self._tr(participant, user)
        detected = tr.locale
        rows = [[Button(("✓ " if code == detected else "") + language_name(code), buttons.Language(code).pack())]
                for code in sorted(SUPPORTED, key=lambda c: (c != detected, c))]
        above = [notice] if notice else []
        if participant.get("language") is None:
            above.append("👋 " + tr._("Hello! I am viche, the bot of public consultations: you answer a few "
                                     "questions and say what you think of proposals, anonymously."))
        return Screen("\n\n".join([*above, tr._("Choose your language:")]), rows)

    @staticmethod
    def _answered(press: _Press, label: str | None) -> Screen:
        """The pressed message, answered: its text with "✓ answer" and no buttons. Without its text (an
        InaccessibleMessage) only the buttons go: nothing is written where the text or the answer is unknown."""
        if not press.message_text:
            return Screen("", keep_text=True)
        return Screen(f"{press.message_text}\n\n✓ {label}" if label else press.message_text)

    def _tr(self, participant: dict, user: Person) -> Translator:
        return translator(resolve_locale(participant.get("language"), user.language_code, self.default_language))
