"""Where you stand, in Telegram through the real dispatcher and delivery engine, in all seven locales.

Three camps vote on the demo's proposals and a few more: camp A (12 people) and camp B (12) disagree on most
things, camp C (5: fewer than the demo's minimum group of 10) rejects what divides them and agrees with a statement
nobody else does, and every
camp agrees on one. The opinion groups are computed from these votes (api/opinion_groups.py); then each
participant's digest says which group they are in, named by what it agrees on, what it supports unlike the
others and what every group agrees on; "How do I compare?" answers the same; C's members hear only what every
group agrees on, and nothing C alone agrees on is written to anyone.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import insert, select

from api.broadcast.content import digest_content, personal_figures
from api.opinion_groups import recompute
from bot.i18n import SUPPORTED, translator
from storage.consultations import by_slug
from storage.models import Item, Proposal, ProposalVote
from storage.models_groups import OpinionGroupMember
from tests.broadcast.support import crowd
from tests.broadcast.test_bot_commands import ORGANISER, bot_and_engine

WORD = {
    "uk": "Твердження",
    "en": "Statement",
    "de": "Aussage",
    "pl": "Teza",
    "cs": "Výrok",
    "fr": "Énoncé",
    "sv": "Påstående",
}
# Per camp, its vote on each statement: the demo's three proposals (0-2), then the five added here (3-7).
CAMPS = {
    "A": ("agree", "disagree", "agree", "agree", "agree", "disagree", "disagree", "disagree"),
    "B": ("disagree", "agree", "agree", "disagree", "disagree", "agree", "agree", "disagree"),
    "C": ("disagree", "disagree", "agree", "disagree", "disagree", "disagree", "disagree", "agree"),
}
SIZES = {"A": 12, "B": 12, "C": 5}
COMMON, ONLY_C = 2, 7


async def planted(db, slug: str) -> tuple[dict[str, dict[int, str]], list[int], list[dict[str, str]]]:
    """The three camps' participants (camp → chat → participant id), the statements' ids and texts."""
    camps: dict[str, dict[int, str]] = {}
    start = 7600
    # Within A and B, each member passes on one statement: people who vote exactly alike would make too few base
    # clusters for a third group (Polis tries k up to 2 + base clusters / 12).
    for camp, size in SIZES.items():
        chats = list(range(start, start + size))
        camps[camp] = await crowd(db, slug, chats, languages=SUPPORTED, votes=False)
        start += 100
    now = datetime.now(UTC)
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        item = (
            await session.execute(select(Item).where(Item.consultation_id == consultation.id, Item.kind == "proposal"))
        ).scalar_one()
        for n in range(3, 8):
            session.add(
                Proposal(
                    item_id=item.id, text={lang: f"{word} {n}{n}{n}" for lang, word in WORD.items()}, status="accepted"
                )
            )
        await session.flush()
        proposals = (
            (await session.execute(select(Proposal).where(Proposal.item_id == item.id).order_by(Proposal.id)))
            .scalars()
            .all()
        )
        assert len(proposals) == 8
        # The author of the statement every camp agrees on is in camp A (the first, an Ukrainian speaker).
        proposals[COMMON].author_id = next(iter(camps["A"].values()))
        await session.execute(
            insert(ProposalVote),
            [
                {
                    "participant_id": pid,
                    "item_id": item.id,
                    "proposal_id": p.id,
                    "choice": "neutral" if camp != "C" and n == member % 8 and n != COMMON else CAMPS[camp][n],
                    "created_at": now,
                }
                for camp, members in camps.items()
                for member, pid in enumerate(members.values())
                for n, p in enumerate(proposals)
            ],
        )
        await session.commit()
        return camps, [p.id for p in proposals], [dict(p.text) for p in proposals]


async def test_where_you_stand_in_the_digest_and_on_demand_in_every_locale(api_app, fake, bot, store, db, demo, http):
    camps, ids, texts = await planted(db, demo)
    for members in camps.values():
        for n, chat in enumerate(members):
            fake.register_user(chat, language_code=SUPPORTED[n % len(SUPPORTED)])
    a_member = next(iter(camps["A"].values()))

    # Before the groups are computed: the route says so, and so does the button.
    answer = (await http.get(f"/participant/{a_member}/standing", params={"slug": demo})).json()
    assert answer["groups"] is False
    async with bot_and_engine(api_app, fake, bot, store) as (t, _):
        for n, chat in enumerate(list(camps["B"])[: len(SUPPORTED)]):
            tr = translator(SUPPORTED[n])
            await t.send(chat, "/digests", language_code=SUPPORTED[n])
            t.deliver_press(chat, t.last(chat)["message_id"], f"ws:{demo}", "inaccessible")
            await t.settle()
            assert (
                tr._(
                    "Opinion groups appear once enough people have voted on the proposals. "
                    "Come back a little later to see where you stand."
                )
                in t.texts(chat)[-1]
            )

        async with db.session() as session:
            consultation = await by_slug(session, demo)
        stored = await recompute(db, consultation.id)
        assert stored.k == 3, (stored.sizes, stored.best_k, stored.last_k_count, stored.stability)
        async with db.session() as session:
            members = dict(
                (await session.execute(select(OpinionGroupMember.participant_id, OpinionGroupMember.group))).all()
            )
        group_of = {camp: {members[pid] for pid in chats.values()} for camp, chats in camps.items()}
        assert all(len(groups) == 1 for groups in group_of.values()), group_of  # the camps are the groups
        assert sorted(stored.sizes) == [5, 12, 12]

        # The route: A's group is named by a statement A agrees with and B does not; C's members get no group.
        names = {}
        for camp in ("A", "B", "C"):
            answer = (
                await http.get(f"/participant/{next(iter(camps[camp].values()))}/standing", params={"slug": demo})
            ).json()
            assert answer["groups"] is True
            assert [entry["id"] for entry in answer["common"]] == [ids[COMMON]]
            if camp == "C":
                assert answer["group"] is None
                continue
            name = answer["group"]["name"]["id"]
            assert CAMPS[camp][ids.index(name)] == "agree" and name != ids[COMMON], answer
            assert all(CAMPS[camp][ids.index(e["id"])] == "agree" for e in answer["group"]["distinctive"])
            assert 1 <= len(answer["group"]["distinctive"]) <= 3
            names[camp] = texts[ids.index(name)]
        answer = (await http.get(f"/participant/{a_member}/standing", params={"slug": demo})).json()
        assert [(e["id"], e["votes"], e["bridging"]) for e in answer["own"]] == [(ids[COMMON], 29, True)]

        await t.send(ORGANISER, f"/digest {demo} week-1")
        deadline = time.monotonic() + 30
        while "Finished" not in t.texts(ORGANISER)[-1]:
            assert time.monotonic() < deadline, t.texts(ORGANISER)[-1]
            await asyncio.sleep(0.1)
        seen_locales = {"A": set(), "B": set(), "C": set()}
        for camp, chats in camps.items():
            for n, chat in enumerate(chats):
                locale = SUPPORTED[n % len(SUPPORTED)]
                tr = translator(locale)
                digest = t.last(chat)
                caption = digest.get("caption") or digest.get("text") or ""
                common_line = tr._("🤝 Every group agrees:") + "\n• " + texts[COMMON][locale]
                assert common_line in caption, caption
                if camp == "C":
                    assert (
                        tr._("🧭 Your votes do not place you in one of the opinion groups described here.") in caption
                    )
                else:
                    among = tr._(
                        "🧭 You are among the people who agree that «{statement}».", statement=names[camp][locale]
                    )
                    assert among in caption, caption
                    if locale != "en":
                        assert "You are among" not in caption
                if chat == next(iter(camps["A"])):
                    assert "📝" in caption and tr._("Every opinion group agrees with it.") in caption, caption
                else:
                    assert "📝" not in caption
                # "How do I compare?" under the digest answers the same, in a message of its own.
                if len(seen_locales[camp]) < len(SUPPORTED) and locale not in seen_locales[camp]:
                    seen_locales[camp].add(locale)
                    await t.press(chat, tr._("🧭 How do I compare?"), message=digest)
                    reply = t.texts(chat)[-1]
                    assert reply.startswith("🧭 ") and reply != caption
                    assert texts[COMMON][locale] in reply
                    if camp != "C":
                        assert (
                            tr._(
                                "🧭 You are among the people who agree that «{statement}».",
                                statement=names[camp][locale],
                            )
                            in reply
                        )
        assert seen_locales["A"] == seen_locales["B"] == set(SUPPORTED), seen_locales  # C: its five

        # Nothing only the small group agrees on is written to anyone, in any language.
        everything = [text for chat in (c for chats in camps.values() for c in chats) for text in t.texts(chat)]
        for only_c in texts[ONLY_C].values():
            assert not any(only_c in text for text in everything), only_c


async def test_a_digest_to_more_people_than_one_statement_can_name_still_tells_each_where_they_stand(db, demo):
    """A digest's personal figures are read for all its recipients at once (api/broadcast/outbox.py); a statement
    holds at most 32 767 parameters (asyncpg, SQLite), so a list of recipients past that must still work. Nothing
    is told about fewer than k people: neither a group under the threshold, nor a proposal fewer voted on."""
    camps, ids, _texts = await planted(db, demo)
    async with db.session() as session:
        consultation = await by_slug(session, demo)
    await recompute(db, consultation.id)
    author = next(iter(camps["A"].values()))
    everyone = [pid for members in camps.values() for pid in members.values()]
    # A B member's proposal that only three people voted on (under the demo's 10): its author hears nothing of it.
    few_author, few_voters = next(iter(camps["B"].values())), list(camps["A"].values())[1:4]
    async with db.session() as session:
        statement = await session.get(Proposal, ids[0])
        few = Proposal(item_id=statement.item_id, text={"en": "Few"}, status="accepted", author_id=few_author)
        session.add(few)
        await session.flush()
        for voter in few_voters:
            session.add(ProposalVote(participant_id=voter, item_id=few.item_id, proposal_id=few.id, choice="agree"))
        await session.commit()
    # The digest's recipients: the three camps among 40 000 others who did not vote (absent here: any id will do).
    recipients = [f"absent-{n}" for n in range(40_000)] + everyone
    async with db.session() as session:
        content = await digest_content(session, consultation)
        figures = await personal_figures(session, consultation, content, recipients)
    assert [(own["id"], own["votes"], own["bridging"]) for own in figures[author]["own"]] == [(ids[COMMON], 29, True)]
    assert "own" not in figures[few_author]  # three votes: fewer than k people, nothing is told
    assert all("own" not in figures[pid] for pid in everyone if pid != author)
    placed = {camp: {figures[pid].get("group") for pid in members.values()} for camp, members in camps.items()}
    assert placed["C"] == {None} and len(placed["A"]) == len(placed["B"]) == 1 and placed["A"] != placed["B"]
    assert None not in placed["A"] | placed["B"]
    assert "group" not in figures["absent-0"] and "own" not in figures["absent-0"]
