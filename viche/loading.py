"""Reading definition files and loading them into the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.definition import ConsultationDef, check_file
from storage.consultations import save_definition
from storage.db import Database
from storage.models import Consultation

DEMO_FILE = Path(__file__).parent / "demo" / "demo.yaml"


def read_definition(path: Path) -> ConsultationDef:
    """A definition file, read with the same bounds as every other (``core.definition``): a file made to
    expand or nest without end is refused, not followed."""
    report = check_file(path)
    if not report.ok:
        raise ValueError(
            f"{path} is not a valid definition:\n" + "\n".join(problem.text(str(path)) for problem in report.problems)
        )
    return report.definition


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
