"""Import a Pabulib election (``.pb``, pabulib.org/format) as a closed consultation with one ``budget`` item.

Projects become the item's projects (cost, name, categories, coordinates; the ``.pb`` project id is the key,
with characters a key cannot hold replaced by ``_``, and kept as it was in ``importedref``). The META names the
ballot (``vote_type``: approval, cumulative, ordinal), its limits (``min_length``, ``max_length``,
``max_sum_points``, ``max_points``), the counting rule (``rule``, ``min_project_score_threshold``) and the budget.
Ties go by project key in text order, Pabulib's convention, so that the count reproduces the city's.

Each voter becomes a participant without contact (voter id kept in ``importedref``) with one budget answer
stored as api/results/budget.py reads it. A voter's ``age`` becomes an age band (``age_band``: the bands of
:data:`AGE_BANDS`), a ``neighborhood`` / ``district`` column their region; ``sex`` has no profile field and is not
imported (a note says so).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from api.scoring.budget import pabulib
from core.definition.model import COUNTING_RULES, IMPORTED, ConsultationDef
from storage.consultations import by_slug, save_definition
from storage.db import Database
from storage.models import Answer, Item, Option, Participant, utcnow
from storage.models_partner import ImportedRef
from viche.importers import Imported, ImportError_, Progress, add_participants, bulk_insert, slugify

SOURCE = "pabulib"
AGE_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
VOTE_TYPES = {"approval": "approval", "cumulative": "cumulative", "scoring": "cumulative", "ordinal": "ordinal"}
REGION_COLUMNS = ("neighborhood", "neighbourhood", "district")
ITEM_KEY = "budget"


def age_band(text: str) -> str | None:
    try:
        age = int(float(text))
    except ValueError:
        return None
    for band in AGE_BANDS[:-1]:
        low, high = (int(x) for x in band.split("-"))
        if low <= age <= high:
            return band
    return AGE_BANDS[-1] if age >= 65 else None


def project_key(project_id: str) -> str:
    return (re.sub(r"[^A-Za-z0-9_]", "_", project_id) or "_")[:40]


def _whole(meta: dict[str, str], name: str) -> int | None:
    text = meta.get(name, "").strip()
    if not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        raise ImportError_(f"META {name} is not a number: {text!r}") from None


def _coordinate(row: dict[str, str], name: str) -> float | None:
    try:
        return float(row[name]) if row.get(name, "").strip() else None
    except ValueError:
        return None


def definition_data(
    pb: pabulib.PabulibFile, points: list[dict[str, int]], slug: str, title: str, language: str
) -> tuple[dict[str, Any], list[str]]:
    """The consultation definition of the election, and notes on what could not be kept."""
    notes: list[str] = []
    meta = pb.meta
    ballot = VOTE_TYPES.get(pb.vote_type)
    if ballot is None:
        raise ImportError_(f"vote_type {pb.vote_type!r} is not one viche counts (approval, cumulative, ordinal)")
    rule = pb.rule
    if rule not in COUNTING_RULES:
        notes.append(f"META rule {rule!r} is not one viche counts: counted with greedy")
        rule = "greedy"
    counting: dict[str, Any] = {"rule": rule}
    if rule == "greedy-threshold":
        counting["threshold"] = _whole(meta, "min_project_score_threshold") or 0
    if ballot == "ordinal" and rule.startswith("equalshares"):
        raise ImportError_("the Method of Equal Shares does not count rankings")
    # Beside the city's rule, what results compare it with: the Method of Equal Shares (not for rankings) and greedy.
    others = ["greedy-no-skip", "greedy"] if ballot == "ordinal" else ["equalshares/add1", "greedy"]
    rules = [counting] + [{"rule": other} for other in others if other != rule]
    projects = []
    for pid, row in pb.projects.items():
        name = row.get("name", "").strip() or f"Project {pid}"
        project: dict[str, Any] = {
            "key": project_key(pid),
            "label": {language: name},
            "cost": pabulib._number(row["cost"], f"project {pid}'s cost"),
        }
        categories = [c.strip() for c in row.get("category", "").split(",") if c.strip()]
        if categories:
            project["categories"] = categories
        latitude, longitude = _coordinate(row, "latitude"), _coordinate(row, "longitude")
        if latitude is not None and longitude is not None:
            project.update(latitude=latitude, longitude=longitude)
        projects.append(project)
    if len({p["key"] for p in projects}) != len(projects):
        raise ImportError_("two project ids become the same key once cleaned; rename them in the file")
    lengths = [len(pabulib._ids(row.get("vote", ""))) for row in pb.votes.values()]
    item: dict[str, Any] = {
        "type": "budget",
        "key": ITEM_KEY,
        "prompt": {language: meta.get("description", "").strip() or title},
        "total": pabulib._number(meta["budget"], "budget"),
        "currency": (meta.get("currency", "").strip().upper() or "EUR")[:3],
        "projects": projects,
        "ballot": ballot,
        "min_projects": min(_whole(meta, "min_length") or 0, min(lengths, default=0)),
        "counting": rules,
        "tie_break": "key",
    }
    if not re.fullmatch(r"[A-Z]{3}", item["currency"]):
        item["currency"] = "EUR"
    max_length = _whole(meta, "max_length")
    if ballot == "ordinal" and not max_length:
        max_length = max(lengths, default=1)
    if max_length:
        item["max_projects"] = min(max(max_length, max(lengths, default=1)), len(projects))
    if ballot == "cumulative":
        spent = max((sum(ballot.values()) for ballot in points), default=1)
        item["points"] = max(_whole(meta, "max_sum_points") or 1, spent)
        if _whole(meta, "max_points"):
            item["max_points_per_project"] = _whole(meta, "max_points")
    data: dict[str, Any] = {
        "slug": slug,
        "title": {language: title},
        "languages": [language],
        "default_language": language,
        "items": [item],
    }
    columns = set(next(iter(pb.votes.values()), {}).keys())
    profile: dict[str, Any] = {}
    if "age" in columns:
        profile["age_bands"] = list(AGE_BANDS)
    region_column = next((c for c in REGION_COLUMNS if c in columns), None)
    if region_column:
        regions = sorted({row[region_column].strip() for row in pb.votes.values() if row[region_column].strip()})
        profile["regions"] = [{"key": project_key(r), "label": {language: r}} for r in regions]
    if profile:
        data["profile"] = profile
    if "sex" in columns:
        notes.append("voters' sex is not imported: viche's profile has no such field")
    return data, notes


async def import_pabulib(
    db: Database, path: Path, *, slug: str | None = None, title: str | None = None, language: str = "en"
) -> Imported:
    if not path.is_file():  # noqa: ASYNC240 - one stat of a file named on the command line
        raise ImportError_(f"no file {path}")
    try:
        pb = pabulib.read(path)
        points = pabulib.ballots(pb)
    except pabulib.PabulibError as error:
        raise ImportError_(f"{path.name}: {error}") from None
    slug = slug or slugify(path.stem)
    title = title or " ".join(v for v in (pb.meta.get("unit", ""), pb.meta.get("instance", "")) if v) or path.stem
    data, notes = definition_data(pb, points, slug, title, language)
    item_def = data["items"][0]
    try:
        definition = ConsultationDef.model_validate(data, context={IMPORTED: True})
    except ValueError as error:
        raise ImportError_(f"the imported consultation is not valid: {error}") from None
    result = Imported(slug=slug, source=SOURCE, notes=notes)
    async with db.session() as session:
        if await by_slug(session, slug) is not None:
            raise ImportError_(f"a consultation {slug!r} already exists: choose another with --slug")
        consultation = await save_definition(session, definition, status="closed")
        item = (await session.execute(select(Item).where(col(Item.consultation_id) == consultation.id))).scalar_one()
        options = list((await session.execute(select(Option).where(col(Option.item_id) == item.id))).scalars())
        option_of = {o.key: o.id for o in options if o.id is not None}
        assert consultation.id is not None
        await bulk_insert(
            session,
            ImportedRef,
            (
                {
                    "consultation_id": consultation.id,
                    "source": SOURCE,
                    "kind": "project",
                    "external_id": pid[:64],
                    "local_id": str(option_of[project_key(pid)]),
                }
                for pid in pb.projects
            ),
        )
        now = utcnow()
        people = await add_participants(session, consultation.id, SOURCE, dict.fromkeys(pb.votes, now), language)
        result.participants = len(people)
        result.proposals = len(options)
        await _profiles(session, pb, people)
        progress = Progress("ballots", len(pb.votes))
        rows = (
            {
                "participant_id": people[voter],
                "item_id": item.id,
                "option_id": None,
                "value": stored_ballot(item_def["ballot"], pabulib._ids(row.get("vote", "")), ballot, option_of),
                "created_at": now,
            }
            for (voter, row), ballot in zip(pb.votes.items(), points, strict=True)
        )
        result.votes = await bulk_insert(session, Answer, rows, progress)
        progress.close()
        await session.commit()
    return result


def stored_ballot(kind: str, listed: list[str], points: dict[str, int], option_of: dict[str, int]) -> list[int]:
    """A voter's ballot as api/results/budget.py reads it (ordinal: best first; cumulative: once per point)."""
    if kind == "ordinal":
        return [option_of[project_key(pid)] for pid in listed]
    if kind == "cumulative":
        return sorted(option_of[project_key(pid)] for pid, n in points.items() for _ in range(n))
    return sorted(option_of[project_key(pid)] for pid in listed)


async def _profiles(session: Any, pb: pabulib.PabulibFile, people: dict[str, str]) -> None:
    """Age bands and regions, set a group of participants at a time."""
    columns = set(next(iter(pb.votes.values()), {}).keys())
    region_column = next((c for c in REGION_COLUMNS if c in columns), None)
    groups: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for voter, row in pb.votes.items():
        band = age_band(row["age"]) if "age" in columns and row["age"].strip() else None
        region = project_key(row[region_column].strip()) if region_column and row[region_column].strip() else None
        if band or region:
            groups[(band, region)].append(people[voter])
    for (band, region), ids in groups.items():
        for start in range(0, len(ids), 500):
            await session.execute(
                update(Participant)
                .where(col(Participant.id).in_(ids[start : start + 500]))
                .values(age_band=band, region=region)
            )
