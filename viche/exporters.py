"""``viche export pabulib SLUG [-o FILE]``: a consultation's budget item as a Pabulib ``.pb`` file.

The same file as the partner route ``/v1/consultations/{slug}/export/pabulib.pb`` (api/partner/pabulib_export.py),
under the same disclosure rule: a consultation with fewer participants than its ``min_segment_size`` is refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.disclosure import BelowThreshold, check_release
from api.errors import ApiError
from api.partner.pabulib_export import pabulib_text
from storage.consultations import by_slug
from storage.db import Database
from viche.database import run_with_database


class ExportError(ValueError):
    """Told to the user as it is."""


async def export_pabulib(db: Database, slug: str, item: str | None = None) -> str:
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        if consultation is None:
            raise ExportError(f"no consultation {slug!r}")
        try:
            await check_release(session, consultation)
            return await pabulib_text(session, consultation, item)
        except BelowThreshold as error:
            raise ExportError(str(error)) from None
        except ApiError as error:
            raise ExportError(error.message) from None


def cmd_export(args: argparse.Namespace) -> int:
    try:
        text = run_with_database(lambda db: export_pabulib(db, args.slug, args.item))
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser("export", help="write a consultation in another tool's format")
    formats = command.add_subparsers(dest="format", required=True)
    pabulib = formats.add_parser("pabulib", help="the budget item as a Pabulib .pb file")
    pabulib.add_argument("slug")
    pabulib.add_argument("--item", help="key of the budget item (default: the first)")
    pabulib.add_argument("-o", "--output", help="file to write (default: standard output)")
    command.set_defaults(func=cmd_export)
