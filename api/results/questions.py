"""Results of the question items: single and multiple choice, scale, free text, budget and place.

Shares of answered (single choice) or of respondents (multiple choice, budget ballots: they may add up to more
than 1); a scale's distribution, mean with its interval (normal approximation) and median; a budget's funded set
(projects in order of votes — ties: cheaper, then listed first — each taken if it still fits in what is left;
projects nobody voted for are never funded). Free texts and place points come only with ``raw``, and only for
the whole, never inside a segment.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.content import localized
from api.results.budget import budget
from api.results.context import ALL, Context
from api.results.shares import rounded, share
from api.scoring.intervals import Z95
from storage.models import Item, Option

QUESTION_KINDS = ("single_choice", "multi_choice", "scale", "free_text", "budget", "place")


def meaningful(kind: str, option_id: int | None, value: Any) -> bool:
    """Whether a stored answer answers the question (a skipped optional question stores one that does not)."""
    if kind == "single_choice":
        return option_id is not None
    if kind in ("multi_choice", "budget"):
        return isinstance(value, list)
    if kind == "scale":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "free_text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "place":
        return isinstance(value, dict) and "latitude" in value
    return False


async def question_results(
    session: AsyncSession, ctx: Context, item: Item, rows: dict[Any, list[tuple]]
) -> dict[Any, Any]:
    """``rows``: (option_id, value) of every stored answer, for ALL and per group; ``None`` maps to a factory for
    groups with no rows."""
    options = list(
        (await session.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))).scalars()
    )
    default = ctx.consultation.default_language
    label = {o.id: localized(o.label, ctx.language, default) for o in options}
    districts = district_names(ctx.consultation.definition or {}, item.config, ctx.language, default)
    # Free texts and places only ever come with the whole: within segments they would carry the segment's value,
    # and the same text seen in two segmentations (an age band, then a country) would place its writer in the
    # crossing of the two, which may hold fewer than k people.
    builders = {
        "single_choice": lambda rs, raw: single_choice(options, label, [r[0] for r in rs]),
        "multi_choice": lambda rs, raw: multi_choice(options, label, [r[1] for r in rs]),
        "budget": lambda rs, raw: budget(item, options, label, [r[1] for r in rs], districts),
        "scale": lambda rs, raw: scale(item, [r[1] for r in rs]),
        "free_text": lambda rs, raw: free_text([r[1] for r in rs], raw),
        "place": lambda rs, raw: place([r[1] for r in rs], raw),
    }
    builder = builders[item.kind]
    # Counting tens of thousands of answers (a budget's rules most of all) in a worker thread, off the event loop.
    out: dict[Any, Any] = await asyncio.to_thread(
        lambda: {g: builder(rs, ctx.raw and g is ALL) for g, rs in rows.items()}
    )
    out[None] = lambda g: builder([], ctx.raw and g is ALL)
    return out


def district_names(definition: dict[str, Any], config: dict[str, Any], language: str | None, default: str) -> list[str]:
    """A district's budget: the names of its regions (profile.regions), in the reader's language; [] for all."""
    names = {
        region["key"]: localized(region["label"], language, default)
        for region in (definition.get("profile") or {}).get("regions") or []
    }
    return [names.get(key, key) for key in config.get("regions") or []]


def single_choice(options: list[Option], label: dict[int, str], chosen: list[int | None]) -> dict[str, Any]:
    counts: dict[int, int] = defaultdict(int)
    for option_id in chosen:
        if option_id is not None:
            counts[option_id] += 1
    answered = sum(counts[o.id] for o in options)
    return {
        "answered": answered,
        "options": [{"key": o.key, "label": label[o.id], **share(counts[o.id], answered)} for o in options],
    }


def _chosen(values: Iterable[Any]) -> tuple[int, dict[int, int], int]:
    counts: dict[int, int] = defaultdict(int)
    ballots = choices = 0
    for value in values:
        if not isinstance(value, list):
            continue
        ballots += 1
        for option_id in set(value):
            counts[option_id] += 1
            choices += 1
    return ballots, counts, choices


def multi_choice(options: list[Option], label: dict[int, str], values: list[Any]) -> dict[str, Any]:
    answered, counts, choices = _chosen(values)
    return {
        "answered": answered,
        "choices": choices,
        "options": [{"key": o.key, "label": label[o.id], **share(counts[o.id], answered)} for o in options],
    }


def scale(item: Item, values: list[Any]) -> dict[str, Any]:
    low, high = int(item.config.get("min", 1)), int(item.config.get("max", 5))
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high]
    n = len(numbers)
    counts: dict[int, int] = defaultdict(int)
    for v in numbers:
        counts[v] += 1
    body: dict[str, Any] = {
        "answered": n,
        "min": low,
        "max": high,
        "distribution": [{"value": v, **share(counts[v], n)} for v in range(low, high + 1)],
        "mean": None,
        "mean_interval": None,
        "median": None,
    }
    if n:
        arr = np.array(numbers, dtype=float)
        mean = float(arr.mean())
        body["mean"] = rounded(mean, 3)
        body["median"] = float(np.median(arr))
        if n >= 2:
            half = Z95 * float(arr.std(ddof=1)) / math.sqrt(n)
            body["mean_interval"] = [rounded(max(low, mean - half), 3), rounded(min(high, mean + half), 3)]
    return body


def free_text(values: list[Any], raw: bool) -> dict[str, Any]:
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    body: dict[str, Any] = {"answered": len(texts), "skipped": len(values) - len(texts)}
    if raw:
        body["texts"] = sorted(texts, key=lambda t: (t.casefold(), t))
    return body


def place(values: list[Any], raw: bool) -> dict[str, Any]:
    points = [v for v in values if isinstance(v, dict) and "latitude" in v and "longitude" in v]
    body: dict[str, Any] = {"answered": len(points), "comments": sum(1 for p in points if p.get("comment"))}
    if raw:
        body["points"] = sorted(
            ({"latitude": p["latitude"], "longitude": p["longitude"], "comment": p.get("comment")} for p in points),
            key=lambda p: (p["latitude"], p["longitude"], p["comment"] or ""),
        )
    return body
