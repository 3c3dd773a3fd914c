"""A consultation's results, every item kind, optionally split into segments — JSON-ready dictionaries.

Used by the organiser route (``GET /organiser/consultations/{slug}/results``), the partner API and
anything else that shows results. The mathematics is :mod:`api.scoring`; this package only gathers
``GROUP BY`` aggregates from the database and shapes them. Where things live:

* the three reads below (through the cache): this file; the computation without the cache: ``compute.py``;
* the results cache (``ResultsCache``, its change marker, the JSON encoded once): ``cache.py``;
* the population and its segments (pooling of rare values): ``population.py``; small-cell suppression
  (k-suppression) inside the segments: ``suppression.py``;
* who reached and who answered each item: ``reach.py``; the segments' sizes and participation by day for the
  results pages (:func:`results_overview`): ``overview.py``;
* each item kind's figures: ``questions.py`` (single and multiple choice, scale, free text, budget, place),
  ``proposals.py`` (agree / disagree), ``pairs.py``; share objects: ``shares.py``; the reads they share:
  ``context.py``.

Structure of :func:`consultation_results`
-----------------------------------------
Shares are fractions 0..1 with a 95 % Wilson interval; a *share* object is
``{"count": 12, "share": 0.4, "interval": [0.2459, 0.5768]}`` (interval ``[0, 1]`` when the base is 0).
Pairs scores are percentages 0..100 like All Our Ideas' score.

.. code-block:: text

    {"slug", "title", "status", "language",          # texts and labels are in "language"
     "computed_at": "2026-03-02T09:15:40Z",          # results may be up to a few seconds old (see caching)
     "min_segment_size": 10,
     "participants": 180,     # consented participants who answered at least one item (anything stored)
     "consented": 200, "completed": 150,
     "segment": null | "language" | "age_band" | "country" | "region" | "source" | "group",
     "items": [ITEM, ...],    # always the whole consultation
     "segments": [            # only with a segment
        {"value": "18-24" | null, "kind": "value" | "unknown" | "other", "label": "18-24",
         "participants": 37, "items": [ITEM, ...]}, ...]}

Every ``ITEM`` has ``key``, ``kind``, ``number`` (1-based position), ``prompt``, ``reached`` (participants
shown the item, see below), ``answered`` (participants who answered it; a skipped optional question
does not count) and ``answer_rate`` (answered / reached), plus by kind:

* ``single_choice``: ``options: [{"key", "label", "count", "share", "interval"}]`` (shares of answered).
* ``multi_choice``: the same (shares of respondents, so they may add up to more than 1) and ``choices``.
* ``scale``: ``min``, ``max``, ``distribution: [{"value", "count", "share", "interval"}]``, ``mean``,
  ``mean_interval`` (normal approximation; null below 2 answers), ``median``.
* ``free_text``: ``skipped`` and, only with ``raw=True`` and only for the whole, ``texts`` (sorted, never who
  wrote them).
* ``budget``: ``total``, ``currency``, ``ballots``, ``spent``, ``funded`` (project keys) and
  ``projects: [{"key", "label", "cost", "votes", "share", "interval", "rank", "funded"}]``, best first.
  Funded set: projects in order of votes (ties: cheaper, then listed first), each taken if it still fits
  in what is left of the budget; projects nobody voted for are never funded.
* ``place``: ``comments`` and, only with ``raw=True`` and only for the whole,
  ``points: [{"latitude", "longitude", "comment"}]``.
* ``proposal`` (agree / disagree / neutral): ``votes``, ``zones`` (count per zone) and ``proposals`` best
  first by top score: ``{"id", "text", "rank", "controversy_rank", "votes", "agree", "disagree",
  "neutral", "agree_among_decided" (share objects), "zone", "top_score", "support" (``{"value",
  "interval"}``: the mean vote value 0..1 and its 95 % interval, whose lower end is ``top_score``), "controversy_score",
  "qualifications": {"agree": {"like_it": share, ...}, ...}}``.
* ``pairs``: ``comparisons`` (counted votes), ``cant_decide``, ``skips``, ``after_skip`` (answers given
  right after a skip: stored, not counted), ``served``, and ``proposals`` ranked by the Bradley–Terry fit:
  ``{"id", "text", "rank", "score" (chance to beat a random other proposal, %), "interval" (95 %, %),
  "strength", "wins", "losses", "comparisons", "aoi_score"}``.

Only accepted proposals are ranked; votes on proposals that left the pool are ignored.

``reached`` and ``answered``: :mod:`api.results.reach`. Segments and what may be shown inside them:
:mod:`api.results.population` and :mod:`api.results.suppression` (``k = Consultation.min_segment_size``; a value
held by fewer than k participants is never returned, a count of fewer than k people inside a segment is null).
Free texts and place points (``raw``) come only with the whole, never inside a segment. Caching:
:mod:`api.results.cache`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import bad_request
from api.results.cache import Entry, ResultsCache, encode
from api.results.compute import compute_results
from api.results.population import OTHER
from api.results.questions import QUESTION_KINDS
from core.vocabulary import SEGMENTS
from storage.models import Consultation

SPLITS = (*SEGMENTS, "group")
"""What results can be split by: the participants' attributes (:data:`SEGMENTS`), and their opinion group
(api/opinion_groups.py; only the groups api.disclosure.released_groups publishes)."""

__all__ = [
    "OTHER",
    "QUESTION_KINDS",
    "SEGMENTS",
    "SPLITS",
    "ResultsCache",
    "compute_results",
    "consultation_results",
    "consultation_results_json",
    "proposal_ranking",
    "results_overview",
]


async def consultation_results(
    session: AsyncSession,
    consultation: Consultation,
    *,
    cache: ResultsCache,
    segment: str | None = None,
    raw: bool = False,
    language: str | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """The results of every item (structure in the module docstring). Shared with the cache: do not modify it.

    ``cache``: the app's (:func:`api.deps.results_cache`). ``segment``: one of :data:`SPLITS` or None. ``raw``:
    include free texts and place points (organiser and partner reads; never for anything shown to the public).
    ``language``: of labels and texts (default: the consultation's). ``fresh``: bypass the cache. An unknown
    segment is a 400 :class:`ApiError`.
    """
    return (await _entry(cache, session, consultation, segment, raw, language, fresh)).value


async def results_overview(
    session: AsyncSession,
    consultation: Consultation,
    *,
    cache: ResultsCache,
    language: str | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """Each segment's groups and sizes, and participation by day (:mod:`api.results.overview`): what a results page
    needs besides the whole's results, computed once for every segment and cached alike. Do not modify it."""
    return (await _entry(cache, session, consultation, None, False, language, fresh, view="overview")).value


async def consultation_results_json(
    session: AsyncSession,
    consultation: Consultation,
    *,
    cache: ResultsCache,
    segment: str | None = None,
    raw: bool = False,
    language: str | None = None,
    fresh: bool = False,
) -> bytes:
    """:func:`consultation_results` as UTF-8 JSON, encoded once per computation (a large consultation's results
    are megabytes: encoding them on every read would cost more than reading them). Return it as is, e.g.
    ``Response(content=..., media_type="application/json")``."""
    entry = await _entry(cache, session, consultation, segment, raw, language, fresh)
    if entry.encoded is None:
        entry.encoded = await asyncio.to_thread(encode, entry.value)
    return entry.encoded


async def _entry(
    cache: ResultsCache,
    session: AsyncSession,
    consultation: Consultation,
    segment: str | None,
    raw: bool,
    language: str | None,
    fresh: bool,
    view: str = "results",
) -> Entry:
    if segment is not None and segment not in SPLITS:
        raise bad_request("invalid_segment", f"segment must be one of {', '.join(SPLITS)}", segments=list(SPLITS))
    language = language or consultation.default_language
    return await cache.get(session, consultation, segment, bool(raw), language, fresh, view)


async def proposal_ranking(
    session: AsyncSession,
    consultation: Consultation,
    item_key: str | None = None,
    *,
    cache: ResultsCache,
    segment: str | None = None,
    language: str | None = None,
    fresh: bool = False,
) -> list[dict[str, Any]]:
    """Compact rankings of the proposal and pairs items (all, or the one keyed ``item_key``).

    ``[{"key", "kind", "prompt", "ranking": [{"rank", "proposal", "text", "score", "interval", ...}]}]``,
    scores in % (pairs: chance to beat a random other proposal, with its 95 % interval; proposal items: top
    score, with the interval of the mean vote value — ``support`` — whose lower end it is, plus ``agree``,
    ``zone`` and ``votes``). With a segment, the whole
    consultation's ranking (segments stay in :func:`consultation_results`). Unknown key: 400.
    """
    full = await consultation_results(
        session, consultation, cache=cache, segment=segment, language=language, fresh=fresh
    )
    items = [i for i in full["items"] if i["kind"] in ("proposal", "pairs") and item_key in (None, i["key"])]
    if item_key is not None and not items:
        raise bad_request("unknown_item", f"this consultation has no proposal or pairs item {item_key!r}")
    return [{"key": i["key"], "kind": i["kind"], "prompt": i["prompt"], "ranking": _compact(i)} for i in items]


def _compact(item: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for p in item["proposals"]:
        if item["kind"] == "pairs":
            rows.append(
                {
                    "rank": p["rank"],
                    "proposal": p["id"],
                    "text": p["text"],
                    "score": p["score"],
                    "interval": p["interval"],
                    "wins": p["wins"],
                    "losses": p["losses"],
                    "aoi_score": p["aoi_score"],
                }
            )
        else:
            rows.append(
                {
                    "rank": p["rank"],
                    "proposal": p["id"],
                    "text": p["text"],
                    "score": round(100 * p["top_score"], 2),
                    # The interval of the quantity the score is the lower end of (not the agree share's).
                    "interval": [round(100 * x, 2) for x in p["support"]["interval"]],
                    "support": round(100 * p["support"]["value"], 2),
                    "agree": p["agree"]["share"],
                    "zone": p["zone"],
                    "votes": p["votes"],
                }
            )
    return rows
