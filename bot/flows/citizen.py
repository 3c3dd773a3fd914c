"""The citizen's conversation: language, consent, then the consultation's items one screen at a time."""
from __future__ import annotations

from dataclasses import dataclass

from bot.backend import Backend, BackendError
from bot.flows import callbacks
from bot.flows.callbacks import encode
from bot.flows.deeplink import parse_payload
from bot.flows.screens import Button, Reply, Screen
from bot.i18n import SUPPORTED, Translator, language_name, normalize_language, resolve_locale, translator

CHANNEL = "telegram"
CHOICE_CODES = {"a": "agree", "d": "disagree", "n": "neutral"}
PAIR_CODES = {"l": "left", "r": "right", "c": "cant_decide"}


@dataclass(frozen=True)
class User:
    """Who wrote: the Telegram user id as a string, and the language their app reports."""

    external_id: str
    language_code: str | None = None


class CitizenFlow:
    def __init__(self, backend: Backend, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language

    # ---- entry points -------------------------------------------------------------------------

    async def start(self, user: User, payload: str | None = None) -> Reply:
        participant = await self.backend.identify(CHANNEL, user.external_id)
        slug, source = parse_payload(payload)
        notice: list[Screen] = []
        if slug:
            try:
                await self.backend.enrol(participant["id"], slug, source)
                participant["current_consultation"] = slug
            except BackendError as error:
                if error.status != 404:
                    raise
                tr = self._tr(participant, user)
                notice.append(Screen(tr._("This consultation link is not valid any more. "
                                          "Here is what is open now.")))
        if participant["language"] is None:
            return Reply(messages=notice + [self._language_picker(user, participant)])
        return Reply(messages=notice).then(await self._continue(user, participant))

    async def choose_language_menu(self, user: User) -> Reply:
        participant = await self.backend.identify(CHANNEL, user.external_id)
        return Reply(messages=[self._language_picker(user, participant)])

    async def help(self, user: User) -> Reply:
        participant = await self.backend.identify(CHANNEL, user.external_id)
        tr = self._tr(participant, user)
        return Reply(messages=[Screen(tr._(
            "I run public consultations: you answer a few questions, say what you think of proposals "
            "and compare ideas two at a time. Your answers are anonymous in the results.\n\n"
            "/start — continue where you stopped\n"
            "/language — change the language\n"
            "/help — this message"))])

    async def text(self, user: User, text: str) -> Reply:
        participant = await self.backend.identify(CHANNEL, user.external_id)
        if participant["language"] is None:
            return Reply(messages=[self._language_picker(user, participant)])
        tr = self._tr(participant, user)
        hint = Screen(tr._("Please answer with the buttons under the message. 👇"))
        return Reply(messages=[hint]).then(await self._continue(user, participant))

    async def callback(self, user: User, data: str | None, pressed: str | None = None,
                       message_text: str | None = None) -> Reply:
        """A button press. ``pressed`` is the button's label and ``message_text`` the message it sat under."""
        participant = await self.backend.identify(CHANNEL, user.external_id)
        cb = callbacks.decode(data)
        handler = {"lang": self._on_language, "ok": self._on_consent, "a": self._on_option,
                   "v": self._on_vote, "p": self._on_pair}.get(cb.prefix) if cb else None
        if handler is None:
            return Reply(toast=self._tr(participant, user)._("This button is no longer active."))
        try:
            return await handler(user, participant, cb, pressed, message_text)
        except (ValueError, IndexError):
            return Reply(toast=self._tr(participant, user)._("This button is no longer active."))

    # ---- button handlers ----------------------------------------------------------------------

    async def _on_language(self, user: User, participant: dict, cb: callbacks.Callback, *_: object) -> Reply:
        language = cb.parts[0]
        if language not in SUPPORTED:
            raise ValueError(language)
        participant = await self.backend.set_language(participant["id"], language)
        tr = translator(language)
        edit = Screen(tr._("Language: {language}", language=language_name(language)))
        return Reply(edit=edit).then(await self._continue(user, participant))

    async def _on_consent(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                          message_text: str | None) -> Reply:
        slug = cb.parts[0]
        try:
            await self.backend.consent(participant["id"], slug)
        except BackendError as error:
            return self._refusal(participant, user, error)
        participant["current_consultation"] = slug
        return Reply(edit=self._answered(message_text, pressed)).then(await self._continue(user, participant))

    async def _on_option(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                         message_text: str | None) -> Reply:
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer(participant["id"], cb.int(0), option_id=cb.int(1)))

    async def _on_vote(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                       message_text: str | None) -> Reply:
        choice = CHOICE_CODES[cb.parts[1]]
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.vote(participant["id"], cb.int(0), choice))

    async def _on_pair(self, user: User, participant: dict, cb: callbacks.Callback, pressed: str | None,
                       message_text: str | None) -> Reply:
        outcome = PAIR_CODES[cb.parts[1]]
        return await self._record(user, participant, pressed, message_text,
                                  self.backend.answer_pair(participant["id"], cb.parts[0], outcome))

    async def _record(self, user: User, participant: dict, pressed: str | None, message_text: str | None,
                      request) -> Reply:  # noqa: ANN001
        tr = self._tr(participant, user)
        try:
            result = await request
        except BackendError as error:
            return self._refusal(participant, user, error)
        if not result.get("created", True):
            # An old button pressed again: the vote is already stored; nothing new to show.
            return Reply(toast=tr._("Already recorded. ✓"))
        return Reply(edit=self._answered(message_text, pressed), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant))

    def _refusal(self, participant: dict, user: User, error: BackendError) -> Reply:
        tr = self._tr(participant, user)
        if error.code in ("already_answered", "already_voted", "already_qualified"):
            return Reply(toast=tr._("You have already answered this one."))
        if error.code == "not_open":
            return Reply(toast=tr._("This consultation is not open right now."), alert=True)
        if error.status in (400, 404, 422):
            return Reply(toast=tr._("This button is no longer active."))
        raise error

    # ---- screens ------------------------------------------------------------------------------

    async def _continue(self, user: User, participant: dict) -> Reply:
        """Show whatever the participant should see next in their current consultation."""
        slug = participant.get("current_consultation")
        tr = self._tr(participant, user)
        if slug is None:
            open_now = await self.backend.open_consultations(participant["language"])
            if not open_now:
                return Reply(messages=[Screen(tr._("No consultation is open right now. "
                                                   "We will be glad to hear from you when the next one starts."))])
            slug = open_now[0]["slug"]
            await self.backend.enrol(participant["id"], slug)
        screen = await self.backend.next(participant["id"], slug, tr.locale)
        return Reply(messages=[self._render(tr, screen)])

    def _render(self, tr: Translator, screen: dict) -> Screen:
        title = screen["consultation"]["title"]
        status = screen["status"]
        if status == "not_open":
            return Screen(tr._("«{title}» is not open right now.", title=title))
        if status == "consent":
            return self._consent(tr, screen)
        if status == "done":
            count = screen["answers_count"]
            return Screen(tr.n_("Thank you! You gave {n} answer in «{title}».",
                                "Thank you! You gave {n} answers in «{title}».", count, title=title)
                          + "\n\n" + tr._("We will send you the results when the consultation closes."))
        item = screen["item"]
        header = tr._("Question {number} of {total}", number=item["number"], total=item["total"])
        if item["kind"] == "proposal":
            proposal = screen["proposal"]
            pid = proposal["id"]
            return Screen(f"{header}\n\n{item['prompt']}\n\n«{proposal['text']}»", [[
                Button("👍 " + tr._("Agree"), encode("v", pid, "a")),
                Button("👎 " + tr._("Disagree"), encode("v", pid, "d")),
                Button("🤷 " + tr._("Neutral"), encode("v", pid, "n")),
            ]])
        if item["kind"] == "pairs":
            pair = screen["pair"]
            token = pair["token"]
            text = (f"{header}\n\n{item['prompt']}\n\n"
                    f"🅰 {pair['left']['text']}\n\n🅱 {pair['right']['text']}")
            return Screen(text, [
                [Button("🅰", encode("p", token, "l")), Button("🅱", encode("p", token, "r"))],
                [Button(tr._("I can't decide"), encode("p", token, "c"))],
            ])
        return Screen(f"{header}\n\n{item['prompt']}",
                      [[Button(option["label"], encode("a", item["id"], option["id"]))]
                       for option in screen["options"]])

    def _consent(self, tr: Translator, screen: dict) -> Screen:
        consultation = screen["consultation"]
        intro = f"{screen['intro']}\n\n" if screen.get("intro") else ""
        text = (f"«{consultation['title']}»\n\n{intro}" + tr._(
            "Before we start: we store your answers, your language and an anonymous number that links "
            "your answers together. Your Telegram id is kept apart, only to send you the results. "
            "Published results never show who you are. You can delete your data at any time with /forget."))
        return Screen(text, [[Button("✅ " + tr._("I agree, let's start"), encode("ok", consultation["slug"]))]])

    def _language_picker(self, user: User, participant: dict) -> Screen:
        detected = normalize_language(user.language_code)
        tr = self._tr(participant, user)
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
