"""``viche jury``: load a consultation's pool of volunteers from CSV, and draw its panel."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.jury.pool import PoolFileError, read_pool_csv
from api.jury.store import draw_panel, import_pool, jury_of
from api.scoring.sortition import InfeasibleQuotas, QuotasError, parse_quotas
from api.scoring.sortition.draw import PoolError
from storage.consultations import by_slug
from viche.database import run_with_database


def cmd_import_pool(args: argparse.Namespace) -> int:
    try:
        rows = read_pool_csv(Path(args.file).read_text(encoding="utf-8"))
    except PoolFileError as error:
        for problem in error.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print("nothing was loaded", file=sys.stderr)
        return 1

    async def load(db):
        async with db.session() as session:
            consultation = await by_slug(session, args.slug)
            return None if consultation is None else await import_pool(session, consultation, rows)

    done = run_with_database(load)
    if done is None:
        print(f"no consultation {args.slug!r}", file=sys.stderr)
        return 1
    print(f"{done['loaded']} volunteers loaded into the pool of {args.slug} ({done['replaced']} replaced)")
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    try:
        quotas = parse_quotas(Path(args.quotas).read_text(encoding="utf-8"))
    except QuotasError as error:
        print(f"{args.quotas}: {error}", file=sys.stderr)
        return 1

    async def run(db):
        async with db.session() as session:
            consultation = await by_slug(session, args.slug)
            if consultation is None:
                return f"no consultation {args.slug!r}"
            jury = await jury_of(session, consultation)
            if jury is None:
                return f"{args.slug} has no pool of volunteers (viche jury import-pool)"
            return await draw_panel(session, jury, quotas, args.seed)

    try:
        outcome = run_with_database(run)
    except InfeasibleQuotas as error:
        print(f"infeasible quotas: {error.reason}", file=sys.stderr)
        for change in error.relaxations:
            print(f"  {change.category}: {change.value} {change.bound} {change.old} -> {change.new}", file=sys.stderr)
        return 3
    except PoolError as error:
        print(f"the pool does not fit the quotas: {error}", file=sys.stderr)
        return 1
    if isinstance(outcome, str):
        print(outcome, file=sys.stderr)
        return 1
    selected = [outcome.reference(key) for key in outcome.draw.selected]
    if args.json:
        probabilities = {outcome.reference(key): p for key, p in outcome.draw.probabilities.items()}
        print(json.dumps({"selected": selected, "probabilities": probabilities, "algorithm": outcome.draw.algorithm}))
        return 0
    print(f"panel of {len(selected)} drawn with seed {args.seed} by {outcome.draw.note}:")
    for reference in selected:
        print(f"  {reference}")
    print("audit (no names):")
    print(json.dumps(outcome.audit.as_json(), indent=2, ensure_ascii=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    jury = sub.add_parser("jury", help="citizens' juries: pools of volunteers and draws by stratified lottery")
    actions = jury.add_subparsers(dest="jury_action", required=True)
    pool = actions.add_parser("import-pool", help="load volunteers from CSV (a header with 'id' and the categories)")
    pool.add_argument("slug")
    pool.add_argument("file", metavar="FILE.csv")
    pool.set_defaults(func=cmd_import_pool)
    panel = actions.add_parser("draw", help="draw the panel (leximin over volunteer types) and print its audit")
    panel.add_argument("slug")
    panel.add_argument("--quotas", required=True, metavar="FILE.yaml", help="size: N and categories: {...}")
    panel.add_argument("--seed", required=True, type=int, help="the same seed gives the same panel")
    panel.add_argument("--json", action="store_true", help='print {"selected", "probabilities", "algorithm"}')
    panel.set_defaults(func=cmd_draw)
