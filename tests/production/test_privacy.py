"""Privacy rights: /mydata sends everything stored about the participant as a JSON file; /forget deletes their
contact data and identity and keeps their answers only as anonymous contributions; retention deletes contact
data N days after consultations close."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from api import privacy
from core.settings import Settings
from storage.models import (
    Answer,
    Consultation,
    Contact,
    Enrolment,
    Item,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    utcnow,
)
from storage.models_webhook import ConsultationClosure
from tests.conftest import repo_root
from tests.harness import every_framework
from tests.test_e2e_every_kind import load_example

CHAT, OTHER = 6201, 6202


async def answer_some_of_the_demo(t, chat: int = CHAT) -> None:
    await t.send(chat, "/start", language_code="en")
    await t.press(chat, "English")
    await t.press(chat, "✅")
    await t.press(chat, index=1)  # age
    await t.press(chat, "👍")  # a vote …
    await t.press(chat, index=0)  # … with its "why?"
    await t.press(chat, "👎")
    await t.press(chat, "Skip")


def sent_document(t, chat: int) -> tuple[str, dict]:
    message = t.messages(chat)[-1]
    assert message["kind"] == "document", t.texts(chat)
    stored = t.fake.chats.get(chat).messages[message["message_id"]].message
    content = t.fake.files.get(stored["document"]["file_id"]).content
    return message["document"]["file_name"], json.loads(content)


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


@every_framework
async def test_mydata_sends_everything_stored_as_a_json_file(telegram, db, demo):
    t = telegram
    await answer_some_of_the_demo(t)
    await t.send(CHAT, "/mydata")
    name, data = sent_document(t, CHAT)
    assert name == "viche-my-data.json"
    assert "Everything viche stores about you" in t.texts(CHAT)[-1]
    assert data["format"] == "viche-export/1"
    assert data["contacts"] == [
        {"channel": "telegram", "external_id": str(CHAT), "created_at": data["contacts"][0]["created_at"]}
    ]
    assert data["participant"]["language"] == "en"
    [consultation] = data["consultations"]
    [age] = consultation["answers"]
    shown = next(text for text in t.texts(CHAT) if "How old are you?" in text)
    assert age["options"] == [shown.rsplit("✓ ", 1)[1]] and age["question"] == "How old are you?"
    assert consultation["slug"] == demo and consultation["enrolment"]["consented_at"]
    assert [(v["choice"], v["qualification"]) for v in consultation["votes"]] == [
        ("agree", "like_it"),
        ("disagree", None),
    ]
    assert all(v["proposal"] for v in consultation["votes"])  # readable: the proposal's text, not an id
    async with db.session() as s:
        participant = (await s.execute(select(Participant))).scalar_one()
    assert data["participant"]["id"] == participant.id


@every_framework
async def test_mydata_and_forget_for_someone_unknown_create_nothing(telegram, db, demo):
    await telegram.send(OTHER, "/mydata", language_code="en")
    await telegram.send(OTHER, "/forget", language_code="en")
    assert (
        telegram.texts(OTHER)
        == ["I have no data about you: you have not taken part yet, or your data was deleted."] * 2
    )
    assert await count(db, Participant) == 0 and await count(db, Contact) == 0


@every_framework
async def test_forget_deletes_identity_and_keeps_anonymous_answers(telegram, db, demo):
    t = telegram
    await answer_some_of_the_demo(t)
    await answer_some_of_the_demo(t, OTHER)
    async with db.session() as s:
        old_id = (await s.execute(select(Contact.participant_id).where(Contact.external_id == str(CHAT)))).scalar_one()
    votes_before = await count(db, ProposalVote)
    await t.send(CHAT, "/forget")
    assert "cannot be undone" in t.texts(CHAT)[-1]
    await t.press(CHAT, "Cancel")
    assert t.texts(CHAT)[-1] == "Nothing was deleted."
    assert await count(db, Contact, Contact.external_id == str(CHAT)) == 1

    await t.send(CHAT, "/forget")
    stale = t.last_with_buttons(CHAT)  # asked twice; confirmed on the second message
    await t.send(CHAT, "/forget")
    await t.press(CHAT, "Yes, delete")
    assert "Your data is deleted" in t.texts(CHAT)[-1]
    assert t.fake.callback_answers(CHAT)[-1]["text"] == "Deleted ✓"

    assert await count(db, Contact, Contact.external_id == str(CHAT)) == 0
    assert await count(db, Participant, Participant.id == old_id) == 0
    for model in (ProposalVote, PairPrompt, Enrolment, Answer):
        assert await count(db, model, model.participant_id == old_id) == 0
    # the answers still count, under an id that nothing links to a person
    assert await count(db, ProposalVote) == votes_before
    assert await count(db, Participant) == 2 and await count(db, Contact) == 1
    async with db.session() as s:
        orphan = (
            await s.execute(select(Participant).where(~Participant.id.in_(select(Contact.participant_id))))
        ).scalar_one()
        assert orphan.id != old_id and orphan.language == "en"
        assert (
            await s.scalar(
                select(func.count()).select_from(ProposalVote).where(ProposalVote.participant_id == orphan.id)
            )
            == 2
        )

    # Back again: a new participant, from the language picker on; the old confirmation deletes nothing.
    await t.send(CHAT, "/start", language_code="en")
    assert t.texts(CHAT)[-1].startswith("👋 Hello!") and t.texts(CHAT)[-1].endswith("Choose your language:")
    await t.fake.press_button(CHAT, stale["message_id"], stale["buttons"][0][0]["callback_data"])
    await t.settle()
    assert t.fake.callback_answers(CHAT)[-1]["text"] == "This button is no longer active."
    assert await count(db, Contact, Contact.external_id == str(CHAT)) == 1


async def example_in_english(t, db, http, chat: int = CHAT) -> tuple[str, dict]:
    """The example consultation loaded, ``chat`` in it in English; the participant as the API knows them."""
    slug = await load_example(db)
    await t.send(chat, f"/start {slug}", language_code="en")
    await t.press(chat, "English")
    participant = (await http.post("/participant/find", json={"channel": "telegram", "external_id": str(chat)})).json()
    return slug, participant


@every_framework
async def test_forget_removes_free_text_and_place_comments_and_authorship(telegram, db, api_app, http):
    _slug, participant = await example_in_english(telegram, db, http)
    async with db.session() as s:
        (await s.execute(select(Consultation))).scalar_one()
        items = {i.key: i for i in (await s.execute(select(Item))).scalars()}
        enrolment = (await s.execute(select(Enrolment))).scalar_one()  # the deep link enrolled them
        enrolment.consented_at = utcnow()
        s.add(Answer(participant_id=participant["id"], item_id=items["safety_why"].id, value="My street, no. 5"))
        s.add(
            Proposal(
                item_id=items["ideas"].id,
                text={"en": "Free boats on Sundays"},
                status="pending",
                author_id=participant["id"],
            )
        )
        place = next(i for i in items.values() if i.kind == "place")
        s.add(
            Answer(
                participant_id=participant["id"],
                item_id=place.id,
                value={"latitude": 46.97213, "longitude": 31.99461, "comment": "next to my house"},
            )
        )
        await s.commit()
    exported = (await http.get(f"/participant/{participant['id']}/export")).json()
    [section] = exported["consultations"]
    assert {a["item"] for a in section["answers"]} == {"safety_why", place.key}
    assert section["proposals"][0]["text"] == {"en": "Free boats on Sundays"}

    forgotten = await http.post(f"/participant/{participant['id']}/forget")
    assert forgotten.status_code == 200 and forgotten.json()["contacts_deleted"] == 1
    async with db.session() as s:
        values = [a.value for a in (await s.execute(select(Answer))).scalars()]
        # the place stays, its point to about 100 m; the comment goes
        assert values == [{"latitude": 46.972, "longitude": 31.995, "comment": None}]
        assert (await s.execute(select(Proposal.author_id).where(Proposal.status == "pending"))).scalar_one() is None
    assert (await http.get(f"/participant/{participant['id']}/export")).status_code == 404
    assert (await http.post(f"/participant/{participant['id']}/forget")).status_code == 404


async def _participant_in(db, chat: int, consultation_id: int | None, created_days_ago: int = 0) -> str:
    async with db.session() as s:
        participant = Participant(language="en", created_at=utcnow() - timedelta(days=created_days_ago))
        s.add(participant)
        await s.flush()
        s.add(Contact(participant_id=participant.id, channel="telegram", external_id=str(chat)))
        if consultation_id is not None:
            s.add(Enrolment(participant_id=participant.id, consultation_id=consultation_id, consented_at=utcnow()))
        await s.commit()
        return participant.id


async def test_retention_deletes_contact_data_n_days_after_closing(db, demo):
    async with db.session() as s:
        demo_row = (await s.execute(select(Consultation))).scalar_one()
        other = Consultation(
            slug="second", status="open", default_language="en", languages=["en"], title={"en": "Second"}
        )
        s.add(other)
        await s.commit()
        demo_id, other_id = demo_row.id, other.id
    only_demo = await _participant_in(db, 1, demo_id)
    both = await _participant_in(db, 2, demo_id)
    async with db.session() as s:
        s.add(Enrolment(participant_id=both, consultation_id=other_id))
        await s.commit()
    never_joined_old = await _participant_in(db, 3, None, created_days_ago=40)
    never_joined_new = await _participant_in(db, 4, None, created_days_ago=1)

    async with db.session() as s:
        # nothing has closed yet: only the old contact that never joined anything goes
        assert await privacy.sweep_retention(s, 30) == {
            "contacts_deleted": 1,
            "jury_contacts_erased": 0,
            "phone_hashes_erased": 0,
        }
        demo_row = await s.get(Consultation, demo_id)
        demo_row.status = "closed"
        await s.commit()
        # the demo closed just now: its closing time is noted, its participants are kept for 30 days
        assert await privacy.sweep_retention(s, 30) == {
            "contacts_deleted": 0,
            "jury_contacts_erased": 0,
            "phone_hashes_erased": 0,
        }
        closure = await s.get(ConsultationClosure, demo_id)
        assert closure is not None
        # 31 days later, the demo's participants go — except whoever also takes part in the open one
        assert await privacy.sweep_retention(s, 30, now=utcnow() + timedelta(days=31)) == {
            "contacts_deleted": 2,
            "jury_contacts_erased": 0,
            "phone_hashes_erased": 0,
        }
    remaining = {c for (c,) in (await _contacts(db))}
    assert remaining == {both}
    assert only_demo not in remaining and never_joined_old not in remaining and never_joined_new not in remaining
    # the anonymous answers and participants stay; only the link to Telegram went
    assert await count(db, Participant) == 4


async def _contacts(db):
    async with db.session() as s:
        return (await s.execute(select(Contact.participant_id))).all()


def test_viche_retention_command(database_url, tmp_path):
    env = {"VICHE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo_root())}
    without = subprocess.run(
        [sys.executable, "-m", "viche.cli", "retention"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert without.returncode == 2 and "VICHE_RETENTION_DAYS" in without.stderr
    done = subprocess.run(
        [sys.executable, "-m", "viche.cli", "retention"],
        cwd=tmp_path,
        env={**env, "VICHE_RETENTION_DAYS": "30"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "retention 30 days: deleted the contact data of" in done.stdout


async def test_retention_of_zero_or_fewer_days_is_refused_and_deletes_nothing(database_url, tmp_path, db, demo):
    # Someone who wrote to the bot a moment ago: a period of 0 or -1 days would have deleted their contact at once.
    await _participant_in(db, 5, None)
    env = {"VICHE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo_root())}
    refused = (
        ({}, ["--days", "-1"]),
        ({}, ["--days", "0"]),
        ({"VICHE_RETENTION_DAYS": "30"}, ["--days", "0"]),
        ({"VICHE_RETENTION_DAYS": "-1"}, []),
        ({"VICHE_RETENTION_DAYS": "0"}, []),
    )
    for extra_env, args in refused:
        done = subprocess.run(
            [sys.executable, "-m", "viche.cli", "retention", *args],
            cwd=tmp_path,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, (args, extra_env, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and (
            "at least 1 day" in done.stderr or "VICHE_RETENTION_DAYS=" in done.stderr
        ), done.stderr
        assert await count(db, Contact) == 1, (args, extra_env)
    async with db.session() as s:
        for days in (0, -1):
            with pytest.raises(ValueError, match="at least 1 day"):
                await privacy.sweep_retention(s, days)
    assert await count(db, Contact) == 1
    with pytest.raises(ValidationError):
        Settings(retention_days=0, _env_file=None)
    assert Settings(retention_days=1, _env_file=None).retention_days == 1


@every_framework
async def test_mydata_is_utf8_json_a_person_can_read_in_any_editor(telegram, demo):
    """The file's bytes: UTF-8 without a byte-order mark, Cyrillic as itself, never as \\u041c… escapes."""
    t = telegram
    await t.send(CHAT, "/start", language_code="uk")
    await t.press(CHAT, "Українська")
    await t.press(CHAT, "✅")
    await t.press(CHAT, index=1)  # 18–24
    await t.send(CHAT, "/mydata", language_code="uk")
    message = t.messages(CHAT)[-1]
    assert message["kind"] == "document"
    stored = t.fake.chats.get(CHAT).messages[message["message_id"]].message
    content = t.fake.files.get(stored["document"]["file_id"]).content
    text = content.decode("utf-8")  # raises on anything else
    assert not content.startswith(b"\xef\xbb\xbf")
    assert "\\u04" not in text and "\\u" not in text
    assert '"question": "Скільки вам років?"' in text
    assert json.loads(text)["participant"]["language"] == "uk"
