"""Segments: every result split by language, age band, country, region or source, small segments suppressed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert

from api import disclosure, results
from api.results.suppression import blank
from storage.consultations import by_slug
from storage.models import Answer, PairPrompt, ProposalVote, utcnow

from .support import create, item_of, people, proposal_ids, texts

K = 5
# Per dimension: two values with k or more participants and a rare one with k − 1.
GROUPS = {
    "age_band": ("18-24", "25-34", "age-rare-99"),
    "language": ("uk", "en", "xqrare"),
    "country": ("UA", "PL", "XQ"),
    "region": ("centre", "suburbs", "rare-region"),
    "source": ("poster", "radio", "rare-source"),
}
SIZES = (7, 6, K - 1)
RARE = [values[2] for values in GROUPS.values()]


async def _consultation_with_votes(db):
    consultation = await create(
        db,
        {
            "slug": "segmented",
            "min_segment_size": K,
            "items": [
                {
                    "key": "age",
                    "type": "single_choice",
                    "prompt": {"en": "Age?"},
                    "options": [{"key": k, "label": {"en": k}} for k in ("a", "b")],
                },
                {"key": "ideas", "type": "proposal", "prompt": {"en": "Agree?"}, "proposals": texts(2, "Idea")},
                {"key": "best", "type": "pairs", "prompt": {"en": "Better?"}, "proposals": texts(3, "Pair")},
                {"key": "why", "type": "free_text", "prompt": {"en": "Why?"}},
            ],
        },
    )
    age, ideas, best, why = [await item_of(db, consultation.id, key) for key in ("age", "ideas", "best", "why")]
    options = {o: n for n, o in enumerate(["a", "b"])}
    del options
    ids_ideas, ids_best = await proposal_ids(db, ideas.id), await proposal_ids(db, best.id)

    # 17 participants; participant n has value index n // 7 ... in every dimension at once would let the rare
    # groups coincide, so each dimension is shifted: the rare ones differ per dimension.
    order = [0] * SIZES[0] + [1] * SIZES[1] + [2] * SIZES[2]
    n_people = len(order)

    def value(dimension: str, shift: int):
        return lambda n: GROUPS[dimension][order[(n + shift) % n_people]]

    pids = await people(
        db,
        consultation.id,
        n_people,
        age_band=value("age_band", 0),
        language=value("language", 3),
        country=value("country", 6),
        region=value("region", 9),
        source=value("source", 12),
    )
    now = utcnow()
    async with db.session() as session:
        from sqlalchemy import select

        from storage.models import Option

        option_ids = list(
            (
                await session.execute(select(Option.id).where(Option.item_id == age.id).order_by(Option.position))
            ).scalars()
        )
        await session.execute(
            insert(Answer),
            [
                {"participant_id": p, "item_id": age.id, "option_id": option_ids[n % 2], "created_at": now}
                for n, p in enumerate(pids)
            ],
        )
        await session.execute(
            insert(Answer),
            [
                {"participant_id": p, "item_id": why.id, "value": f"secret reason of {n}", "created_at": now}
                for n, p in enumerate(pids)
            ],
        )
        await session.execute(
            insert(ProposalVote),
            [
                {
                    "participant_id": p,
                    "item_id": ideas.id,
                    "proposal_id": ids_ideas[n % 2],
                    "choice": ("agree", "disagree", "neutral")[n % 3],
                    "created_at": now,
                }
                for n, p in enumerate(pids)
            ],
        )
        await session.execute(
            insert(PairPrompt),
            [
                {
                    "token": f"t{n}",
                    "participant_id": p,
                    "item_id": best.id,
                    "left_id": ids_best[n % 3],
                    "right_id": ids_best[(n + 1) % 3],
                    "low_id": min(ids_best[n % 3], ids_best[(n + 1) % 3]),
                    "high_id": max(ids_best[n % 3], ids_best[(n + 1) % 3]),
                    "served_at": now,
                    "outcome": "left" if n % 2 else "right",
                    "after_skip": False,
                    "answered_at": now,
                }
                for n, p in enumerate(pids)
            ],
        )
        await session.commit()
    return consultation


async def _all_results(db) -> dict[str | None, dict]:
    async with db.session() as session:
        consultation = await by_slug(session, "segmented")
        cache = results.ResultsCache()
        return {
            segment: await results.consultation_results(
                session, consultation, cache=cache, segment=segment, raw=True, fresh=True
            )
            for segment in (None, *results.SEGMENTS)
        }


async def test_a_segment_with_k_minus_one_participants_never_appears(http, db):
    await _consultation_with_votes(db)
    everything = await _all_results(db)
    for segment, out in everything.items():
        dumped = json.dumps(out)
        for rare in RARE:
            assert rare not in dumped, f"{rare!r} shows up in the results split by {segment}"
        if segment is None:
            continue
        # Through the organiser route too.
        routed = (
            await http.get("/organiser/consultations/segmented/results", params={"segment": segment, "fresh": "true"})
        ).json()
        assert not any(rare in json.dumps(routed) for rare in RARE)
        shown = out["segments"]
        assert all(s["participants"] >= K for s in shown)
        # The rare group (k − 1) is pooled; the pool is still below k, so the smallest segment joins it:
        # what is left cannot be subtracted from the whole to recover the rare group.
        assert [(s["value"], s["kind"], s["participants"]) for s in shown] == [
            (GROUPS[segment][0], "value", SIZES[0]),
            (None, "other", SIZES[1] + SIZES[2]),
        ]
        assert sum(s["participants"] for s in shown) == out["participants"] == 17
        # Segment results add up to the whole.
        for key in ("age", "ideas", "best", "why"):
            whole = next(i for i in out["items"] if i["key"] == key)
            parts = [next(i for i in s["items"] if i["key"] == key) for s in shown]
            assert sum(p["answered"] for p in parts) == whole["answered"] == 17
        # Within segments, no count of 1..k-1 people is shown, whatever the item (choices, votes, qualifications,
        # pairs won and lost): such counts, and those that would give them back, are null.
        for shown_segment in shown:
            for count in _counts(shown_segment["items"]):
                assert count is None or count == 0 or count >= K, (segment, shown_segment["value"])
            # A proposal whose figures are hidden does not keep its place in the segment's ranking either.
            for item in shown_segment["items"]:
                hidden = [p["id"] for p in item.get("proposals", []) if p["rank"] is None]
                assert hidden == sorted(hidden)
                assert [p["id"] for p in item.get("proposals", [])][
                    len(item.get("proposals", [])) - len(hidden) :
                ] == hidden
        whole_best = next(i for i in out["items"] if i["key"] == "best")
        assert (
            sum(next(i for i in s["items"] if i["key"] == "best")["comparisons"] for s in shown)
            == whole_best["comparisons"]
        )


def _counts(value):
    """Every count of people in a result: share objects' counts, pairs' wins and losses, proposals' votes."""
    if isinstance(value, list):
        for entry in value:
            yield from _counts(entry)
    elif isinstance(value, dict):
        for key, entry in value.items():
            if key in ("count", "wins", "losses") or (key == "votes" and "agree" in value):
                yield entry
            else:
                yield from _counts(entry)


async def test_segments_at_or_above_k_are_all_shown_and_unknown_is_a_segment(db):
    consultation = await create(
        db,
        {
            "slug": "plain",
            "min_segment_size": K,
            "items": [{"key": "age", "type": "scale", "prompt": {"en": "Happy?"}}],
        },
    )
    item = await item_of(db, consultation.id, "age")
    pids = (
        await people(db, consultation.id, K, region="north")
        + await people(db, consultation.id, K + 2, region="south")
        + await people(db, consultation.id, K)
    )
    now = utcnow()
    async with db.session() as session:
        await session.execute(
            insert(Answer),
            [
                {"participant_id": p, "item_id": item.id, "value": 1 + n % 5, "created_at": now}
                for n, p in enumerate(pids)
            ],
        )
        await session.commit()
        out = await results.consultation_results(
            session, consultation, cache=results.ResultsCache(), segment="region", fresh=True
        )
    assert [(s["value"], s["kind"], s["participants"]) for s in out["segments"]] == [
        ("north", "value", K),
        ("south", "value", K + 2),
        (None, "unknown", K),
    ]
    assert [s["items"][0]["answered"] for s in out["segments"]] == [K, K + 2, K]


@pytest.mark.parametrize(
    "sizes, expected",
    [
        ({"a": 10, "b": 12}, {"a": "a", "b": "b"}),
        ({"a": 10, "b": 12, "c": 3, "d": 8}, {"a": "a", "b": "b", "c": results.OTHER, "d": results.OTHER}),
        ({"a": 10, "b": 12, "c": 3}, {"a": results.OTHER, "b": "b", "c": results.OTHER}),
        ({"a": 4, "b": 3}, {}),
    ],
)
def test_suppression_pools_small_values_and_never_leaves_a_pool_below_k(sizes, expected):
    assert disclosure.pool(sizes, 10) == expected


def test_a_hidden_budget_project_loses_its_place_and_its_funding():
    def project(key: str, votes: int, rank: int, funded: bool) -> dict:
        return {
            "key": key,
            "votes": votes,
            "score": votes,
            "share": 0.5,
            "interval": [0.1, 0.9],
            "rank": rank,
            "funded": funded,
        }

    body = {
        "kind": "budget",
        "funded": ["b", "a"],
        "spent": 90,
        "rules": [
            {"rule": "greedy", "funded": ["b", "a"], "spent": 90},
            {"rule": "equalshares/add1", "funded": ["b", "c"], "spent": 70},
        ],
        "projects": [project("b", 9, 1, True), project("a", 2, 2, True), project("c", 0, 3, False)],
    }
    blank(body, {("project", "a")})
    assert [p["key"] for p in body["projects"]] == ["b", "c", "a"]
    assert body["projects"][2] == {
        "key": "a",
        "votes": None,
        "score": None,
        "share": None,
        "interval": None,
        "rank": None,
        "funded": None,
    }
    assert body["funded"] == ["b"] and body["spent"] is None  # the spent total would tell a was funded
    # Under every counting rule: a rule that funded the hidden project loses its spent total too.
    assert body["rules"][0]["funded"] == ["b"] and body["rules"][0]["spent"] is None
    assert body["rules"][1]["funded"] == ["b", "c"] and body["rules"][1]["spent"] == 70
