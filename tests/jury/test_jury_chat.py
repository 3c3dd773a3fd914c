"""A citizens' jury in the chat, through the real dispatcher, the delivery engine and the fake Bot API over HTTP:
participants volunteer at the end of a consultation in Polish, an organiser draws the panel with /jury, the drawn
get a jury call, a decliner is replaced by a complementary draw that keeps the quotas (and the replacement is
called), an accepting member pressing twice is counted once, a press may come on an inaccessible message; a
withdrawal and a passed deadline free seats that are drawn again."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select

from bot.flows import buttons
from bot.flows.callbacks import MAX_BYTES, unpack
from storage.models import utcnow
from storage.models_broadcast import Delivery
from storage.models_jury import JuryMember, JuryVolunteer
from tests.broadcast.test_bot_commands import ORGANISER, bot_and_engine
from tests.jury.conftest import SLUG

WOMEN, MEN = [7701, 7702], [7703, 7704]
GENDER = {7701: "Kobieta", 7702: "Kobieta", 7703: "Mężczyzna", 7704: "Mężczyzna"}


async def volunteer(t, chat: int, gender: str, district: str | None) -> None:
    """A participant takes the consultation in Polish, then volunteers for its jury."""
    await t.send(chat, f"/start {SLUG}", language_code="pl")
    await t.press(chat, "Polski")
    await t.press(chat, "✅")
    await t.press(chat, "Tak")
    thanks = t.last_with_buttons(chat)
    assert "ławę obywatelską" in thanks["text"], thanks["text"]  # the invitation to volunteer, in Polish
    await t.press(chat, "⚖️")
    question = t.last_with_buttons(chat)["text"]
    assert "trzy soboty w maju 2027" in question and "300 zł za dzień" in question and "Ratusz, sala B" in question
    assert "Połowa ławy to kobiety." in question  # the question is explained
    labels = [b["text"] for b in t.buttons(chat)]
    assert "Wolę nie mówić" not in labels  # gender may not be skipped: the organiser did not allow it
    await t.press(chat, gender)
    labels = [b["text"] for b in t.buttons(chat)]
    assert "Wolę nie mówić" in labels  # the district may
    await t.press(chat, district or "Wolę nie mówić")
    assert "Czy organizatorzy mogą się z tobą skontaktować" in t.last_with_buttons(chat)["text"]
    await t.press(chat, "Tak, możecie się ze mną skontaktować")


async def wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def call_of(t, chat: int) -> dict | None:
    """The jury call in a chat (the delivery engine's message with Accept / Decline), if any."""
    for message in t.messages(chat):
        if "Wylosowaliśmy cię do ławy" in (message.get("text") or ""):
            return message
    return None


def with_button(t, chat: int, label: str) -> dict:
    return next(m for m in reversed(t.messages(chat)) if any(label in b["text"] for b in t.buttons(chat, m) or []))


async def seats(db) -> dict[str, str]:
    """Telegram chat → seat state, from the database."""
    async with db.session() as session:
        rows = await session.execute(
            select(JuryVolunteer.participant_id, JuryMember.state).join(
                JuryVolunteer, JuryVolunteer.id == JuryMember.volunteer_id
            )
        )
        return dict(list(rows.tuples()))


async def test_volunteers_are_drawn_a_decliner_is_replaced_within_the_quotas_and_an_accept_counts_once(
    api_app, fake, bot, store, db, jury_consultation
):
    async with bot_and_engine(api_app, fake, bot, store) as (t, _engine):
        for chat in WOMEN + MEN:
            await volunteer(t, chat, GENDER[chat], "Północ" if chat % 2 else None)
        await t.send(ORGANISER, f"/jury {SLUG}", language_code="en")
        assert "Pool: 4 volunteers who may be contacted" in t.texts(ORGANISER)[-1]
        await t.send(ORGANISER, f"/jury {SLUG} draw 20270501", language_code="en")
        assert "The panel is drawn (leximin over types (HiGHS)). 2 volunteers are called in the chat" in "\n".join(
            t.texts(ORGANISER)
        )

        async def two_called() -> bool:
            return sum(call_of(t, chat) is not None for chat in WOMEN + MEN) == 2

        await wait_for(two_called, "two jury calls delivered")
        called = [chat for chat in WOMEN + MEN if call_of(t, chat)]
        assert {GENDER[chat] for chat in called} == {"Kobieta", "Mężczyzna"}  # the quota: one woman, one man
        call = call_of(t, called[0])
        assert "Prosimy o odpowiedź do" in call["text"] and "Ratusz, sala B" in call["text"]
        assert all(len(b["callback_data"].encode()) <= MAX_BYTES for b in t.buttons(called[0], call))
        assert unpack(t.buttons(called[0], call)[0]["callback_data"]) == buttons.JuryReply(SLUG, "accept")

        # The man declines, pressing on a message too old to be shown (an InaccessibleMessage).
        man = next(chat for chat in called if chat in MEN)
        await t.press(man, "Odmawiam", message=call_of(t, man), shape="inaccessible")
        assert t.fake.callback_answers(man)[-1]["text"] == "Zapisaliśmy twoją odmowę."
        replacement = next(chat for chat in MEN if chat != man)

        async def replacement_called() -> bool:
            return call_of(t, replacement) is not None

        await wait_for(replacement_called, "the replacement's jury call")  # the other man: the quota holds
        assert not any(call_of(t, chat) for chat in WOMEN if chat not in called)  # no woman drawn in his place

        # The woman accepts, twice (a double tap): one seat, one answer counted.
        woman = next(chat for chat in called if chat in WOMEN)
        call = call_of(t, woman)
        accept = next(b["callback_data"] for b in t.buttons(woman, call) if "Akceptuję" in b["text"])
        for shape in ("without_keyboard", "inaccessible"):  # both taps reach the bot before either is answered
            t.deliver_press(woman, call["message_id"], accept, shape)
        await t.settle()
        await t.settle()
        answers = sorted(a["text"] for a in t.fake.callback_answers(woman)[-2:])
        assert answers == ["Dziękujemy! Twoje miejsce jest potwierdzone.", "Twoja odpowiedź jest już zapisana."]
        assert "Przyjmujesz miejsce w ławie." in t.texts(woman)[-1]  # the call, edited: her seat is taken
        states = sorted((await seats(db)).values())
        assert states == ["accepted", "declined", "invited"], states

        before = len(t.texts(ORGANISER))
        await t.send(ORGANISER, f"/jury {SLUG}", language_code="en")
        # The replacement's call round reports its progress in the organiser's chat too, and may finish after the
        # status is answered: the status is the reply that tells the seats, wherever it falls.
        status = next(text for text in t.texts(ORGANISER)[before:] if "Accepted:" in text)
        assert "Accepted: 1 · called, no answer yet: 1" in status
        assert "Declined: 1 · no answer in time: 0 · withdrew: 0 · replacements drawn: 1" in status
        async with db.session() as session:
            calls = (await session.execute(select(Delivery).where(Delivery.kind == "jury_call"))).scalars().all()
        assert len(calls) == 3 and all(row.state == "sent" for row in calls)  # each called exactly once


async def test_a_withdrawal_and_a_passed_deadline_free_seats_that_are_drawn_again(
    api_app, fake, bot, store, db, jury_consultation
):
    async with bot_and_engine(api_app, fake, bot, store) as (t, _engine):
        for chat in [*WOMEN, *MEN, 7705]:
            await volunteer(t, chat, GENDER.get(chat, "Kobieta"), None)
        await t.send(ORGANISER, f"/jury {SLUG} draw 7", language_code="en")

        async def two_called() -> bool:
            return sum(call_of(t, chat) is not None for chat in [*WOMEN, *MEN, 7705]) == 2

        await wait_for(two_called, "two jury calls delivered")
        woman = next(chat for chat in [*WOMEN, 7705] if call_of(t, chat))
        man = next(chat for chat in MEN if call_of(t, chat))
        # The woman withdraws with the button under her volunteering screen: her seat is drawn again.
        await t.press(woman, "Wycofuję się", message=with_button(t, woman, "Wycofuję się"))
        assert any("Twoje zgłoszenie zostało wycofane" in text for text in t.texts(woman))  # that screen, edited
        drawn = await store.schedule()
        assert drawn == []  # no digest round; the refill is the jury's

        async def another_woman_called() -> bool:
            return sum(call_of(t, chat) is not None for chat in [*WOMEN, 7705]) == 2

        await wait_for(another_woman_called, "a woman called in the withdrawn woman's place")
        second = next(chat for chat in [*WOMEN, 7705] if chat != woman and call_of(t, chat))
        await t.press(second, "Akceptuję", message=call_of(t, second))
        # The man never answers: once his deadline has passed, the schedule draws the other man.
        await store.schedule(now=utcnow() + timedelta(hours=49))
        other_man = next(chat for chat in MEN if chat != man)

        async def other_man_called() -> bool:
            return call_of(t, other_man) is not None

        await wait_for(other_man_called, "the other man called after the deadline")
        await t.press(man, "Akceptuję", message=call_of(t, man))
        assert (
            t.fake.callback_answers(man)[-1]["text"] == "Czas na odpowiedź minął; twoje miejsce przypadło innej osobie."
        )
        states = sorted((await seats(db)).values())
        assert states == ["accepted", "expired", "invited", "withdrawn"], states


async def test_an_organiser_learns_in_the_chat_which_quota_to_relax_when_the_pool_cannot_meet_them(
    api_app, fake, bot, store, db, jury_consultation
):
    async with bot_and_engine(api_app, fake, bot, store) as (t, _engine):
        for chat in (7801, 7802, 7803):  # three men volunteer; the quotas want one woman and one man
            await volunteer(t, chat, "Mężczyzna", None)
        await t.send(ORGANISER, f"/jury {SLUG} draw 1", language_code="de")
        said = t.texts(ORGANISER)[-1]
        assert said.startswith("Keine Runde aus diesem Pool erfüllt alle Quoten der Definition."), said
        assert "gender woman: min 1 → 0" in said, said
        await t.send(ORGANISER, f"/jury {SLUG} draw seven", language_code="de")
        assert t.texts(ORGANISER)[-1] == "„seven“ ist kein Startwert: eine ganze Zahl, z. B. 20270501."
        assert await seats(db) == {}  # nothing drawn, nobody called
