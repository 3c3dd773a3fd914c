"""Who is on each item: who has anything stored on it, who answered it, and who reached it.

``reached`` counts consented participants whose answers show them past the item (an answer, vote or served pair
on it or on a later item, or a completed consultation), plus those standing on it: their last answer was to the
question just before it. For a ``show_if`` item only participants whose earlier answer shows it count. Someone
who stopped inside a proposal or pairs item counts as still there. ``answered`` leaves out a skipped optional
question and a skipped pair.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.results.context import answers_of, plain_rows
from api.results.population import Population
from api.results.questions import QUESTION_KINDS, meaningful
from storage.models import Item, Option, PairPrompt, ProposalVote


@dataclass
class Activity:
    present: np.ndarray
    """Participants with anything stored on the item (an answer or skip, a vote, a served pair)."""
    answered: np.ndarray
    """Participants who answered it (a skipped optional question or a skipped pair does not count)."""
    rows: list[tuple] = field(default_factory=list)
    """Question items: (participant, option_id, value) of every stored answer."""


async def activity(session: AsyncSession, item: Item, population: Population) -> Activity:
    # The masks of tens of thousands of participants are built in a worker thread, off the event loop.
    if item.kind in QUESTION_KINDS:
        answers = await answers_of(session, item.id)
        return await asyncio.to_thread(
            lambda: Activity(
                present=population.mask(r[0] for r in answers),
                answered=population.mask(r[0] for r in answers if meaningful(item.kind, r[1], r[2])),
                rows=answers,
            )
        )
    if item.kind == "proposal":
        voters = await plain_rows(
            session,
            select(ProposalVote.participant_id)
            .where(ProposalVote.item_id == item.id)
            .group_by(ProposalVote.participant_id),
        )
        mask = await asyncio.to_thread(population.mask, (r[0] for r in voters))
        return Activity(present=mask, answered=mask)
    if item.kind == "pairs":
        answered_one = func.max(case((and_(PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip"), 1), else_=0))
        served = await plain_rows(
            session,
            select(PairPrompt.participant_id, answered_one)
            .where(PairPrompt.item_id == item.id)
            .group_by(PairPrompt.participant_id),
        )
        return await asyncio.to_thread(
            lambda: Activity(
                present=population.mask(r[0] for r in served), answered=population.mask(r[0] for r in served if r[1])
            )
        )
    empty = np.zeros(len(population.index), dtype=bool)
    return Activity(present=empty, answered=empty)


async def reached(
    session: AsyncSession, items: list[Item], population: Population, furthest: np.ndarray
) -> dict[int, np.ndarray]:
    """Per item, which consented participants reached it (rule in the module docstring), as a mask."""
    n = len(population.index)
    by_key = {item.key: item for item in items}
    shown: dict[int, np.ndarray] = {}
    answers_cache: dict[int, dict[str, set[str]]] = {}
    for item in items:
        condition = item.config.get("show_if")
        if not condition or condition.get("item") not in by_key:
            shown[item.id] = np.ones(n, dtype=bool)
            continue
        target = by_key[condition["item"]]
        if target.id not in answers_cache:
            answers_cache[target.id] = await _answer_keys(session, target)
        wanted = {
            str(v)
            for v in ([condition["equals"]] if condition.get("equals") is not None else condition.get("any_of") or [])
        }
        shown[item.id] = population.mask(pid for pid, keys in answers_cache[target.id].items() if keys & wanted)

    positions = [item.position for item in items]
    is_question = {item.position: item.kind in QUESTION_KINDS for item in items}
    # Where each participant stands: after a question (answered, so done) or before anything, at the next
    # item shown to them; inside a proposal or pairs item, still there (we cannot tell they are done).
    moves_on = np.array([f < 0 or is_question.get(int(f), False) for f in furthest.tolist()], dtype=bool)
    at = np.where(moves_on, -2, furthest)
    waiting = moves_on.copy()
    for item, position in zip(items, positions, strict=False):
        step = waiting & (position > furthest) & shown[item.id]
        at[step] = position
        waiting &= ~step
    completed = population.completed
    return {
        item.id: shown[item.id] & (completed | (furthest >= item.position) | (at == item.position)) for item in items
    }


async def _answer_keys(session: AsyncSession, item: Item) -> dict[str, set[str]]:
    """Each participant's answer to a branch target as branch conditions see it (option keys, scale value)."""
    option_keys = dict((await session.execute(select(Option.id, Option.key).where(Option.item_id == item.id))).all())
    out: dict[str, set[str]] = {}
    for pid, option_id, value in await answers_of(session, item.id):
        keys: set[Any] = set()
        if option_id is not None and option_id in option_keys:
            keys.add(option_keys[option_id])
        if isinstance(value, list):
            keys |= {option_keys[v] for v in value if v in option_keys}
        elif isinstance(value, int) and not isinstance(value, bool):
            keys.add(str(value))
        out[pid] = keys
    return out
