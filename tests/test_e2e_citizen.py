"""Two citizens, one in Ukrainian and one in English, answer the demo consultation end to end in Telegram:
the real dispatcher (aiogram's, and python-telegram-bot's with viche added), the fake Bot API over real HTTP,
the real API and database."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.i18n import translator
from storage.models import Answer, Contact, Enrolment, PairPrompt, Participant, ProposalVote
from tests.harness import every_framework

pytestmark = every_framework

UK, EN = 5001, 5002


async def walk_demo(telegram, chat: int, language_code: str, choose_language: str) -> str:
    await telegram.send(chat, "/start", language_code=language_code)
    picker = telegram.last(chat)
    picker_text = picker["text"]
    # The language Telegram reports comes first, marked.
    assert picker["buttons"][0][0]["text"].startswith("✓ ")
    await telegram.press(chat, choose_language)
    await telegram.press(chat, "✅")  # consent
    await telegram.press(chat, index=1)  # age: second option
    for _ in range(3):  # three proposals, each with the "why?" follow-up
        await telegram.press(chat, "👍")
        await telegram.press(chat, index=0)
    await telegram.press(chat, "🅰")  # three pairs
    await telegram.press(chat, "🅱")
    await telegram.press(chat, index=2)  # "can't decide" …
    await telegram.press(chat, index=0)  # … with a reason
    return picker_text


async def test_two_citizens_complete_the_demo(telegram, db, demo):
    uk_picker = await walk_demo(telegram, UK, "uk-UA", "Українська")
    en_picker = await walk_demo(telegram, EN, "en", "English")

    uk, _en = translator("uk"), translator("en")
    uk_texts, en_texts = telegram.texts(UK), telegram.texts(EN)
    # Telegram said uk-UA, so the picker itself is already in Ukrainian.
    assert uk_picker.endswith("\n\n" + uk._("Choose your language:")) and "Choose your language:" not in uk_picker
    assert any("Молодь і місто" in t for t in uk_texts)
    assert "Скільки вам років?" in "\n".join(uk_texts)
    thanks = uk.n_(
        "Thank you! You gave {n} answer in «{title}».",
        "Thank you! You gave {n} answers in «{title}».",
        7,
        title="Молодь і місто",
    )
    assert thanks in uk_texts[-1] and "Thank you" not in thanks
    assert en_picker.endswith("\n\nChoose your language:")
    assert "How old are you?" in "\n".join(en_texts)
    assert "Thank you! You gave 7 answers in “Young people and the city”." in en_texts[-1]
    # The answered message keeps its text and shows the choice; its buttons are gone.
    answered = next(m for m in telegram.messages(EN) if "How old are you?" in (m["text"] or ""))
    assert answered["text"].endswith("✓ 18–24") and not answered["buttons"]

    async with db.session() as s:
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert await count(Participant) == 2 and await count(Contact) == 2
        assert await count(Answer) == 2 and await count(ProposalVote) == 6
        assert await count(PairPrompt) == 6
        votes = (await s.execute(select(ProposalVote))).scalars().all()
        assert {v.choice for v in votes} == {"agree"} and {v.qualification for v in votes} == {"like_it"}
        pairs = (await s.execute(select(PairPrompt.outcome, PairPrompt.reason))).all()
        assert sorted(o for o, _ in pairs) == ["cant_decide", "cant_decide", "left", "left", "right", "right"]
        assert {r for o, r in pairs if o == "cant_decide"} == {"both"}
        languages = set((await s.execute(select(Participant.language))).scalars())
        assert languages == {"uk", "en"}
        assert (
            await s.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.completed_at.is_not(None))) == 2
        )


async def test_a_button_tapped_twice_at_once_votes_once(telegram, db, demo):
    await telegram.send(EN, "/start", language_code="en")
    await telegram.press(EN, "English")
    await telegram.press(EN, "✅")
    question = telegram.last_with_buttons(EN)
    data = question["buttons"][0][0]["callback_data"]
    before = len(telegram.messages(EN))
    # Two identical callbacks delivered at the same moment (a double tap on a slow phone, a re-delivery).
    await telegram.fake.press_button(EN, question["message_id"], data)
    await telegram.fake.press_button(EN, question["message_id"], data)
    await telegram.settle()
    await telegram.settle()
    assert len(telegram.messages(EN)) == before + 1  # the next question, once
    toasts = [a["text"] for a in telegram.fake.callback_answers(EN)[-2:]]
    assert sorted(toasts) == ["Already recorded. ✓", "Saved ✓"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 1


async def test_typing_where_a_button_is_expected_gets_a_hint(telegram, demo):
    await telegram.send(EN, "/start", language_code="en")
    await telegram.press(EN, "English")
    await telegram.press(EN, "✅")
    await telegram.send(EN, "hello?")
    texts = telegram.texts(EN)
    assert texts[-2] == "Please answer with the buttons under the message. 👇"
    assert "How old are you?" in texts[-1]


async def test_help_and_unknown_commands(telegram, demo):
    await telegram.send(UK, "/start", language_code="uk")
    await telegram.press(UK, "Українська")
    await telegram.send(UK, "/help")
    help_text = telegram.texts(UK)[-1]
    # every command of the menu, privacy rights included, with its Ukrainian description
    for command, description in (
        ("/start", "Продовжити"),
        ("/language", "мову"),
        ("/mydata", "Ваші дані"),
        ("/forget", "Видалити"),
        ("/digests", ""),
    ):
        assert command in help_text and description in help_text, (command, help_text)
    await telegram.send(UK, "/launch city-youth")
    assert "/help" in telegram.texts(UK)[-1]


async def test_a_bot_running_apart_records_over_real_http(api_app, db, demo, framework):
    """The bot and the API in different places: the same flow, over the network."""
    from sandbox.server import serve
    from tests.conftest import SERVICE_TOKEN
    from tests.harness import running_bot

    async with (
        serve(api_app) as api_url,
        running_bot(None, SERVICE_TOKEN, remote_api=api_url, framework=framework) as telegram,
    ):
        await telegram.send(EN, "/start", language_code="en")
        await telegram.press(EN, "English")
        await telegram.press(EN, "✅")
        await telegram.press(EN, index=0)
        assert "What do you think of this proposal?" in telegram.texts(EN)[-1]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 1
