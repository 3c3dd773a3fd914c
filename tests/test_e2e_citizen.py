"""Two citizens, one in Ukrainian and one in English, answer the demo consultation end to end in Telegram:
the real dispatcher, the fake Bot API over real HTTP, the real API and database."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Answer, Contact, Enrolment, PairPrompt, Participant, ProposalVote

UK, EN = 5001, 5002


async def walk_demo(telegram, chat: int, language_code: str, choose_language: str) -> None:
    await telegram.send(chat, "/start", language_code=language_code)
    picker = telegram.last(chat)
    # The language Telegram reports comes first, marked.
    assert picker["buttons"][0][0]["text"].startswith("✓ ")
    await telegram.press(chat, choose_language)
    await telegram.press(chat, "✅")                       # consent
    await telegram.press(chat, index=1)                    # age: second option
    for _ in range(3):                                     # three proposals, each with the "why?" follow-up
        await telegram.press(chat, "👍")
        await telegram.press(chat, index=0)
    await telegram.press(chat, "🅰")                        # three pairs
    await telegram.press(chat, "🅱")
    await telegram.press(chat, index=2)                    # "can't decide" …
    await telegram.press(chat, index=0)                    # … with a reason


async def test_two_citizens_complete_the_demo(telegram, db, demo):
    await walk_demo(telegram, UK, "uk-UA", "Українська")
    await walk_demo(telegram, EN, "en", "English")

    uk_texts, en_texts = telegram.texts(UK), telegram.texts(EN)
    assert uk_texts[0] == "Оберіть мову:"
    assert any("Молодь і місто" in t for t in uk_texts)
    assert "Скільки вам років?" in "\n".join(uk_texts)
    assert "Дякуємо! Ви дали 7 відповідей у «Молодь і місто»." in uk_texts[-1]
    assert en_texts[0] == "Choose your language:"
    assert "How old are you?" in "\n".join(en_texts)
    assert "Thank you! You gave 7 answers in «Young people and the city»." in en_texts[-1]
    # The answered message keeps its text and shows the choice; its buttons are gone.
    answered = [m for m in telegram.messages(EN) if "How old are you?" in (m["text"] or "")][0]
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
        assert await s.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.completed_at.is_not(None))) == 2


async def test_an_old_button_pressed_again_never_votes_twice(telegram, db, demo):
    await telegram.send(EN, "/start", language_code="en")
    await telegram.press(EN, "English")
    await telegram.press(EN, "✅")
    question = telegram.last_with_buttons(EN)
    await telegram.press(EN, index=0, message=question)
    before = len(telegram.messages(EN))
    # The same callback again (Telegram re-delivery, or a double tap on a slow phone).
    await telegram.fake.press_button(EN, question["message_id"], question["buttons"][0][0]["callback_data"])
    await telegram.settle()
    assert len(telegram.messages(EN)) == before
    assert telegram.fake.callback_answers(EN)[-1]["text"] == "Already recorded. ✓"
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
    assert "/language" in telegram.texts(UK)[-1] and "/start" in telegram.texts(UK)[-1]
    await telegram.send(UK, "/launch city-youth")
    assert "/help" in telegram.texts(UK)[-1]
