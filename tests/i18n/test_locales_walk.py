"""A citizen walks the whole demo consultation in each of the seven locales, through the real dispatcher,
the fake Bot API over real HTTP, the real API and database; every screen must be in that locale.

"In that locale" is checked two ways: the catalog's translation of each screen's key string is there (and
differs from the English one), and no message, button or toast contains an English string of the bot
(any msgid, placeholders matched as wildcards) or an English text of the demo consultation.
"""

from __future__ import annotations

import re
import string

import pytest

from bot.i18n import SUPPORTED, language_name, translator
from viche.i18n_check import extract_template
from viche.loading import DEMO_FILE, read_definition

# What each citizen's Telegram app reports: regional variants and odd casing, as real clients send them.
TELEGRAM_CODES = {"uk": "uk-UA", "en": "en", "de": "de-AT", "pl": "pl", "cs": "cs-CZ", "fr": "fr-CA", "sv": "SV"}
CHAT = 7001
THANKS = ("Thank you! You gave {n} answer in «{title}».", "Thank you! You gave {n} answers in «{title}».")


def _english_patterns() -> list[re.Pattern]:
    """Every msgid of the code as a regex (placeholders are wildcards), when it has words enough to be telling.

    One-word msgids ('Skip', 'Done') are compared whole against button labels instead (see _labels)."""
    patterns = []
    for message in extract_template():
        for msgid in message.id if isinstance(message.id, (list, tuple)) else (message.id,):
            if not msgid:
                continue
            literal = "".join(part for part, *_ in string.Formatter().parse(msgid))
            if len(re.findall(r"[A-Za-z]{2,}", literal)) < 2:
                continue
            regex = "".join(
                re.escape(part) + (".+?" if field is not None else "")
                for part, field, *_ in string.Formatter().parse(msgid)
            )
            patterns.append(re.compile(regex, re.DOTALL))
    return patterns


def _one_word_msgids() -> set[str]:
    words = set()
    for message in extract_template():
        for msgid in message.id if isinstance(message.id, (list, tuple)) else (message.id,):
            if msgid and len(re.findall(r"[A-Za-z]{2,}", msgid)) == 1 and "{" not in msgid:
                words.add(msgid)
    return words


def _english_content(locale: str) -> list[str]:
    """The demo's English texts not part of this locale's own ('18–24' is the same everywhere; fr '18–24 ans')."""
    definition = read_definition(DEMO_FILE)
    texts = [definition.title, definition.intro]
    for item in definition.items:
        texts.append(item.prompt)
        texts += [option.label for option in getattr(item, "options", None) or []]
        texts += list(getattr(item, "proposals", None) or [])
    return [t["en"] for t in texts if t.get("en") and t["en"] not in (t.get(locale) or "")]


def _label(text: str) -> str:
    """A button label without the marks the flow puts in front ('✓ ', '👍 ', '☑️ ')."""
    return re.sub(r"^[^\w«„”(]+", "", text).strip()


class Seen:
    """Everything the citizen saw: each message's text and buttons after every step (edits included), toasts."""

    def __init__(self, telegram, chat: int) -> None:
        self.telegram, self.chat = telegram, chat
        self.texts: list[str] = []
        self.buttons: list[str] = []

    def snapshot(self) -> None:
        for message in self.telegram.messages(self.chat):
            text = message.get("text") or message.get("caption") or ""
            if text not in self.texts:
                self.texts.append(text)
            for row in message.get("buttons") or []:
                for button in row:
                    if button["text"] not in self.buttons:
                        self.buttons.append(button["text"])

    @property
    def toasts(self) -> list[str]:
        return [answer["text"] for answer in self.telegram.fake.callback_answers(self.chat) if answer.get("text")]

    async def press(self, label: str | None = None, *, index: int | None = None) -> None:
        await self.telegram.press(self.chat, label, index=index)
        self.snapshot()

    async def send(self, text: str, language_code: str | None = None) -> None:
        if language_code:
            await self.telegram.send(self.chat, text, language_code=language_code)
        else:
            await self.telegram.send(self.chat, text)
        self.snapshot()


async def walk(telegram, locale: str) -> Seen:
    seen = Seen(telegram, CHAT)
    await seen.send("/start", TELEGRAM_CODES[locale])
    picker = telegram.last(CHAT)
    # The language Telegram reports comes first, marked, and each language is named in itself.
    assert picker["buttons"][0][0]["text"] == "✓ " + language_name(locale)
    assert {_label(b["text"]) for row in picker["buttons"] for b in row} == {language_name(c) for c in SUPPORTED}
    await seen.press(language_name(locale))
    await seen.send("hello?")  # typed where a button is expected: a hint
    await seen.press("✅")  # consent
    await seen.press(index=1)  # age: the second option
    for _ in range(3):  # three proposals, each with "why?"
        await seen.press("👍")
        await seen.press(index=0)
    await seen.press("🅰")  # three pairs
    await seen.press("🅱")
    await seen.press(index=2)  # "I can't decide" …
    await seen.press(index=0)  # … because I like both
    await seen.send("/help")
    await seen.send("/language")
    return seen


@pytest.mark.parametrize("locale", SUPPORTED)
async def test_the_whole_demo_in_one_locale(telegram, demo, locale):
    seen = await walk(telegram, locale)
    tr = translator(locale)
    definition = read_definition(DEMO_FILE)
    title = definition.title[locale]
    everything = "\n".join(seen.texts + seen.buttons + seen.toasts)

    # The key string of every screen, as the catalog translates it.
    expected_texts = [
        tr._("Choose your language:"),
        tr._("Language: {language}", language=language_name(locale)),
        tr._("Please answer with the buttons under the message. 👇"),
        tr._("«{text}»", text=title),
        definition.intro[locale],
        tr._(
            "Before we start: we store your answers, your language and an anonymous number that links your "
            "answers together. Your Telegram id is kept apart, only to send you the results. Published results "
            "never show who you are. You can delete your data at any time with /forget."
        ),
        tr._("Question {number} of {total}", number=1, total=3),
        definition.items[0].prompt[locale],
        definition.items[1].prompt[locale],
        tr._("«{text}»", text=definition.items[1].proposals[0][locale]),
        tr._("Why? (optional)"),
        definition.items[2].prompt[locale],
        tr._("Why can't you decide?"),
        tr.n_(*THANKS, 7, title=title),
        tr._("We will send you the results when the consultation closes."),
    ]
    for text in expected_texts:
        assert text in everything, f"{locale}: {text!r} never shown"
    expected_buttons = [
        "✅ " + tr._("I agree, let's start"),
        "👍 " + tr._("Agree"),
        "👎 " + tr._("Disagree"),
        "🤷 " + tr._("Neutral"),
        tr._("I like it"),
        tr._("It is doable"),
        tr._("It is a platitude"),
        tr._("Skip"),
        tr._("I can't decide"),
        tr._("I like both"),
        tr._("I like neither"),
    ]
    for label in expected_buttons:
        assert label in seen.buttons, f"{locale}: no button {label!r} in {seen.buttons}"
    assert seen.toasts and set(seen.toasts) <= {tr._("Saved ✓"), tr._("Already recorded. ✓")}
    assert tr._("Saved ✓") in seen.toasts
    assert telegram.texts(CHAT)[-1] == tr._("Choose your language:")  # /language, at any time

    if locale == "en":
        return
    # Not English: every key string really is translated …
    for msgid in ("Choose your language:", "Agree", "Skip", "Saved ✓", "Question {number} of {total}"):
        assert tr._(msgid, number=1, total=3) != msgid.format(number=1, total=3)
    assert tr.n_(*THANKS, 7, title="x") != translator("en").n_(*THANKS, 7, title="x")
    # … and nothing English reaches the citizen: no string of the bot, no text of the consultation.
    leaks = [
        (p.pattern, t) for p in _english_patterns() for t in seen.texts + seen.buttons + seen.toasts if p.search(t)
    ]
    assert leaks == [], f"{locale}: English strings shown: {leaks[:5]}"
    words = _one_word_msgids()
    assert [b for b in seen.buttons + seen.toasts if _label(b) in words] == []
    assert [t for t in _english_content(locale) if t in everything] == []
