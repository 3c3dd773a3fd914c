"""Pair and statement selection through the participant API (api/selection.py on the live database)."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from api import moderation, selection
from storage.models import PairPrompt, Proposal, ProposalVote, utcnow

from .support import (
    bulk_pair_votes,
    create,
    fresh_participant,
    item_of,
    people,
    proposal_ids,
    screen,
    texts,
)


def _pairs_item(slug: str, n: int, max_pairs: int = 5, **extra) -> dict:
    return {
        "slug": slug,
        "items": [
            {
                "key": "best",
                "type": "pairs",
                "prompt": {"en": "Which is better?"},
                "proposals": texts(n),
                "max_pairs": max_pairs,
                **extra,
            }
        ],
    }


async def _accept_citizen_proposal(http, db, registry, slug: str, item_id: int, text: str) -> int:
    author = await fresh_participant(http, slug, f"author-{text[:8]}")
    submitted = await http.post(
        f"/participant/{author}/proposals", json={"item_id": item_id, "text": text, "language": "en"}
    )
    assert submitted.status_code == 201, submitted.text
    async with db.session() as session:  # the moderation code path (it tells its process's selectors)
        await moderation.decide(session, registry, submitted.json()["id"], accept=True)
    return submitted.json()["id"]


async def test_a_proposal_accepted_after_5000_votes_gets_20_comparisons_within_40_pairs(http, db, api_app):
    consultation = await create(db, _pairs_item("late-idea", 100, allow_citizen_proposals=True))
    item = await item_of(db, consultation.id, "best")
    await bulk_pair_votes(db, consultation.id, item.id, await proposal_ids(db, item.id), 5000)

    # The first request builds the item's selector from the 5 000 votes; the new proposal comes after.
    warm = await fresh_participant(http, "late-idea", "warm-up")
    assert (await screen(http, warm, "late-idea"))["pair"]
    assert item.id in api_app.state.selection.items
    newcomer = await _accept_citizen_proposal(
        http, db, api_app.state.selection, "late-idea", item.id, "A brand new idea for the riverside"
    )

    served = 0
    for n in range(40):
        pid = await fresh_participant(http, "late-idea", f"citizen-{n}")
        pair = (await screen(http, pid, "late-idea"))["pair"]
        served += 1
        shown = {pair["left"]["id"], pair["right"]["id"]}
        outcome = "cant_decide" if n % 10 == 9 else ("left" if n % 3 else "right")
        answer = await http.post(f"/participant/{pid}/pairs/{pair['token']}", json={"outcome": outcome})
        assert answer.status_code == 200 and answer.json()["created"]
        async with db.session() as session:
            heard = await session.scalar(
                select(func.count())
                .select_from(PairPrompt)
                .where(
                    PairPrompt.item_id == item.id,
                    PairPrompt.outcome.in_(("left", "right")),
                    PairPrompt.after_skip.is_(False),
                    (PairPrompt.left_id == newcomer) | (PairPrompt.right_id == newcomer),
                )
            )
        assert newcomer in shown or heard >= 20, f"pair {served} left the newcomer out before it was heard"
        if heard >= 20:
            break
    assert heard >= 20 and served <= 40
    print(f"newcomer heard 20 times after {served} served pairs")
    # Heard: from now on pairs are chosen on uncertainty again, not forced on the newcomer.
    later = 0
    for n in range(20):
        pid = await fresh_participant(http, "late-idea", f"later-{n}")
        pair = (await screen(http, pid, "late-idea"))["pair"]
        later += newcomer in (pair["left"]["id"], pair["right"]["id"])
    assert later < 10


async def test_a_proposal_that_leaves_the_pool_is_never_served_again(http, db, api_app):
    consultation = await create(db, _pairs_item("leaving", 12, max_pairs=10))
    item = await item_of(db, consultation.id, "best")
    ids = await proposal_ids(db, item.id)
    first = await fresh_participant(http, "leaving", "first")
    assert (await screen(http, first, "leaving"))["pair"]
    gone = set(ids[::2])
    async with db.session() as session:  # e.g. an organiser withdrew them; the selector was not told
        await session.execute(update(Proposal).where(Proposal.id.in_(gone)).values(status="rejected"))
        await session.commit()
    for n in range(3):
        pid = await fresh_participant(http, "leaving", f"p{n}")
        while (current := await screen(http, pid, "leaving"))["status"] == "item":
            pair = current["pair"]
            assert not {pair["left"]["id"], pair["right"]["id"]} & gone
            await http.post(f"/participant/{pid}/pairs/{pair['token']}", json={"outcome": "left"})
    assert not set(api_app.state.selection.items[item.id].selector.proposal_ids) & gone


async def test_every_pair_once_per_participant_then_done(http, db, api_app):
    consultation = await create(db, _pairs_item("all-pairs", 5, max_pairs=50))
    pid = await fresh_participant(http, "all-pairs", "completist")
    seen = set()
    while (current := await screen(http, pid, "all-pairs"))["status"] == "item":
        pair = frozenset((current["pair"]["left"]["id"], current["pair"]["right"]["id"]))
        assert pair not in seen and len(pair) == 2
        seen.add(pair)
        await http.post(
            f"/participant/{pid}/pairs/{current['pair']['token']}",
            json={"outcome": "skip" if len(seen) % 4 == 0 else "right"},
        )
    assert len(seen) == 10 and current["status"] == "done"
    assert consultation.slug == "all-pairs"


async def test_skips_and_cant_decide_never_move_scores_and_an_answer_after_a_skip_is_marked(http, db, api_app):
    consultation = await create(db, _pairs_item("skippy", 6, max_pairs=10))
    item = await item_of(db, consultation.id, "best")
    pid = await fresh_participant(http, "skippy", "skipper")
    registry = api_app.state.selection

    async def answer(outcome: str) -> dict:
        pair = (await screen(http, pid, "skippy"))["pair"]
        body = (await http.post(f"/participant/{pid}/pairs/{pair['token']}", json={"outcome": outcome})).json()
        return {**body, "pair": (pair["left"]["id"], pair["right"]["id"])}

    def comparisons() -> int:
        selector = registry.items[item.id].selector
        return sum(selector.comparisons(p) for p in selector.proposal_ids)

    assert (await answer("skip"))["counted"] is False and comparisons() == 0
    after = await answer("left")
    assert after["after_skip"] is True and after["counted"] is False and comparisons() == 0
    assert (await answer("cant_decide"))["counted"] is False and comparisons() == 0
    counted = await answer("right")
    assert counted["counted"] is True and comparisons() == 2
    winner = counted["pair"][1]
    assert registry.items[item.id].selector.comparisons(winner) == 1


async def test_background_refit_folds_in_new_votes(http, db, api_app):
    consultation = await create(db, _pairs_item("refits", 8))
    item = await item_of(db, consultation.id, "best")
    pid = await fresh_participant(http, "refits", "someone")
    assert (await screen(http, pid, "refits"))["pair"]
    registry = api_app.state.selection
    state = registry.items[item.id]
    a, b = state.selector.proposal_ids[:2]
    for _ in range(60):  # more than the refit threshold (50 new votes)
        registry.pair_answered(item.id, a, b, "left", counted=True)
    await registry.drain()
    fit = state.selector.last_fit
    ids = state.selector.fit_proposal_ids
    # The refit started at the 50th vote, in a worker thread; the 10 after it wait for the next one.
    assert fit.wins[ids.index(a)] == 50 and fit.theta[ids.index(a)] > fit.theta[ids.index(b)]
    assert state.selector.comparisons(a) == 60 and not state.refitting


async def test_new_statements_are_heard_first_then_uncertainty_decides(http, db, api_app):
    consultation = await create(
        db,
        {
            "slug": "statements",
            "items": [
                {
                    "key": "ideas",
                    "type": "proposal",
                    "prompt": {"en": "Agree?"},
                    "proposals": texts(30),
                    "allow_citizen_proposals": True,
                    "max_votes": 3,
                }
            ],
        },
    )
    item = await item_of(db, consultation.id, "ideas")
    ids = await proposal_ids(db, item.id)
    voters = await people(db, consultation.id, 15)
    now = utcnow()
    async with db.session() as session:
        await session.execute(
            insert(ProposalVote),
            [
                {
                    "participant_id": v,
                    "item_id": item.id,
                    "proposal_id": p,
                    "choice": ("agree", "disagree", "neutral")[i % 3],
                    "created_at": now,
                }
                for i, v in enumerate(voters)
                for p in ids
            ],
        )
        await session.commit()
    warm = await fresh_participant(http, "statements", "warm-up")
    assert (await screen(http, warm, "statements"))["proposal"]
    newcomer = await _accept_citizen_proposal(
        http, db, api_app.state.selection, "statements", item.id, "Benches along every bus stop"
    )
    for n in range(10):  # ProposalSelector's quota: 10 votes
        pid = await fresh_participant(http, "statements", f"voter-{n}")
        shown = (await screen(http, pid, "statements"))["proposal"]
        assert shown["id"] == newcomer
        await http.post(f"/participant/{pid}/votes", json={"proposal_id": newcomer, "choice": "agree"})
    assert registry_votes(api_app.state.selection, item.id, newcomer) == 10
    # Heard: the next participant is not sent to it first any more, and nobody sees a statement twice
    # or more than max_votes of them.
    pid = await fresh_participant(http, "statements", "after")
    seen = []
    while (current := await screen(http, pid, "statements"))["status"] == "item":
        seen.append(current["proposal"]["id"])
        await http.post(f"/participant/{pid}/votes", json={"proposal_id": seen[-1], "choice": "neutral"})
    assert len(seen) == len(set(seen)) == 3


def registry_votes(registry, item_id: int, proposal_id: int) -> int:
    return registry.items[item_id].selector.votes(proposal_id)


async def test_serving_a_pair_runs_the_same_statements_at_100_and_at_2000_proposals(http, db, api_app):
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    per_size = {}
    for n in (100, 2000):
        consultation = await create(db, _pairs_item(f"size-{n}", n))
        item = await item_of(db, consultation.id, "best")
        await bulk_pair_votes(db, consultation.id, item.id, await proposal_ids(db, item.id), 2 * n)
        warm = await fresh_participant(http, f"size-{n}", f"warm-{n}")
        await screen(http, warm, f"size-{n}")  # builds the selector
        pid = await fresh_participant(http, f"size-{n}", f"measured-{n}")
        api_app.state.selection._pool_checked_at = float("-inf")  # both measured requests check the pool
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            statements.clear()
            assert (await screen(http, pid, f"size-{n}"))["pair"]
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        per_size[n] = list(statements)
        # No statement of the request reads the item's whole pool or all of its votes.
        assert not any("GROUP BY" in s for s in statements)
    assert len(per_size[100]) == len(per_size[2000])


async def test_a_burst_of_new_proposals_larger_than_one_pool_check_is_read_over_the_next_requests(http, db, api_app):
    consultation = await create(db, _pairs_item("burst", 6, max_pairs=50))
    item = await item_of(db, consultation.id, "best")
    warm = await fresh_participant(http, "burst", "warm-up")
    assert (await screen(http, warm, "burst"))["pair"]
    registry = api_app.state.selection
    burst = 2 * selection.NEW_PER_CHECK + 7
    now = utcnow()
    async with db.session() as session:  # e.g. an import, or moderation in another process
        await session.execute(
            insert(Proposal),
            [
                {
                    "item_id": item.id,
                    "text": {"en": f"Burst idea {i}"},
                    "status": "accepted",
                    "normalized": f"burst {i}",
                    "created_at": now,
                    "accepted_at": now,
                }
                for i in range(burst)
            ],
        )
        await session.commit()
    new = set(await proposal_ids(db, item.id)) - set(registry.items[item.id].selector.proposal_ids)
    assert len(new) == burst
    checks = 0
    while new - set(registry.items[item.id].selector.proposal_ids):
        async with db.session() as session:
            await registry.sync_pool(session)
        checks += 1
        assert checks <= 3, "each pool check reads at most NEW_PER_CHECK new proposals, and never the same twice"
    assert checks == 3
    # Consecutive ids read in order: no id between them is mistaken for an open transaction's hole.
    assert not {pid for pid in registry._watch if pid in new}


async def test_moderation_tells_the_selector_at_once_without_waiting_for_the_pool_check(http, db, api_app):
    consultation = await create(db, _pairs_item("told", 30, allow_citizen_proposals=True))
    item = await item_of(db, consultation.id, "best")
    await bulk_pair_votes(db, consultation.id, item.id, await proposal_ids(db, item.id), 1000)  # all heard
    warm = await fresh_participant(http, "told", "warm-up")
    assert (await screen(http, warm, "told"))["pair"]
    registry = api_app.state.selection
    registry._pool_checked_at = float("inf")  # no pool check from now on: only the moderation route can tell it
    newcomer = await _accept_citizen_proposal(
        http, db, api_app.state.selection, "told", item.id, "A brand new idea told at once"
    )
    assert newcomer in registry.items[item.id].selector.proposal_ids
    pair = (await screen(http, await fresh_participant(http, "told", "next"), "told"))["pair"]
    assert newcomer in (pair["left"]["id"], pair["right"]["id"])  # heard first, from the very next request
