"""What a results page shows besides the items: how many took part in each segment, and participation by day.

One computation for a page, kept in the results cache like the results themselves (``view="overview"`` of
:class:`api.results.cache.ResultsCache`): a page used to ask for the whole results once per segment only to read
their sizes, recomputing every item five more times.

.. code-block:: text

    {"computed_at", "min_segment_size", "participants", "time_zone",
     "segments": {"language" | "age_band" | "country" | "region" | "source":
                  [{"value", "kind": "value" | "unknown" | "other", "label", "participants"}, ...]},
     "days": [{"day": "2026-12-01", "joined": 14 | null, "answers": 130 | null}, ...],
     "groups": null | {...published_groups..., "names": {"0": "statement text", ...}}}

``segments``: the same groups and sizes as :func:`api.results.consultation_results` with that segment (the
participants who stored anything, rare values pooled by :func:`api.disclosure.pool`, in the definition's order).
``days``: in the consultation's time zone, from the first day with anything to the last; ``joined`` counts the
participants who consented that day, ``answers`` the answers, votes and pair choices stored that day. A count of
fewer than k is null, together with the counts that subtraction from a total would give it back by
(:func:`api.disclosure.suppress_cells`, rule 4). ``groups``: the released opinion groups as the partner route
answers them (:mod:`api.results.groups`), each named as :mod:`api.standing` names it (a group it cannot name
has no entry in ``names``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, Integer, cast, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api import disclosure
from api.content import localized
from api.results.context import plain_rows
from api.results.population import OTHER, UNKNOWN, normal, ordered_groups, segment_label
from api.standing import group_view
from core.vocabulary import SEGMENTS
from storage.models import Answer, Consultation, Enrolment, Item, PairPrompt, Participant, ProposalVote

BUCKET_SECONDS = 900
"""Moments are counted per quarter of an hour in SQL, then the quarters put into the local days: every time zone's
offset is a multiple of 15 minutes, and the database never needs to know about time zones."""


async def compute_overview(session: AsyncSession, consultation: Consultation, *, language: str) -> dict[str, Any]:
    k = disclosure.threshold(consultation)
    items = select(col(Item.id)).where(col(Item.consultation_id) == consultation.id).scalar_subquery()
    active = {
        row[0]
        for row in await plain_rows(
            session,
            union(
                select(col(Answer.participant_id)).where(col(Answer.item_id).in_(items)),
                select(col(ProposalVote.participant_id)).where(col(ProposalVote.item_id).in_(items)),
                select(col(PairPrompt.participant_id)).where(col(PairPrompt.item_id).in_(items)),
            ),
        )
    }
    people = await plain_rows(
        session,
        select(
            col(Enrolment.participant_id),
            col(Enrolment.source),
            *(col(getattr(Participant, s)) for s in SEGMENTS[:-1]),
        )
        .join(Participant, col(Participant.id) == col(Enrolment.participant_id))
        .where(col(Enrolment.consultation_id) == consultation.id, col(Enrolment.consented_at).is_not(None)),
    )
    columns = {"source": 1, **{segment: n for n, segment in enumerate(SEGMENTS[:-1], start=2)}}

    def sizes() -> tuple[int, dict[str, list[dict]]]:  # tens of thousands of people: off the event loop
        taking_part = [row for row in people if row[0] in active]
        return len(taking_part), {
            segment: _sizes(consultation, segment, [row[columns[segment]] for row in taking_part], k, language)
            for segment in SEGMENTS
        }

    taking_part, segments = await asyncio.to_thread(sizes)
    return {
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "min_segment_size": k,
        "participants": taking_part,
        "time_zone": consultation.time_zone or "UTC",
        "segments": segments,
        "days": await _days(session, consultation, items, k),
        "groups": await _groups(session, consultation, language),
    }


async def _groups(session: AsyncSession, consultation: Consultation, language: str) -> dict[str, Any] | None:
    """The released opinion groups (:func:`api.results.groups.published_groups`), each named as
    :func:`api.standing.group_view` names it (``names``: group → its statement's text); None without groups."""
    # Imported here: api.results.groups reads through api.partner, whose package imports the app's dependencies,
    # which import this package (the cache).
    from api.results.groups import published_groups

    published = await published_groups(session, consultation, language)
    if not published["groups"]:
        return None
    view = await group_view(session, consultation) or {"groups": {}}
    published["names"] = {
        group: localized(described["name"]["text"], language, consultation.default_language)
        for group, described in view["groups"].items()
    }
    return published


def _sizes(consultation: Consultation, segment: str, values: list[Any], k: int, language: str) -> list[dict]:
    """The segment's groups as :meth:`api.results.population.Population.form_groups` makes them, with their sizes."""
    sizes: dict[Any, int] = defaultdict(int)
    for value in values:
        sizes[normal(value)] += 1
    mapping = disclosure.pool(sizes, k)
    per_group: dict[Any, int] = defaultdict(int)
    for value, n in sizes.items():
        if value in mapping:
            per_group[mapping[value]] += n
    return [
        {
            "value": None if group in (UNKNOWN, OTHER) else group,
            "kind": "other" if group is OTHER else "unknown" if group is UNKNOWN else "value",
            "label": segment_label(consultation, segment, group, language),
            "participants": per_group[group],
        }
        for group in ordered_groups(consultation, set(per_group))
    ]


def _quarter(session: AsyncSession, column: Any) -> Any:
    """The quarter of an hour since 1970 (UTC) a stored moment falls in."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer) / BUCKET_SECONDS
    return cast(func.floor(func.extract("epoch", column) / BUCKET_SECONDS), BigInteger)


async def _per_quarter(session: AsyncSession, column: Any, *where: Any) -> list[tuple[int, int]]:
    quarter = _quarter(session, column)
    return await plain_rows(session, select(quarter, func.count()).where(column.is_not(None), *where).group_by(quarter))


async def _days(session: AsyncSession, consultation: Consultation, items: Any, k: int) -> list[dict[str, Any]]:
    try:
        zone = ZoneInfo(consultation.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")

    def day_of(quarter: int) -> date:
        return datetime.fromtimestamp(int(quarter) * BUCKET_SECONDS, zone).date()

    joined: dict[date, int] = defaultdict(int)
    for quarter, n in await _per_quarter(
        session, col(Enrolment.consented_at), col(Enrolment.consultation_id) == consultation.id
    ):
        joined[day_of(quarter)] += int(n)
    answers: dict[date, int] = defaultdict(int)
    for column, condition in (
        (col(Answer.created_at), col(Answer.item_id).in_(items)),
        (col(ProposalVote.created_at), col(ProposalVote.item_id).in_(items)),
        (col(PairPrompt.answered_at), col(PairPrompt.item_id).in_(items)),
    ):
        for quarter, n in await _per_quarter(session, column, condition):
            answers[day_of(quarter)] += int(n)
    if not joined and not answers:
        return []
    first, last = min(joined.keys() | answers.keys()), max(joined.keys() | answers.keys())
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    cells: dict[tuple[Hashable, Hashable], int] = {("joined", d): joined[d] for d in days}
    cells.update({("answers", d): answers[d] for d in days})
    hidden = disclosure.suppress_cells(cells, k)
    return [
        {
            "day": d.isoformat(),
            "joined": None if ("joined", d) in hidden else joined[d],
            "answers": None if ("answers", d) in hidden else answers[d],
        }
        for d in days
    ]
