"""Helpers for the results and selection tests: consultations built in code, participants and votes in bulk."""

from __future__ import annotations

import random
import secrets
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from core.definition import ConsultationDef
from storage.consultations import save_definition
from storage.models import Enrolment, Item, PairPrompt, Participant, Proposal, new_participant_id, utcnow


def texts(n: int, prefix: str = "Proposal") -> list[dict[str, str]]:
    return [{"en": f"{prefix} number {i:05d} for the city"} for i in range(n)]


async def create(db, definition: dict[str, Any]):
    base = {"title": {"en": "Test"}, "languages": ["en"], "default_language": "en"}
    async with db.session() as session:
        return await save_definition(session, ConsultationDef.model_validate({**base, **definition}), status="open")


async def item_of(db, consultation_id: int, key: str) -> Item:
    async with db.session() as session:
        return (
            await session.execute(select(Item).where(Item.consultation_id == consultation_id, Item.key == key))
        ).scalar_one()


async def proposal_ids(db, item_id: int, status: str = "accepted") -> list[int]:
    async with db.session() as session:
        return list(
            (
                await session.execute(
                    select(Proposal.id)
                    .where(Proposal.item_id == item_id, Proposal.status == status)
                    .order_by(Proposal.id)
                )
            ).scalars()
        )


async def people(db, consultation_id: int, n: int, **profile: Any) -> list[str]:
    """``n`` consented participants inserted directly (profile fields as given; callables get the index)."""
    ids = [new_participant_id() for _ in range(n)]
    now = utcnow()
    source = profile.pop("source", None)
    rows = []
    for i, pid in enumerate(ids):
        row = {"id": pid, "created_at": now}
        for key, value in profile.items():
            row[key] = value(i) if callable(value) else value
        rows.append(row)
    async with db.session() as session:
        if rows:
            await session.execute(insert(Participant), rows)
            await session.execute(
                insert(Enrolment),
                [
                    {
                        "participant_id": pid,
                        "consultation_id": consultation_id,
                        "consented_at": now,
                        "created_at": now,
                        "profile_done": [],
                        "source": source(i) if callable(source) else source,
                    }
                    for i, pid in enumerate(ids)
                ],
            )
        await session.commit()
    return ids


async def bulk_pair_votes(
    db, consultation_id: int, item_id: int, proposals: list[int], votes: int, seed: int = 1, per_participant: int = 10
) -> np.ndarray:
    """``votes`` answered pair prompts between ``proposals`` (Bradley–Terry voters); returns true strengths."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, len(proposals))
    rnd = random.Random(seed)
    voters = await people(db, consultation_id, -(-votes // per_participant))
    rows, now = [], utcnow()
    for _v, pid in enumerate(voters):
        seen: set[tuple[int, int]] = set()
        while len(seen) < per_participant and len(rows) < votes:
            a, b = rnd.sample(range(len(proposals)), 2)
            low, high = sorted((proposals[a], proposals[b]))
            if (low, high) in seen:
                continue
            seen.add((low, high))
            a_wins = rnd.random() < 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
            rows.append(
                {
                    "token": secrets.token_urlsafe(9),
                    "participant_id": pid,
                    "item_id": item_id,
                    "left_id": proposals[a],
                    "right_id": proposals[b],
                    "low_id": low,
                    "high_id": high,
                    "served_at": now,
                    "outcome": "left" if a_wins else "right",
                    "reason": None,
                    "after_skip": False,
                    "answered_at": now,
                }
            )
    async with db.session() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(PairPrompt), rows[start : start + 2000])
        await session.commit()
    return theta


async def fresh_participant(http, slug: str, external_id: str, **enrol: Any) -> str:
    participant = (
        await http.post("/participant/identify", json={"channel": "telegram", "external_id": external_id})
    ).json()
    response = await http.post(f"/participant/{participant['id']}/consent", json={"slug": slug, **enrol})
    assert response.status_code == 200, response.text
    return participant["id"]


async def screen(http, pid: str, slug: str) -> dict:
    response = await http.get(f"/participant/{pid}/next", params={"slug": slug})
    assert response.status_code == 200, response.text
    return response.json()
