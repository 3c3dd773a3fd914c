"""A consultation's budget item as a Pabulib file (``.pb``, pabulib.org/format).

META: the election (``vote_type`` approval / cumulative / ordinal — a knapsack ballot is Pabulib's approval with
``max_sum_cost`` = the budget —, the first configured counting ``rule``, the budget, ballot lengths and points).
PROJECTS: cost, votes, score, name, categories and coordinates, and ``selected`` (1) by that rule. VOTES: one
row per ballot, with the voter's age band and region only as :func:`api.disclosure.plan` releases them (a value
shared by fewer than ``min_segment_size`` voters becomes "(other)", an attribute of a rare combination
"(withheld)"). Ids are the imported file's where the consultation came from ``viche import pabulib``
(``importedref``), else the project keys; voters are numbered 1, 2, … in the order of their ballots — never a
participant id, nor the voter id of an imported file (``importedref`` keeps those for the organiser only).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api import disclosure
from api.errors import bad_request
from api.results.budget import election, official
from storage.models import Answer, Consultation, Item, Option, Participant
from storage.models_partner import ImportedRef

ATTRIBUTES = ("age_band", "region")
VOTE_TYPE = {"knapsack": "approval", "approval": "approval", "cumulative": "cumulative", "ordinal": "ordinal"}


async def budget_item(session: AsyncSession, consultation: Consultation, key: str | None) -> Item:
    query = select(Item).where(col(Item.consultation_id) == consultation.id, col(Item.kind) == "budget")
    if key is not None:
        query = query.where(col(Item.key) == key)
    item = (await session.execute(query.order_by(col(Item.position)))).scalars().first()
    if item is None:
        raise bad_request(
            "no_budget_item", f"consultation {consultation.slug!r} has no budget item {key or ''}".strip()
        )
    return item


async def pabulib_text(session: AsyncSession, consultation: Consultation, key: str | None = None) -> str:
    item = await budget_item(session, consultation, key)
    options = list(
        (
            await session.execute(select(Option).where(col(Option.item_id) == item.id).order_by(col(Option.position)))
        ).scalars()
    )
    rows = (
        await session.execute(
            select(col(Answer.participant_id), col(Answer.value), col(Participant.age_band), col(Participant.region))
            .join(Participant, col(Participant.id) == col(Answer.participant_id))
            .where(col(Answer.item_id) == item.id)
            .order_by(col(Answer.created_at), col(Answer.id))
        )
    ).all()
    rows = [r for r in rows if isinstance(r.value, list)]
    k = disclosure.threshold(consultation)
    if item.config.get("regions") and 0 < len(rows) < k:
        # A district's ballots are one region's: fewer than k would tell how those few voted (api/results/compute).
        raise disclosure.BelowThreshold(len(rows), k).api_error(consultation.slug)
    refs = {
        (kind, local): external
        for kind, local, external in (
            await session.execute(
                select(col(ImportedRef.kind), col(ImportedRef.local_id), col(ImportedRef.external_id)).where(
                    col(ImportedRef.consultation_id) == consultation.id, col(ImportedRef.kind) == "project"
                )
            )
        ).all()
    }
    config = item.config
    the = election(item, options, [r.value for r in rows])
    rule = official(item, the)  # only the official rule decides `selected`, and META names it
    selected = set(rule["funded"])
    scores = the.scores()
    votes: Counter[str] = Counter(k for ballot in the.ballots for k, p in ballot.items() if p > 0)
    project_id = {o.key: refs.get(("project", str(o.id)), o.key) for o in options}
    language = consultation.default_language
    defs = _project_defs(consultation, item.key)

    out = io.StringIO()
    write = csv.writer(out, delimiter=";", lineterminator="\n").writerow
    ballot = config.get("ballot", "knapsack")
    meta: list[tuple[str, Any]] = [
        ("description", consultation.title.get(language, consultation.slug)),
        ("num_projects", len(options)),
        ("num_votes", len(rows)),
        ("budget", config["total"]),
        ("vote_type", VOTE_TYPE[ballot]),
        ("rule", rule["rule"]),
        ("currency", config.get("currency", "EUR")),
        ("min_length", config.get("min_projects", 1)),
    ]
    if config.get("max_projects"):
        meta.append(("max_length", config["max_projects"]))
    if ballot == "knapsack":
        meta.append(("max_sum_cost", config["total"]))
    if ballot == "cumulative":
        meta.append(("max_sum_points", config["points"]))
        if config.get("max_points_per_project"):
            meta.append(("max_points", config["max_points_per_project"]))
    if rule["rule"] == "greedy-threshold":
        meta.append(("min_project_score_threshold", rule["threshold"]))
    write(["META"])
    write(["key", "value"])
    for name, value in meta:
        write([name, value])

    write(["PROJECTS"])
    write(["project_id", "cost", "votes", "score", "name", "category", "latitude", "longitude", "selected"])
    for o in options:
        extra = defs.get(o.key, {})
        write(
            [
                project_id[o.key],
                o.cost or 0,
                votes[o.key],
                scores[o.key],
                o.label.get(language) or next(iter(o.label.values()), o.key),
                ",".join(extra.get("categories", [])),
                extra.get("latitude", ""),
                extra.get("longitude", ""),
                1 if o.key in selected else 0,
            ]
        )

    plan = disclosure.plan(
        Counter((r.age_band, r.region) for r in rows),
        k,
        ATTRIBUTES,
        tuple(a for a in disclosure.DROP_ORDER if a in ATTRIBUTES),
    )
    write(["VOTES"])
    write(["voter_id", "vote", *(["points"] if ballot == "cumulative" else []), *ATTRIBUTES])
    for number, (r, points) in enumerate(zip(rows, the.ballots, strict=True), start=1):
        listed = _listed(ballot, r.value, {o.id: o.key for o in options}, points)
        cells = [str(number), ",".join(project_id[k] for k in listed)]
        if ballot == "cumulative":
            cells.append(",".join(str(points[k]) for k in listed))
        write([*cells, *("" if v is None else v for v in plan.row((r.age_band, r.region)))])
    return out.getvalue()


def _listed(ballot: str, value: list[int], key_of: dict[int | None, str], points: Mapping[str, int]) -> list[str]:
    """The projects a ballot names, in the order the file lists them (ordinal: best first, else by position)."""
    if ballot == "ordinal":
        return [key_of[v] for v in value if v in key_of]
    position = {key: i for i, key in enumerate(key_of.values())}
    return sorted(points, key=position.__getitem__)


def _project_defs(consultation: Consultation, item_key: str) -> dict[str, dict[str, Any]]:
    """Categories and coordinates, which only the stored definition holds."""
    for item in (consultation.definition or {}).get("items", []):
        if item.get("key") == item_key:
            return {p["key"]: p for p in item.get("projects", [])}
    return {}
