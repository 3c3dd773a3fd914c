"""The example consultation (every item kind, a profile, branches) completed in Telegram through the real
dispatcher — aiogram's and python-telegram-bot's — with a deep link that records its outreach source, a citizen
proposal, a refused over-budget pick, a place with a comment — and progress that survives a restart of the whole
process."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.consultations import save_definition
from storage.models import Answer, Enrolment, PairPrompt, Participant, Proposal, ProposalVote
from tests.conftest import SERVICE_TOKEN, repo_root
from tests.harness import every_framework, running_bot
from viche.loading import read_definition

CHAT = 7001
pytestmark = every_framework


async def load_example(db) -> str:
    async with db.session() as session:
        consultation = await save_definition(
            session, read_definition(repo_root() / "examples" / "riverside.yaml"), status="open"
        )
    return consultation.slug


async def test_the_example_consultation_end_to_end(telegram, db, api_app):
    slug = await load_example(db)
    t = telegram
    await t.send(CHAT, f"/start {slug}--school-12", language_code="en")
    await t.press(CHAT, "English")
    assert "A new Southern Bug riverside" in t.texts(CHAT)[-1]
    await t.press(CHAT, "✅")
    assert "How old are you?" in t.texts(CHAT)[-1]
    await t.press(CHAT, "18-24")
    assert "region" in t.texts(CHAT)[-1], t.texts(CHAT)
    await t.press(CHAT, "rather not say")  # profile questions are skippable
    # single choice "rarely" opens the multi-choice branch on barriers
    await t.press(CHAT, "A few times a year")
    assert "What keeps you from going more often?" in t.texts(CHAT)[-1]
    await t.press(CHAT, "Hard to get to")  # toggles: the keyboard is edited in place
    await t.press(CHAT, "Dirty")
    assert [b["text"] for b in t.buttons(CHAT) if b["text"].startswith("☑️")] == ["☑️ Hard to get to", "☑️ Dirty"]
    await t.press(CHAT, "Done")
    await t.press(CHAT, "Go for walks")  # activities
    await t.press(CHAT, "Done")
    assert "How safe do you feel" in t.texts(CHAT)[-1] and "1 — Not safe at all" in t.texts(CHAT)[-1]
    await t.press(CHAT, "2")  # scale 2 opens the free-text branch
    assert "What exactly makes you feel unsafe?" in t.texts(CHAT)[-1]
    await t.send(CHAT, "No lights\u202e at all\x07 near the bridge")
    # proposals: vote, qualify, and add one of our own
    await t.press(CHAT, "👍")
    await t.press(CHAT, "doable")
    await t.press(CHAT, "Add my own proposal")
    await t.send(CHAT, "too short")
    assert "12 to 280 characters" in t.texts(CHAT)[-1]
    await t.send(CHAT, "Put floating gardens on the river near the old port")
    assert "once a moderator has checked it" in "\n".join(t.texts(CHAT)[-2:])
    await t.press(CHAT, "Add my own proposal")
    await t.send(CHAT, "light the whole riverside with WARM lighting until midnight!!")
    assert "already in the consultation" in "\n".join(t.texts(CHAT)[-2:])
    for _ in range(4):
        await t.press(CHAT, "👎")
        await t.press(CHAT, "Skip")
    for _ in range(6):  # pairs
        await t.press(CHAT, "🅰")
    # budget: pontoon + lights + playground = 2 030 000 > 2 000 000 is refused
    assert "You have 2,000,000 hryvnias" in t.texts(CHAT)[-1]
    await t.press(CHAT, "pontoon")
    await t.press(CHAT, "Riverside lighting")
    await t.press(CHAT, "Playground")
    assert t.fake.callback_answers(CHAT)[-1]["text"] == (
        "This project costs ₴480,000, but only ₴450,000 is left. Take a project out first."
    )
    assert t.fake.callback_answers(CHAT)[-1]["show_alert"]
    assert "Budget left: ₴450,000 of ₴2,000,000" in t.texts(CHAT)[-1]
    await t.press(CHAT, "Done")
    # place with a comment
    assert "Send the location" in t.texts(CHAT)[-1]
    await t.share_location(CHAT, 46.9659, 31.9974)
    await t.send(CHAT, "The stairs by the bridge are broken")
    await t.press(CHAT, "Skip")  # anything else? (optional free text)
    assert "Thank you!" in t.texts(CHAT)[-1]

    async with db.session() as s:
        enrolment = (await s.execute(select(Enrolment))).scalar_one()
        assert enrolment.source == "school-12" and enrolment.completed_at is not None
        participant = (await s.execute(select(Participant))).scalar_one()
        assert participant.age_band == "18-24" and participant.region is None
        answers = {a.item_id: a for a in (await s.execute(select(Answer))).scalars()}
        values = [a.value for a in answers.values()]
        assert "No lights\u202e at all near the bridge" in values  # control character dropped
        place = next(v for v in values if isinstance(v, dict))
        assert place == {"latitude": 46.9659, "longitude": 31.9974, "comment": "The stairs by the bridge are broken"}
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 5
        assert await s.scalar(select(func.count()).select_from(PairPrompt).where(PairPrompt.outcome == "left")) == 6
        pending = (await s.execute(select(Proposal).where(Proposal.status == "pending"))).scalars().all()
        assert [p.text for p in pending] == [{"en": "Put floating gardens on the river near the old port"}]
        assert pending[0].author_id == participant.id
        budget = next(
            a
            for a in answers.values()
            if isinstance(a.value, list)
            and len(a.value) == 2
            and a.option_id is None
            and a.value != []
            and a.item_id != min(answers)
        )
        assert budget is not None


async def test_progress_survives_a_restart(settings, db, api_app, framework):
    slug = await load_example(db)
    async with running_bot(api_app, SERVICE_TOKEN, framework=framework) as t:
        await t.send(CHAT, f"/start {slug}", language_code="en")
        await t.press(CHAT, "English")
        await t.press(CHAT, "✅")
        await t.press(CHAT, "25-34")
        await t.press(CHAT, "Old Town")
        await t.press(CHAT, "Every week")
    # A new process: new API app, new dispatcher, new fake Telegram; same database.
    from api.app import create_app

    async with running_bot(create_app(settings, db), SERVICE_TOKEN, framework=framework) as t:
        await t.send(CHAT, "/start", language_code="en")
        assert "What would you do on a renewed riverside?" in t.texts(CHAT)[-1]
