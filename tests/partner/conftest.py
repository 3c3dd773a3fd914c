"""Fixtures of the partner API tests: keys, a client without the service token, and consultations
with answers of every stored kind (answers, proposal votes, pairs)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.partner.auth import TokenBucket
from storage.models import (
    Answer,
    Consultation,
    Contact,
    Enrolment,
    Item,
    Option,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    utcnow,
)
from tests.conftest import repo_root
from viche.keys import create_key

DATA = Path(__file__).parent / "data"
POLIS = repo_root().parent / "shared" / "data" / "polis"


def polis_folder(name: str) -> Path:
    folder = POLIS / name
    if not (folder / "votes.csv").is_file():
        pytest.skip(f"the Polis open data is not here ({folder}): it lives in ../shared/data/polis next to the repo")
    return folder


@pytest.fixture(autouse=True)
def generous_limit(api_app):
    """Tests make many requests with one key; the rate-limit tests install their own bucket."""
    api_app.state.partner_limiter = TokenBucket(rate_per_minute=1_000_000, burst=1_000_000)


@pytest.fixture
async def partner(api_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no credentials: each request says which key it uses."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as client:
        yield client


async def new_key(db, *scopes: str, rate: int | None = None, name: str = "research-team") -> str:
    key, _ = await create_key(db, name, list(scopes), rate)
    return key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def jsonl_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line]


async def add_people(
    db,
    slug: str,
    count: int,
    *,
    first: int = 0,
    telegram_base: int = 777_000_000,
    kinds: tuple[str, ...] = ("single_choice", "proposal", "pairs"),
) -> list[str]:
    """``count`` participants with a Telegram contact, a profile and a source, each answering every item of
    the given kinds (the first option, agree on the first proposal, the first pair to the left)."""
    ids = []
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == slug))).scalar_one()
        items = (
            (await s.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
            .scalars()
            .all()
        )
        now = utcnow()
        for n in range(first, first + count):
            person = Participant(
                language="uk", age_band=["18-24", "25-34"][n % 2], country="UA", region=["kyiv", "lviv"][n % 2]
            )
            s.add(person)
            await s.flush()
            s.add(Contact(participant_id=person.id, channel="telegram", external_id=str(telegram_base + n)))
            s.add(
                Enrolment(participant_id=person.id, consultation_id=consultation.id, source="poster", consented_at=now)
            )
            for item in items:
                if item.kind not in kinds:
                    continue
                if item.kind == "single_choice":
                    option = (
                        (await s.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position)))
                        .scalars()
                        .first()
                    )
                    s.add(Answer(participant_id=person.id, item_id=item.id, option_id=option.id))
                elif item.kind == "proposal":
                    proposal = (
                        (await s.execute(select(Proposal).where(Proposal.item_id == item.id).order_by(Proposal.id)))
                        .scalars()
                        .first()
                    )
                    s.add(
                        ProposalVote(
                            participant_id=person.id,
                            item_id=item.id,
                            proposal_id=proposal.id,
                            choice=["agree", "disagree", "neutral"][n % 3],
                        )
                    )
                elif item.kind == "pairs":
                    a, b = (
                        (
                            await s.execute(
                                select(Proposal.id).where(Proposal.item_id == item.id).order_by(Proposal.id).limit(2)
                            )
                        )
                        .scalars()
                        .all()
                    )
                    s.add(
                        PairPrompt(
                            token=f"t{n:07d}{item.id}",
                            participant_id=person.id,
                            item_id=item.id,
                            left_id=a,
                            right_id=b,
                            low_id=min(a, b),
                            high_id=max(a, b),
                            served_at=now - timedelta(seconds=5),
                            outcome=["left", "right"][n % 2],
                            answered_at=now + timedelta(microseconds=n),
                        )
                    )
            ids.append(person.id)
        await s.commit()
    return ids
