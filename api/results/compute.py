"""Computing a consultation's results, without the cache: the population, each item's reach and figures by kind,
the segments and their suppression, put together in the structure of :mod:`api.results`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.content import localized
from api.results.context import ALL, Context
from api.results.pairs import pairs_results
from api.results.population import OTHER, UNKNOWN, Population, consented, segment_label
from api.results.proposals import proposal_results
from api.results.questions import QUESTION_KINDS, question_results
from api.results.reach import Activity, activity, reached
from api.results.shares import rounded
from api.results.suppression import suppress_small_cells
from storage.models import Consultation, Item


async def compute_results(
    session: AsyncSession,
    consultation: Consultation,
    *,
    segment: str | None = None,
    raw: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    """Compute :func:`api.results.consultation_results` without the cache."""
    language = language or consultation.default_language
    items = (
        (await session.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )

    # Consented participants, their segment value and whether they completed.
    population, values = await consented(session, consultation, segment)

    # Who has anything stored on each item (one query per item; question answers are kept for their results).
    activities = {item.id: await activity(session, item, population) for item in items}
    furthest = np.full(len(population.completed), -1, dtype=np.int64)
    for item in items:
        present = activities[item.id].present
        furthest[present] = np.maximum(furthest[present], item.position)
    active = furthest >= 0

    # Segment groups, sized by active participants.
    k = disclosure.threshold(consultation)
    group_of = population.form_groups(consultation, values, active, k) if values is not None else lambda value: None

    ctx = Context(consultation, language, segment, raw, group_of, population.groups)
    slots = [ALL, *population.groups]
    reached_by_item = await reached(session, items, population, furthest)

    per_item: dict[Any, list[dict[str, Any]]] = {g: [] for g in slots}
    for number, item in enumerate(items, start=1):
        built = await _item_results(session, ctx, item, activities[item.id], population)
        reached_counts = population.count(reached_by_item[item.id])
        for g in slots:
            body = built.get(g) or built[None](g)
            entry = {
                "key": item.key,
                "kind": item.kind,
                "number": number,
                "prompt": localized(item.prompt, language, consultation.default_language),
                "reached": max(reached_counts.get(g, 0), body["answered"]),
                **body,
            }
            entry["answer_rate"] = rounded(entry["answered"] / entry["reached"]) if entry["reached"] else 0.0
            per_item[g].append(_ordered_item(entry))

    if population.groups:
        suppress_small_cells(per_item, population.groups, k)
    per_item[ALL] = [_district_or_withheld(entry, k) for entry in per_item[ALL]]
    active_counts = population.count(active)
    result: dict[str, Any] = {
        "slug": consultation.slug,
        "title": localized(consultation.title, language, consultation.default_language),
        "status": consultation.status,
        "language": language,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "min_segment_size": k,
        "participants": active_counts[ALL],
        "consented": len(population.completed),
        "completed": int(population.completed.sum()),
        "segment": segment,
        "items": per_item[ALL],
    }
    if segment is not None:
        result["segments"] = [
            {
                "value": None if g in (UNKNOWN, OTHER) else g,
                "kind": "other" if g is OTHER else "unknown" if g is UNKNOWN else "value",
                "label": segment_label(consultation, segment, g, language),
                "participants": active_counts[g],
                "items": per_item[g],
            }
            for g in population.groups
        ]
    return result


async def _item_results(
    session: AsyncSession, ctx: Context, item: Item, on_item: Activity, population: Population
) -> dict[Any, Any]:
    """{group: body} for ALL and each group; ``None`` maps to a factory for groups with no rows."""
    if item.kind in QUESTION_KINDS:
        return await question_results(session, ctx, item, await asyncio.to_thread(population.split, on_item.rows))
    answered = population.count(on_item.answered)
    if item.kind == "proposal":
        return await proposal_results(session, ctx, item, answered)
    if item.kind == "pairs":
        return await pairs_results(session, ctx, item, answered)
    return {None: lambda g: {"answered": 0}}


_ITEM_HEAD = ("key", "kind", "number", "prompt", "reached", "answered", "answer_rate")


def _ordered_item(entry: dict[str, Any]) -> dict[str, Any]:
    return {**{k: entry[k] for k in _ITEM_HEAD}, **{k: v for k, v in entry.items() if k not in _ITEM_HEAD}}


def _district_or_withheld(entry: dict[str, Any], k: int) -> dict[str, Any]:
    """A district's budget holds one region's ballots: with fewer than k of them it would tell how those few
    voted, which the region's segment never shows (docs/privacy.md); it is withheld whole, as in a segment."""
    few = 0 < int(entry["answered"]) < k  # none at all tells nothing about anyone
    if entry["kind"] == "budget" and entry.get("districts") and few:
        return {key: entry[key] for key in ("key", "kind", "number", "prompt")} | {"withheld": True}
    return entry
