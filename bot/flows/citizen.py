"""The citizen's conversation: language, consent, profile, then the consultation's items one screen at a time.

All state lives in the backend, so a restart of the bot loses nothing and any front end could resume.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.backend import Backend, BackendError
from bot.flows import callbacks
from bot.flows.callbacks import encode
from bot.flows.deeplink import parse_payload
from bot.flows.known import KnownParticipants
from bot.flows.menu import command_descriptions
from bot.flows.items import (CANT_DECIDE_REASONS, QUALIFICATION_CODES, decode_mask, qualification_label, quoted,
                             reason_label, render_item)
from bot.flows.screens import Button, Reply, Screen
from bot.i18n import SUPPORTED, Translator, language_name, resolve_locale, translator
from bot.i18n.formats import format_deadline, format_number


CHOICE_CODES = {"a": "agree", "d": "disagree", "n": "neutral"}
PAIR_CODES = {"l": "left", "r": "right", "c": "cant_decide", "s": "skip"}
PROFILE_CODES = {"a": "age_band", "c": "country", "r": "region"}


def _whole(value: object, default: int) -> int:
    """A count from an error's details, or ``default`` when the backend did not send one."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _length_hint(tr: Translator, low: object, high: object) -> str:
    """'Please write 1 to 280 characters.' with the plural form of the upper bound (CLDR)."""
    return tr.n_("Please write {low} to {n} character.", "Please write {low} to {n} characters.",
                 _whole(high, 1000), low=format_number(_whole(low, 1), tr.locale))


@dataclass(frozen=True)
class User:
    """Who wrote: the Telegram user id as a string, and the language their app reports."""

    external_id: str
    language_code: str | None = None
    redelivered: bool = False
    """Telegram delivers this update again because handling it failed before (webhook mode)."""


class CitizenFlow:
    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language
        self.known = known

    # ---- commands -----------------------------------------------------------------------------

    async def start(self, user: User, payload: str | None = None) -> Reply:
        participant = await self.known.identify(user.external_id)
        slug, source = parse_payload(payload)
        notice: list[Screen] = []
        if slug:
            try:
                await self.backend.enrol(participant["id"], slug, source)
                self.known.moved(user.external_id, participant, slug)
            except BackendError as error:
                if error.status != 404:
                    raise
                notice.append(Screen(self._tr(participant, user)._(
                    "This consultation link is not valid any more. Here is what is open now.")))
        if participant["language"] is None:
            return Reply(messages=notice + [self._language_picker(user, participant)])
        return Reply(messages=notice).then(await self._continue(user, participant))

    async def choose_language_menu(self, user: User) -> Reply:
        participant = await self.known.identify(user.external_id)
        return Reply(messages=[self._language_picker(user, participant)])

    async def help(self, user: User) -> Reply:
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        intro = tr._("I run public consultations: you answer a few questions, say what you think of proposals "
                     "and compare ideas two at a time. Your answers are anonymous in the results.")
        commands = "\n".join(f"/{name} — {text}" for name, text in command_descriptions(tr))
        return Reply(messages=[Screen(f"{intro}\n\n{commands}")])

    async def consultations(self, user: User) -> Reply:
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        open_now = await self.backend.open_consultations(tr.locale)
        if not open_now:
            return Reply(messages=[Screen(tr._("No consultation is open right now. "
                                               "We will be glad to hear from you when the next one starts."))])
        current = participant.get("current_consultation")
        rows = [[Button(("▶ " if c["slug"] == current else "") + c["title"], encode("sw", c["slug"]))]
                for c in open_now]
        return Reply(messages=[Screen(tr._("Open consultations — choose one:"), rows)])

    async def unknown_command(self, user: User) -> Reply:
        participant = await self.known.identify(user.external_id)
        return Reply(messages=[Screen(self._tr(participant, user)._("I don't know this command. /help lists what I can do."))])

    # ---- typed input --------------------------------------------------------------------------

    async def text(self, user: User, text: str) -> Reply:
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

    async def location(self, user: User, latitude: float, longitude: float) -> Reply:
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
                                          [[Button(tr._("Skip"), encode("cx", item["id"]))]])])
        return await self._continue(user, participant)

    # ---- buttons ------------------------------------------------------------------------------

    async def callback(self, user: User, data: str | None, pressed: str | None = None,
                       message_text: str | None = None) -> Reply:
        """A button press. ``pressed`` is the button's label and ``message_text`` the message it sat under."""
        participant = await self.known.identify(user.external_id)
        cb = callbacks.decode(data)
        handlers = {"lang": self._on_language, "ok": self._on_consent, "sw": self._on_switch,
                    "pf": self._on_profile, "a": self._on_option, "s": self._on_scale, "x": self._on_skip,
                    "m": self._on_toggle, "b": self._on_toggle, "md": self._on_toggles_done,
                    "bd": self._on_toggles_done, "v": self._on_vote, "q": self._on_qualification,
                    "p": self._on_pair, "pc": self._on_pair_reason, "np": self._on_new_proposal,
                    "cx": self._on_skip_comment}
        handler = handlers.get(cb.prefix) if cb else None
        if handler is None:
            return self._inactive(participant, user)
        try:
            return await handler(user, participant, cb, pressed, message_text)
        except (ValueError, IndexError, KeyError):
            return self._inactive(participant, user)

    async def _on_language(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        language = cb.parts[0]
        if language not in SUPPORTED:
            raise ValueError(language)
        participant = await self.backend.set_language(participant["id"], language)
        self.known.remember(user.external_id, participant)
        edit = Screen(translator(language)._("Language: {language}", language=language_name(language)))
        return Reply(edit=edit).then(await self._continue(user, participant))

    async def _on_consent(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                          message_text: str | None) -> Reply:
        participant["current_consultation"] = cb.parts[0]  # the next screen asked for comes from this one
        try:
            result = await self.backend.consent(participant["id"], cb.parts[0],
                                                then=self._then(participant, self._tr(participant, user)))
        except BackendError as error:
            return self._refusal(participant, user, error)
        self.known.moved(user.external_id, participant, cb.parts[0])
        return Reply(edit=self._answered(message_text, pressed)).then(
            await self._continue(user, participant, result.get("next")))

    async def _on_switch(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        try:
            await self.backend.enrol(participant["id"], cb.parts[0])
        except BackendError as error:
            return self._refusal(participant, user, error)
        self.known.moved(user.external_id, participant, cb.parts[0])
        return await self._continue(user, participant)

    async def _on_profile(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                          message_text: str | None) -> Reply:
        field, value = PROFILE_CODES[cb.parts[0]], cb.parts[1]
        slug = await self._current_slug(participant)
        try:
            await self.backend.profile(participant["id"], slug, field, None if value == "-" else value)
        except BackendError as error:
            return self._refusal(participant, user, error)
        return Reply(edit=self._answered(message_text, pressed)).then(await self._continue(user, participant))

    async def _on_option(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                         message_text: str | None) -> Reply:
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer(participant["id"], cb.int(0), option_id=cb.int(1),
                                                      then=self._then(participant, self._tr(participant, user))))

    async def _on_scale(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                        message_text: str | None) -> Reply:
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer(participant["id"], cb.int(0), value=cb.int(1),
                                                      then=self._then(participant, self._tr(participant, user))))

    async def _on_skip(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                       message_text: str | None) -> Reply:
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer(participant["id"], cb.int(0), value=None,
                                                      then=self._then(participant, self._tr(participant, user))))

    async def _on_toggle(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        """Multi-choice and budget selections live in the buttons themselves until Done is pressed."""
        tr = self._tr(participant, user)
        screen = await self._screen_for_item(participant, tr, cb.int(0))
        if screen is None:
            return Reply(toast=tr._("You have already answered this one."))
        selected = decode_mask(cb.parts[1])
        if cb.prefix == "b":
            costs = [o["cost"] or 0 for o in screen["options"]]
            spent = sum(costs[p] for p in selected if p < len(costs))
            total = screen["item"]["config"]["total"]
            if spent > total:
                return Reply(toast=tr._("That does not fit in the budget. Remove a project first."), alert=True)
        return Reply(edit=render_item(tr, screen, selected))

    async def _on_toggles_done(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                               message_text: str | None) -> Reply:
        tr = self._tr(participant, user)
        screen = await self._screen_for_item(participant, tr, cb.int(0))
        if screen is None:
            return Reply(toast=tr._("You have already answered this one."))
        chosen = [screen["options"][p] for p in sorted(decode_mask(cb.parts[1])) if p < len(screen["options"])]
        try:
            result = await self.backend.answer(participant["id"], cb.int(0), value=[o["id"] for o in chosen],
                                               then=self._then(participant, tr))
        except BackendError as error:
            if error.code == "invalid_count":
                high = _whole(error.extra.get("max"), len(screen["options"]))
                return Reply(toast=tr.n_("Choose from {low} to {n} option.", "Choose from {low} to {n} options.",
                                         high, low=format_number(_whole(error.extra.get("min"), 0), tr.locale)),
                             alert=True)
            if error.code in ("empty_ballot", "over_budget"):
                return Reply(toast=tr._("Pick at least one project that fits in the budget."), alert=True)
            return self._refusal(participant, user, error)
        summary = ", ".join(o["label"] for o in chosen) or "—"
        return Reply(edit=self._answered(message_text, summary), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next")))

    async def _on_vote(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                       message_text: str | None) -> Reply:
        choice = CHOICE_CODES[cb.parts[1]]
        tr = self._tr(participant, user)
        try:
            result = await self.backend.vote(participant["id"], cb.int(0), choice, then=self._then(participant, tr))
        except BackendError as error:
            return self._refusal(participant, user, error)
        if not result["created"] and not (user.redelivered and result.get("next")):
            return Reply(toast=tr._("Already recorded. ✓"))
        if not result.get("asks_qualification") or not result["created"]:
            return Reply(edit=self._answered(message_text, pressed), toast=tr._("Saved ✓")).then(
                await self._continue(user, participant, result.get("next")))
        buttons = [[Button(qualification_label(tr, q), encode("q", cb.parts[0], cb.parts[1], code))]
                   for code, q in QUALIFICATION_CODES[choice]]
        buttons.append([Button(tr._("Skip"), encode("q", cb.parts[0], cb.parts[1], "-"))])
        text = f"{message_text}\n\n✓ {pressed}\n\n" + tr._("Why? (optional)") if message_text else tr._("Why? (optional)")
        return Reply(edit=Screen(text, buttons), toast=tr._("Saved ✓"))

    async def _on_qualification(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                                message_text: str | None) -> Reply:
        choice = CHOICE_CODES[cb.parts[1]]
        code = cb.parts[2]
        screen = None
        if code != "-":
            qualification = dict(QUALIFICATION_CODES[choice])[code]
            try:
                result = await self.backend.vote(participant["id"], cb.int(0), choice, qualification,
                                                 then=self._then(participant, self._tr(participant, user)))
            except BackendError as error:
                return self._refusal(participant, user, error)
            screen = result.get("next")
        text = (message_text or "").rsplit("\n\n", 1)[0] if message_text else None
        edit = Screen(f"{text}\n\n{pressed}" if text and code != "-" else text or "") if text else None
        return Reply(edit=edit).then(await self._continue(user, participant, screen))

    async def _on_pair(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                       message_text: str | None) -> Reply:
        outcome = PAIR_CODES[cb.parts[1]]
        tr = self._tr(participant, user)
        if outcome == "cant_decide":
            buttons = [[Button(reason_label(tr, r), encode("pc", cb.parts[0], r[0]))] for r in CANT_DECIDE_REASONS]
            return Reply(edit=Screen((message_text or "") + "\n\n" + tr._("Why can't you decide?"), buttons))
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer_pair(participant["id"], cb.parts[0], outcome,
                                                           then=self._then(participant, tr)))

    async def _on_pair_reason(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                              message_text: str | None) -> Reply:
        reason = next((r for r in CANT_DECIDE_REASONS if r[0] == cb.parts[1]), None)
        if reason is None:  # forged data: StopIteration would escape the coroutine as a RuntimeError
            raise ValueError(cb.parts[1])
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer_pair(participant["id"], cb.parts[0], "cant_decide", reason,
                                                           then=self._then(participant, self._tr(participant, user))))

    async def _on_new_proposal(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        try:
            await self.backend.set_awaiting(participant["id"], slug, f"proposal:{cb.int(0)}")
        except BackendError as error:
            return self._refusal(participant, user, error)
        return Reply(messages=[Screen(tr._("Write your proposal in one message: one idea, 12 to 280 characters. "
                                           "It will appear to others after a moderator checks it."))])

    async def _on_skip_comment(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        slug = await self._current_slug(participant)
        await self.backend.set_awaiting(participant["id"], slug, None)
        return Reply(edit=None).then(await self._continue(user, participant))

    # ---- recording ----------------------------------------------------------------------------

    async def _record(self, user: User, participant: dict, pressed: str | None, message_text: str | None,
                      request) -> Reply:  # noqa: ANN001
        tr = self._tr(participant, user)
        try:
            result = await request
        except BackendError as error:
            return self._refusal(participant, user, error)
        if not result.get("created", True) and not (user.redelivered and result.get("next")):
            # An old button pressed again: the vote is already stored; nothing new to show. (When Telegram
            # delivers a failed update again, the first attempt stored the vote but never replied: reply now.)
            return Reply(toast=tr._("Already recorded. ✓"))
        return Reply(edit=self._answered(message_text, pressed), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next")))

    async def _submit_proposal(self, user: User, participant: dict, item_id: int, text: str) -> Reply:
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

    async def _submit_comment(self, user: User, participant: dict, item_id: int, text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            await self.backend.comment(participant["id"], item_id, text)
        except BackendError as error:
            if error.code == "invalid_length":
                return Reply(messages=[Screen(_length_hint(tr, 1, error.extra.get("max")))])
            return self._refusal(participant, user, error, as_message=True)
        return Reply(messages=[Screen("✓ " + tr._("Saved"))]).then(await self._continue(user, participant))

    def _refusal(self, participant: dict, user: User, error: BackendError, as_message: bool = False) -> Reply:
        tr = self._tr(participant, user)
        if error.code in ("already_answered", "already_voted", "already_qualified"):
            text = tr._("You have already answered this one.")
        elif error.code == "not_open":
            text = tr._("This consultation is not open right now.")
        elif error.status in (400, 404, 409, 422):
            text = tr._("This button is no longer active.")
        else:
            raise error
        return Reply(messages=[Screen(text)]) if as_message else Reply(toast=text, alert=error.code == "not_open")

    def _inactive(self, participant: dict, user: User) -> Reply:
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

    async def _continue(self, user: User, participant: dict, screen: dict | None = None) -> Reply:
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
        code = next(c for c, f in PROFILE_CODES.items() if f == field)
        prompt = {"age_band": tr._("How old are you?"), "country": tr._("Which country do you live in?"),
                  "region": tr._("Which region or city do you live in?")}[field]
        rows = [[Button(choice["label"], encode("pf", code, choice["key"]))] for choice in question["choices"]]
        rows.append([Button(tr._("I'd rather not say"), encode("pf", code, "-"))])
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
        return Screen(text, [[Button("✅ " + tr._("I agree, let's start"), encode("ok", consultation["slug"]))]])

    def _language_picker(self, user: User, participant: dict) -> Screen:
        tr = self._tr(participant, user)
        detected = tr.locale  # the language in use now: the one chosen, else the app's, else the default
        rows = [[Button(("✓ " if code == detected else "") + language_name(code), encode("lang", code))]
                for code in sorted(SUPPORTED, key=lambda c: (c != detected, c))]
        return Screen(tr._("Choose your language:"), rows)

    @staticmethod
    def _answered(message_text: str | None, pressed: str | None) -> Screen | None:
        if not message_text:
            return None
        return Screen(f"{message_text}\n\n✓ {pressed}" if pressed else message_text)

    def _tr(self, participant: dict, user: User) -> Translator:
        return translator(resolve_locale(participant.get("language"), user.language_code, self.default_language))
