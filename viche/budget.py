"""``viche budget codes SLUG ITEM FILE``: load the invitation codes of a budget that asks for one.

FILE holds one code a line (blank lines and lines starting with ``#`` are passed over). Codes are stored only
hashed with the server's key (api/eligibility.py), each usable once; loading the same file again adds nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from api import eligibility
from api.errors import ApiError
from core.settings import get_settings
from storage.consultations import by_slug
from storage.models import Item
from viche.database import run_with_database


def read_codes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def cmd_codes(args: argparse.Namespace) -> int:
    codes = read_codes(Path(args.file).read_text(encoding="utf-8"))
    too_long = [number for number, code in enumerate(codes, start=1) if len(code) > eligibility.CODE_MAX]
    if too_long:
        print(f"{args.file}: codes longer than {eligibility.CODE_MAX} characters: {too_long[:10]}", file=sys.stderr)
        return 1

    async def load(db):
        async with db.session() as session:
            consultation = await by_slug(session, args.slug)
            if consultation is None:
                return f"no consultation {args.slug!r}"
            item = await session.scalar(
                select(Item).where(col(Item.consultation_id) == consultation.id, col(Item.key) == args.item)
            )
            if item is None or item.kind != "budget":
                return f"{args.slug} has no budget item {args.item!r}"
            try:
                return await eligibility.add_codes(session, get_settings(), item, codes)
            except ApiError as error:
                return error.message

    outcome = run_with_database(load)
    if isinstance(outcome, str):
        print(outcome, file=sys.stderr)
        return 1
    added, known = outcome
    print(f"{added} invitation codes added to {args.slug} / {args.item} ({known} were there already)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    budget = sub.add_parser("budget", help="participatory budgets: invitation codes")
    actions = budget.add_subparsers(dest="budget_action", required=True)
    codes = actions.add_parser("codes", help="load a budget's invitation codes (one a line; stored hashed)")
    codes.add_argument("slug")
    codes.add_argument("item", help="the budget item's key")
    codes.add_argument("file", metavar="FILE")
    codes.set_defaults(func=cmd_codes)
