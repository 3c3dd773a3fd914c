"""Creating digest rounds: content, recipients, preferences, "never the same round twice", the triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.broadcast.outbox import create_digest, due_rounds
from bot.flows.digests import CAPTION_LIMIT, digest_caption, utf16_len
from bot.i18n import SUPPORTED, translator
from storage.consultations import by_slug
from storage.models import Consultation
from storage.models_broadcast import Broadcast, Delivery, MessagingPref
from tests.broadcast.support import crowd, min_group


async def _consultation(db, slug: str) -> Consultation:
    async with db.session() as session:
        return await by_slug(session, slug)


async def test_digest_content_and_personal_figures(db, demo):
    ids = await crowd(db, demo, list(range(100, 160)))
    async with db.session() as session:
        consultation = await by_slug(session, demo)
        broadcast, created = await create_digest(session, consultation, round_="week-1")
    assert created and broadcast.total == 60
    content = broadcast.content
    assert content["participants"] == 60 and content["answers"] > 60
    assert content["top"] and content["top"][0]["agree"] > content["top"][-1]["agree"]
    assert content["chart"]["kind"] == "proposals" and content["chart"]["rows"]
    assert content["pairs"] and content["pairs"][0]["top"]
    async with db.session() as session:
        rows = (await session.execute(select(Delivery))).scalars().all()
    assert {row.participant_id for row in rows} == set(ids.values())
    for row in rows:
        assert row.state == "pending" and row.round == "week-1" and row.kind == "digest"
        assert 0 <= row.personal["with_majority"] <= row.personal["votes"] > 0
        assert 0 <= row.personal["pairs_with_ranking"] <= row.personal["pairs"] > 0


async def test_caption_fits_telegram_in_every_language(db, demo):
    await crowd(db, demo, list(range(100, 130)))
    async with db.session() as session:
        consultation = await by_slug(session, demo)
        broadcast, _ = await create_digest(session, consultation, round_="final")
    content = dict(broadcast.content)
    # Very long proposals in every language: the caption still fits, shortened.
    for section in ("top", "consensus", "divisive"):
        content[section] = [
            {**entry, "text": dict.fromkeys(SUPPORTED, "Дуже довга пропозиція " * 30)} for entry in content[section]
        ] or content["top"]
    personal = {"votes": 10, "with_majority": 7, "pairs": 3, "pairs_with_ranking": 2}
    for locale in SUPPORTED:
        caption = digest_caption(translator(locale), content, personal)
        assert utf16_len(caption) <= CAPTION_LIMIT, locale
        assert "/digests" in caption and "7" in caption
    english = digest_caption(translator("en"), broadcast.content, personal)
    assert "the results" in english and "You agreed with the majority on 7 of 10 proposals." in english


async def test_nobody_gets_a_round_twice_and_preferences_are_honoured(db, demo):
    ids = await crowd(db, demo, list(range(200, 210)))
    pids = list(ids.values())
    async with db.session() as session:
        session.add(MessagingPref(participant_id=pids[0], stopped=True))
        session.add(MessagingPref(participant_id=pids[1], digests=False))
        session.add(MessagingPref(participant_id=pids[2], unreachable_at=datetime.now(UTC)))
        await session.commit()
        consultation = await by_slug(session, demo)
        first, created = await create_digest(session, consultation, round_="final")
        assert created and first.total == 7
        again, created_again = await create_digest(session, consultation, round_="final")
        assert not created_again and again.id == first.id
        # Someone turns digests back on: a second broadcast of the round reaches only them.
        pref = await session.get(MessagingPref, pids[1])
        pref.digests = True
        await session.commit()
        top_up, created_top_up = await create_digest(session, consultation, round_="final")
        assert created_top_up and top_up.total == 1
        other_round, _ = await create_digest(session, consultation, round_="week-2")
        assert other_round.total == 8
        per_person = (
            await session.execute(
                select(Delivery.participant_id, func.count())
                .where(Delivery.round == "final")
                .group_by(Delivery.participant_id)
            )
        ).all()
    assert all(count == 1 for _, count in per_person) and len(per_person) == 8


async def test_closing_queues_the_final_digest(db, demo, http):
    await crowd(db, demo, list(range(300, 305)))
    await min_group(db, demo, 5)
    response = await http.post(f"/organiser/consultations/{demo}/status", json={"action": "close"})
    assert response.status_code == 200
    listed = (await http.get("/organiser/broadcasts")).json()
    assert [(b["slug"], b["kind"], b["round"], b["total"], b["status"]) for b in listed] == [
        (demo, "digest", "final", 5, "running")
    ]
    assert listed[0]["remaining"] == 5 and listed[0]["eta_seconds"] == 0.2
    again = await http.post(f"/organiser/consultations/{demo}/digest", json={})
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["round"] == "final"


async def test_digest_route_rounds_and_errors(db, demo, http):
    assert (await http.post(f"/organiser/consultations/{demo}/digest", json={})).json()["error"][
        "code"
    ] == "below_threshold"
    ids = await crowd(db, demo, [401, 402])
    # Two participants, and the demo's minimum group is 10: no result goes out, and the refusal says why.
    refused = await http.post(f"/organiser/consultations/{demo}/digest", json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "below_threshold"
    assert (refused.json()["error"]["participants"], refused.json()["error"]["needed"]) == (2, 10)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    await min_group(db, demo, 2)
    response = await http.post(
        f"/organiser/consultations/{demo}/digest", json={"organiser_chat_id": 900001, "organiser_language": "en"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["round"].startswith("update-") and body["total"] == 2 and body["created"]
    assert (await http.post(f"/organiser/consultations/{demo}/digest", json={"round": "Bad Round"})).status_code == 422
    assert (await http.post("/organiser/consultations/nope/digest", json={})).status_code == 404
    cancelled = await http.post(f"/organiser/broadcasts/{body['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["remaining"] == 0
    # The cancelled round reached nobody, so a new broadcast of it may.
    assert (
        await http.post(f"/organiser/consultations/{demo}/digest", json={"round": body["round"]})
    ).status_code == 201
    for pid in ids.values():
        await http.put(f"/participant/{pid}/messaging", json={"stopped": True})
    nobody = await http.post(f"/organiser/consultations/{demo}/digest", json={"round": "week-9"})
    assert nobody.status_code == 409 and nobody.json()["error"]["code"] == "no_recipients"


async def test_interim_schedule_and_closing_time(db, demo):
    await crowd(db, demo, [501, 502, 503])
    await min_group(db, demo, 3)
    now = datetime.now(UTC)
    async with db.session() as session:
        consultation = await by_slug(session, demo)
        consultation.definition = {
            **consultation.definition,
            "digests": {"interim": [(now - timedelta(hours=2)).isoformat(), (now + timedelta(days=1)).isoformat()]},
        }
        await session.commit()
        created = await due_rounds(session, now)
        assert [(b.round, b.total) for b in created] == [("interim-1", 3)]
        assert await due_rounds(session, now) == []  # idempotent
        consultation.closes_at = now - timedelta(minutes=1)  # the closing time passed, status still "open"
        await session.commit()
        created = await due_rounds(session, now)
        assert [(b.round, b.total) for b in created] == [("final", 3)]
        assert await due_rounds(session, now + timedelta(days=2)) == []  # no interim after the end
        rounds = (await session.execute(select(Broadcast.round).order_by(Broadcast.id))).scalars().all()
    assert rounds == ["interim-1", "final"]


async def test_preferences_routes(db, demo, http):
    ids = await crowd(db, demo, [601], votes=False)
    pid = ids[601]
    assert (await http.get(f"/participant/{pid}/messaging")).json() == {
        "digests": True,
        "stopped": False,
        "unreachable": False,
    }
    assert (await http.put(f"/participant/{pid}/messaging", json={"stopped": True})).json()["stopped"] is True
    async with db.session() as session:
        pref = await session.get(MessagingPref, pid)
        pref.unreachable_at = datetime.now(UTC)
        await session.commit()
    assert (await http.get(f"/participant/{pid}/messaging")).json()["unreachable"] is True
    assert (
        await http.post("/participant/messaging/reachable", json={"channel": "telegram", "external_id": "601"})
    ).status_code == 204
    assert (await http.get(f"/participant/{pid}/messaging")).json() == {
        "digests": True,
        "stopped": True,
        "unreachable": False,
    }
    assert (await http.get("/participant/nobody/messaging")).status_code == 404


async def test_the_definition_file_schedules_interim_digests(db):
    from core.definition import ConsultationDef
    from storage.consultations import save_definition
    from viche.loading import DEMO_FILE, read_definition

    now = datetime.now(UTC)
    raw = read_definition(DEMO_FILE).model_dump(mode="json", exclude_none=True)
    raw["digests"] = {"interim": [(now - timedelta(minutes=5)).isoformat()], "on_close": False}
    definition = ConsultationDef.model_validate(raw)
    async with db.session() as session:
        consultation = await save_definition(session, definition, status="open")
    await crowd(db, consultation.slug, [701, 702])
    await min_group(db, consultation.slug, 2)
    async with db.session() as session:
        assert [(b.round, b.total) for b in await due_rounds(session)] == [("interim-1", 2)]
        consultation = await by_slug(session, consultation.slug)
        consultation.status = "closed"
        await session.commit()
        from api.broadcast.outbox import on_status_changed

        assert await on_status_changed(session, consultation) is None  # on_close: false


async def test_no_digest_goes_out_below_the_minimum_group(db, demo, http):
    """One participant, a minimum group of 10: neither the schedule nor closing sends anything."""
    await crowd(db, demo, [801])
    now = datetime.now(UTC)
    async with db.session() as session:
        consultation = await by_slug(session, demo)
        consultation.definition = {
            **consultation.definition,
            "digests": {"interim": [(now - timedelta(hours=1)).isoformat()]},
        }
        await session.commit()
        assert await due_rounds(session, now) == []
        assert await due_rounds(session, now) == []  # the round is recorded as done, with nobody to tell
    assert (await http.post(f"/organiser/consultations/{demo}/status", json={"action": "close"})).status_code == 200
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0
        rounds = (await session.execute(select(Broadcast.round, Broadcast.total))).all()
    assert [tuple(r) for r in rounds] == [("interim-1", 0)]


async def _votes(db, slug: str, chats: list[int], choices: dict[int, str]) -> None:
    """Everyone in ``chats`` votes ``choices[n]`` on the n-th proposal of the consultation's first proposal item."""
    from storage.models import Item, Proposal, ProposalVote

    ids = await crowd(db, slug, chats, votes=False)
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        item = (
            (
                await session.execute(
                    select(Item)
                    .where(Item.consultation_id == consultation.id, Item.kind == "proposal")
                    .order_by(Item.position)
                )
            )
            .scalars()
            .first()
        )
        proposals = (
            (await session.execute(select(Proposal.id).where(Proposal.item_id == item.id).order_by(Proposal.id)))
            .scalars()
            .all()
        )
        for pid in ids.values():
            for n, choice in choices.items():
                session.add(ProposalVote(participant_id=pid, item_id=item.id, proposal_id=proposals[n], choice=choice))
        await session.commit()


def _most_supported(caption: str) -> list[str]:
    section = next(block for block in caption.split("\n\n") if block.startswith("🏆"))
    return section.splitlines()[1:]


async def test_most_supported_lists_only_proposals_a_majority_agrees_with(db, demo):
    await _votes(db, demo, list(range(900, 912)), {0: "agree", 1: "disagree", 2: "neutral"})
    async with db.session() as session:
        broadcast, _ = await create_digest(session, await by_slug(session, demo), round_="week-1")
    content = broadcast.content
    assert [e["agree"] for e in content["top"]] == [1.0] and not content["top_none"]
    lines = _most_supported(digest_caption(translator("en"), content, None))
    assert len(lines) == 1 and lines[0].startswith("1. ") and lines[0].endswith("— 100% agree")


async def test_when_no_proposal_has_a_majority_the_digest_says_so(db, demo):
    await _votes(db, demo, list(range(920, 932)), {0: "disagree", 1: "disagree", 2: "neutral"})
    async with db.session() as session:
        broadcast, _ = await create_digest(session, await by_slug(session, demo), round_="week-1")
    content = broadcast.content
    assert content["top"] == [] and content["top_none"]
    assert _most_supported(digest_caption(translator("en"), content, None)) == [
        "No proposal has the agreement of a majority of its voters yet."
    ]
    assert _most_supported(digest_caption(translator("uk"), content, None)) == [
        "Поки що жодна пропозиція не має згоди більшості тих, хто за неї голосував."
    ]
    final = {**content, "round": "final"}
    assert _most_supported(digest_caption(translator("de"), final, None)) == [
        "Kein Vorschlag hat die Zustimmung der Mehrheit derer, die darüber abgestimmt haben."
    ]
    # A digest stored before this rule listed proposals at 0 %: they are not shown as "most supported" either.
    stored = {
        **content,
        "top": [{"id": 1, "text": {"en": "Close the library"}, "agree": 0.0, "disagree": 1.0}],
        "top_none": False,
    }
    assert _most_supported(digest_caption(translator("en"), stored, None)) == [
        "No proposal has the agreement of a majority of its voters yet."
    ]


def test_rounds_are_named_in_words_never_by_their_id():
    from bot.flows.digests import round_label

    en, uk = translator("en"), translator("uk")
    assert round_label(en, "update-20261201") == "update of December 1, 2026"
    assert round_label(uk, "update-20261201") == "оновлення від 1 грудня 2026\u202fр."
    assert [round_label(en, r) for r in ("final", "interim-2", "launch", "week-1")] == [
        "final results",
        "interim update 2",
        "launch",
        "week-1",
    ]
    assert round_label(translator("fr"), "final") == "résultats définitifs"
