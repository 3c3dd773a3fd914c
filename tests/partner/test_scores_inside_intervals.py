"""What partners read from /v1/.../ranking and /results: every score inside its own interval.

Through the real routes and database. The property over random vote sets in general lives in
tests/scoring/test_scores_inside_intervals.py; here random vote sets go through the whole path (SQL
aggregates, scoring, rounding, JSON) for a proposal item and a pairs item.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import insert

from api.scoring.proposals import QUALIFICATIONS
from storage.models import ProposalVote, utcnow
from tests.partner.conftest import auth, new_key
from tests.results.support import bulk_pair_votes, create, item_of, people, proposal_ids, texts


async def ideas_and_pairs(db, slug: str, proposals: int = 4):
    # Scores of one vote or a handful are what these tests are about: released from one participant.
    consultation = await create(
        db,
        {
            "slug": slug,
            "min_segment_size": 1,
            "items": [
                {"key": "ideas", "type": "proposal", "prompt": {"en": "Agree?"}, "proposals": texts(proposals, "Idea")},
                {"key": "best", "type": "pairs", "prompt": {"en": "Better?"}, "proposals": texts(proposals, "Pair")},
            ],
        },
    )
    ideas, best = await item_of(db, consultation.id, "ideas"), await item_of(db, consultation.id, "best")
    return consultation, ideas, best


async def vote(db, consultation_id: int, item_id: int, votes: list[tuple[int, str, str | None]]) -> None:
    """One participant per vote: (proposal id, choice, qualification)."""
    voters = await people(db, consultation_id, len(votes))
    async with db.session() as s:
        await s.execute(
            insert(ProposalVote),
            [
                {
                    "participant_id": pid,
                    "item_id": item_id,
                    "proposal_id": proposal,
                    "choice": choice,
                    "qualification": qualification,
                    "created_at": utcnow(),
                }
                for pid, (proposal, choice, qualification) in zip(voters, votes)
            ],
        )
        await s.commit()


def outside(shown: list[tuple[str, float, list[float]]]) -> list[tuple[str, float, list[float]]]:
    return [(what, score, interval) for what, score, interval in shown if not interval[0] <= score <= interval[1]]


def published_scores(ranking: dict[str, Any], results: dict[str, Any]) -> list[tuple[str, float, list[float]]]:
    """Every (what, score, interval) a partner reads in a ranking and a results body."""
    shown = [
        (f"ranking {i['key']} #{r['proposal']}", r["score"], r["interval"])
        for i in ranking["items"]
        for r in i["ranking"]
    ]
    shown += [
        (f"ranking {i['key']} #{r['proposal']} support", r["support"], r["interval"])
        for i in ranking["items"]
        if i["kind"] == "proposal"
        for r in i["ranking"]
    ]
    for item in results["items"]:
        for p in item.get("proposals", []):
            if item["kind"] == "pairs":
                shown.append((f"results {item['key']} #{p['id']}", p["score"], p["interval"]))
                continue
            shares = [
                p["agree"],
                p["disagree"],
                p["neutral"],
                p["agree_among_decided"],
                *(s for names in p["qualifications"].values() for s in names.values()),
            ]
            shown += [(f"results {item['key']} #{p['id']} share", s["share"], s["interval"]) for s in shares]
            shown.append((f"results {item['key']} #{p['id']} support", p["support"]["value"], p["support"]["interval"]))
            shown.append((f"results {item['key']} #{p['id']} top score", p["top_score"], p["support"]["interval"]))
    return shown


async def test_one_agree_vote_is_ranked_with_the_interval_of_its_own_score(partner, db):
    consultation, ideas, _ = await ideas_and_pairs(db, "one-vote")
    first = (await proposal_ids(db, ideas.id))[0]
    await vote(db, consultation.id, ideas.id, [(first, "agree", None)])
    key = await new_key(db, consultation.slug)
    ranking = (
        await partner.get(f"/v1/consultations/{consultation.slug}/ranking", params={"item": "ideas"}, headers=auth(key))
    ).json()
    row = ranking["items"][0]["ranking"][0]
    # Before: score 13.35 with the agree share's interval [20.65, 100.0].
    assert (row["proposal"], row["score"], row["interval"], row["support"]) == (first, 13.35, [13.35, 99.05], 80.0)
    assert row["agree"] == 1.0 and row["votes"] == 1


async def test_every_published_score_lies_inside_its_interval_over_random_vote_sets(partner, db):
    rnd = random.Random(2026)
    choices = list(QUALIFICATIONS)
    for case in range(8):
        consultation, ideas, best = await ideas_and_pairs(db, f"random-{case}", proposals=rnd.randint(2, 6))
        ids = await proposal_ids(db, ideas.id)
        votes = []
        for _ in range(rnd.choice([0, 1, 2, 3, 7, 15, 60])):
            choice = rnd.choice(choices)
            votes.append((rnd.choice(ids), choice, rnd.choice([None, *QUALIFICATIONS[choice]])))
        if votes:
            await vote(db, consultation.id, ideas.id, votes)
        pairs = rnd.choice([0, 1, 3, 20, 200])
        if pairs:
            await bulk_pair_votes(
                db, consultation.id, best.id, await proposal_ids(db, best.id), pairs, seed=case, per_participant=1
            )
        key = await new_key(db, consultation.slug)
        url = f"/v1/consultations/{consultation.slug}"
        ranking = (await partner.get(f"{url}/ranking", headers=auth(key))).json()
        results = (await partner.get(f"{url}/results", headers=auth(key))).json()
        shown = published_scores(ranking, results)
        assert len(shown) > 2 * len(ids)
        assert outside(shown) == [], (case, votes)
