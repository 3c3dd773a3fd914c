"""Reading definition files and loading them into the database."""
from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import func, select

from api.definition import ConsultationDef
from storage.consultations import save_definition
from storage.db import Database
from storage.models import Consultation

DEMO_FILE = Path(__file__).parent / "demo" / "demo.yaml"


def read_definition(path: Path) -> ConsultationDef:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    return ConsultationDef.model_validate(data)


async def load_demo(db: Database, *, only_if_empty: bool) -> str | None:
    """Load the demo consultation, open. Returns its slug, or None when skipped."""
    async with db.session() as session:
        if only_if_empty and await session.scalar(select(func.count()).select_from(Consultation)):
            return None
        definition = read_definition(DEMO_FILE)
        existing = (await session.execute(select(Consultation).where(Consultation.slug == definition.slug))).scalar()
        if existing is not None:
            return None
        consultation = await save_definition(session, definition, status="open")
        return consultation.slug
