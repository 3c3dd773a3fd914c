"""``viche report <slug> [--language L] [--format md|html|pdf] [-o FILE]``: the recommendations report
(:mod:`api.report`), as the organiser route ``GET /organiser/consultations/{slug}/report`` answers it.

Without ``-o`` it is written to ``<slug>-report-<language>.<format>`` in the current folder. The results are
computed afresh (a cache of its own, empty); the opinion groups are the ones last stored by the API's background
refresher, or computed now when votes came since and no refresher has run (an imported conversation, say).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.disclosure import BelowThreshold
from api.errors import ApiError
from api.opinion_groups import recompute, stale
from api.pdf import PdfUnavailable
from api.report.render import FORMATS, written
from api.report.sources import report_locale
from api.results import ResultsCache
from storage.consultations import by_slug
from storage.db import Database
from viche.database import run_with_database


class ReportError(ValueError):
    """Told to the user as it is."""


async def make_report(db: Database, slug: str, language: str | None, format_: str) -> tuple[str, bytes]:
    """(the locale the report is in, its bytes)."""
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        if consultation is None:
            raise ReportError(f"no consultation {slug!r}")
        consultation_id = int(consultation.id or 0)
        outdated = consultation_id in await stale(session)
    if outdated:  # no API has refreshed its groups since its last votes (an imported conversation, say)
        await recompute(db, consultation_id)
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        assert consultation is not None
        try:
            locale = report_locale(consultation, language)
            return locale, await written(session, consultation, ResultsCache(), locale, format_)
        except BelowThreshold as error:
            raise ReportError(str(error)) from None
        except (ApiError, PdfUnavailable) as error:
            raise ReportError(str(error)) from None


def cmd_report(args: argparse.Namespace) -> int:
    try:
        locale, body = run_with_database(lambda db: make_report(db, args.slug, args.language, args.format))
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    path = Path(args.output or f"{args.slug}-report-{locale}.{args.format}")
    path.write_bytes(body)
    print(f"report written: {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser("report", help="the recommendations report of a consultation (Markdown, HTML or PDF)")
    command.add_argument("slug")
    command.add_argument("--language", help="any of viche's languages (default: the consultation's)")
    command.add_argument("--format", choices=sorted(FORMATS), default="html")
    command.add_argument("-o", "--output", help="file to write (default: <slug>-report-<language>.<format>)")
    command.set_defaults(func=cmd_report)
