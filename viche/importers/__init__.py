"""``viche import aoi|polis``: load a finished All Our Ideas or Polis export into a new consultation.

The consultation is created closed, with one item (``pairs`` for All Our Ideas, ``proposal`` for
Polis); the source's voters become participants without any contact (there is no Telegram id to
keep), enrolled with ``source`` = ``aoi`` or ``polis``. Which participant and proposal stand for which
id of the source is kept in ``importedref`` (never exported). Everything is one transaction.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic_core import PydanticUndefined
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.definition import ConsultationDef
from core.vocabulary import SLUG_PATTERN
from storage.consultations import by_slug
from storage.models import Consultation, Enrolment, Item, Participant, Proposal, new_participant_id, utcnow
from storage.models_partner import ImportedRef
from storage.text import normalize_proposal
from viche.database import run_with_database

CHUNK = 5000
csv.field_size_limit(16 * 1024 * 1024)


class ImportError_(ValueError):
    """A problem with the files or the arguments, told to the user as it is."""


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, every 10 % otherwise."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step, self._last_draw, self._started = -1, 0.0, time.monotonic()

    def update(self, n: int) -> None:
        self.done += n
        if self.total <= 0:
            return
        share = min(1.0, self.done / self.total)
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.1 or self.done >= self.total:
                self._last_draw = now
                bar = "#" * int(share * 30)
                self.stream.write(f"\r{self.label:<12} [{bar:<30}] {self.done}/{self.total} {share:6.1%}")
                self.stream.flush()
        else:
            step = int(share * 10)
            if step > self._last_step:
                self._last_step = step
                self.stream.write(f"{self.label}: {self.done}/{self.total} ({share:.0%})\n")
                self.stream.flush()

    def close(self) -> None:
        if self.tty and self.total > 0:
            self.stream.write(f"  {time.monotonic() - self._started:.1f} s\n")
            self.stream.flush()


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise ImportError_(f"no file {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def column(rows: list[dict[str, str]], path: Path, *names: str, required: bool = True) -> str | None:
    """The first of ``names`` that the file has as a column."""
    header = set(rows[0].keys()) if rows else set()
    for name in names:
        if name in header:
            return name
    if required and rows:
        raise ImportError_(
            f"{path.name} has no column {' or '.join(map(repr, names))} (columns: {', '.join(sorted(header))})"
        )
    return None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:42].strip("-")
    return slug if re.match(SLUG_PATTERN, slug) else f"import-{slug}"[:42].strip("-")


@dataclass
class Imported:
    """What an import did, for the report."""

    slug: str
    source: str
    participants: int = 0
    proposals: int = 0
    votes: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "source": self.source,
            "participants": self.participants,
            "proposals": self.proposals,
            "votes": self.votes,
            "skipped": self.skipped,
            "notes": self.notes,
            "check": self.check,
        }


async def new_consultation(
    session: AsyncSession,
    *,
    slug: str,
    title: str,
    intro: str,
    language: str,
    kind: str,
    item_key: str,
    prompt: str,
    texts: list[str],
    citizen_proposals: bool,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> tuple[Consultation, Item]:
    """A closed consultation with one item, its definition validated like any organiser's file."""
    if await by_slug(session, slug) is not None:
        raise ImportError_(f"a consultation {slug!r} already exists: choose another with --slug")
    item: dict[str, Any] = {
        "type": kind,
        "key": item_key,
        "prompt": {language: prompt},
        "proposals": [{language: t} for t in texts],
        "allow_citizen_proposals": citizen_proposals,
    }
    if kind == "proposal":
        item["qualifications"] = False
    if closes_at is not None and opens_at is not None and closes_at <= opens_at:
        closes_at = None
    try:
        definition = ConsultationDef.model_validate(
            {
                "slug": slug,
                "title": {language: title},
                "intro": {language: intro} if intro else {},
                "languages": [language],
                "default_language": language,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "items": [item],
            }
        )
    except ValueError as error:
        raise ImportError_(f"the imported consultation is not valid: {error}") from None
    consultation = Consultation(
        slug=slug,
        status="closed",
        default_language=language,
        languages=[language],
        title={language: title},
        intro=dict(definition.intro),
        time_zone="UTC",
        opens_at=opens_at,
        closes_at=closes_at,
        min_segment_size=definition.min_segment_size,
        definition=definition.model_dump(mode="json", exclude_none=True),
    )
    session.add(consultation)
    await session.flush()
    item_def = definition.items[0]
    config = item_def.model_dump(
        mode="json", exclude={"key", "type", "prompt", "options", "projects", "proposals"}, exclude_none=True
    )
    row = Item(
        consultation_id=consultation.id, position=0, key=item_key, kind=kind, prompt={language: prompt}, config=config
    )
    session.add(row)
    await session.flush()
    return consultation, row


def proposal_row(
    item_id: int,
    text: str,
    language: str,
    *,
    status: str = "accepted",
    author_id: str | None = None,
    created_at: datetime | None = None,
    reject_reason: str | None = None,
) -> Proposal:
    created_at = created_at or utcnow()
    return Proposal(
        item_id=item_id,
        text={language: text},
        status=status,
        normalized=normalize_proposal(text),
        author_id=author_id,
        reject_reason=reject_reason,
        created_at=created_at,
        accepted_at=created_at if status == "accepted" else None,
    )


async def add_participants(
    session: AsyncSession, consultation_id: int, source: str, firsts: dict[str, datetime], language: str | None = None
) -> dict[str, str]:
    """One participant (no contact) and enrolment per external id; returns external id → participant id."""
    ids = {external: new_participant_id() for external in firsts}
    people, enrolments, refs = [], [], []
    for external, pid in ids.items():
        first = firsts[external]
        people.append({"id": pid, "language": language, "created_at": first})
        enrolments.append(
            {
                "participant_id": pid,
                "consultation_id": consultation_id,
                "source": source,
                "consented_at": first,
                "created_at": first,
            }
        )
        refs.append(
            {
                "consultation_id": consultation_id,
                "source": source,
                "kind": "participant",
                "external_id": str(external)[:64],
                "local_id": pid,
            }
        )
    await bulk_insert(session, Participant, people)
    await bulk_insert(session, Enrolment, enrolments)
    await bulk_insert(session, ImportedRef, refs)
    return ids


def _defaults(model: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain defaults, default factories) of a table model, so bulk rows get every column."""
    plain, factories = {}, {}
    for name, info in model.model_fields.items():
        if name not in model.__table__.c:
            continue
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif info.default is not PydanticUndefined and info.default is not None:
            plain[name] = info.default  # (None is what an omitted column gets anyway; ids stay automatic)
    return plain, factories


async def bulk_insert(
    session: AsyncSession, table: Any, rows: Iterable[dict[str, Any]], progress: Progress | None = None
) -> int:
    """Insert many rows in chunks, filling the model's defaults (columns other features may add)."""
    plain, factories = _defaults(table)
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        full = {**plain, **row}
        for name, factory in factories.items():
            if name not in row:
                full[name] = factory()
        batch.append(full)
        if len(batch) >= CHUNK:
            await session.execute(insert(table.__table__), batch)
            count += len(batch)
            if progress:
                progress.update(len(batch))
            batch = []
    if batch:
        await session.execute(insert(table.__table__), batch)
        count += len(batch)
        if progress:
            progress.update(len(batch))
    return count


def _report(result: Imported, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(
            f"imported {result.source} into consultation {result.slug!r} (closed): {result.participants} "
            f"participants, {result.proposals} proposals, {result.votes} votes"
        )
        for reason, n in result.skipped.items():
            print(f"  skipped {n} {reason}")
        for note in result.notes:
            print(f"  note: {note}")
        if result.check:
            print(f"  check: {result.check.get('summary')}")
    return 0 if not result.check or result.check.get("ok", True) else 2


def cmd_import(args: argparse.Namespace) -> int:
    try:
        if args.source == "aoi":
            from viche.importers.aoi import import_aoi

            result = run_with_database(
                lambda db: import_aoi(
                    db,
                    Path(args.votes),
                    Path(args.ideas),
                    slug=args.slug,
                    title=args.title,
                    language=args.language,
                    non_votes=Path(args.non_votes) if args.non_votes else None,
                )
            )
        elif args.source == "pabulib":
            from viche.importers.pabulib import import_pabulib

            result = run_with_database(
                lambda db: import_pabulib(db, Path(args.file), slug=args.slug, title=args.title, language=args.language)
            )
        else:
            from viche.importers.polis import import_polis

            result = run_with_database(
                lambda db: import_polis(db, Path(args.folder), slug=args.slug, title=args.title, language=args.language)
            )
    except ImportError_ as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return _report(result, args.json)


def register(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser(
        "import", help="load a finished All Our Ideas or Polis export, or a Pabulib election, as a new consultation"
    )
    sources = command.add_subparsers(dest="source", required=True)
    aoi = sources.add_parser("aoi", help="All Our Ideas: the votes and ideas CSV exports of one wiki survey")
    aoi.add_argument("votes", help="the votes export (Vote ID, Session ID, Winner ID, Loser ID, …)")
    aoi.add_argument("ideas", help="the ideas export (Idea ID, Idea Text, Wins, Losses, Score, …)")
    aoi.add_argument("--non-votes", help='the non_votes export, to bring in "can\'t decide" answers too')
    polis = sources.add_parser("polis", help="Polis: an open-data folder (comments.csv, votes.csv, summary.csv)")
    polis.add_argument("folder")
    pabulib = sources.add_parser("pabulib", help="Pabulib: a participatory-budgeting election (.pb file)")
    pabulib.add_argument("file")
    for parser in (aoi, polis, pabulib):
        parser.add_argument("--slug", help="slug of the new consultation (default: from the file or folder name)")
        parser.add_argument("--title", help="title (default: from the export)")
        parser.add_argument("--language", default="en", help="language of the texts (default: en)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
    command.set_defaults(func=cmd_import)
