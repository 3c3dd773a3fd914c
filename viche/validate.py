"""``viche validate`` and ``viche schema``: the command line of the definition checker (core/definition/).

Used by ``viche validate``; the organiser API (``POST /organiser/consultations``) and so the bot's ``/new`` call the
same checker (``core.definition.check``): all three report the same problems in the same words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.definition.check import check_file, json_schema_text

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "consultation.schema.json"


# ---- the command line -------------------------------------------------------------------------------


def cmd_validate(args: Any) -> int:
    """``viche validate FILE…``: every problem as ``file:line: path: message``; exit 1 if any."""
    failed = False
    for name in args.files:
        path = Path(name)
        report = check_file(path)
        for warning in report.warnings:
            print(f"{warning.text(name)} (warning)")
        for problem in report.problems:
            print(problem.text(name))
        if report.ok:
            definition = report.definition
            print(
                f"{name}: OK — {definition.slug!r}, {len(definition.items)} items, "
                f"languages {', '.join(definition.languages)}"
                + (f", {len(report.warnings)} warnings" if report.warnings else "")
            )
        else:
            failed = True
            count = len(report.problems)
            print(f"{name}: {count} problem{'s' if count != 1 else ''}")
    return 1 if failed else 0


def cmd_schema(args: Any) -> int:
    """``viche schema``: print the JSON Schema; ``-o FILE`` writes it; ``--check`` compares with FILE."""
    text = json_schema_text()
    target = Path(args.output) if args.output else None
    if args.check:
        target = target or SCHEMA_FILE
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `viche schema -o {target}`")
            return 1
        print(f"{target} is up to date")
        return 0
    if target is None:
        print(text, end="")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


def add_commands(sub: Any) -> None:
    """Register ``validate`` and ``schema`` on the ``viche`` command's subparsers."""
    validate = sub.add_parser("validate", help="check consultation definition files (YAML or JSON)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_validate)
    schema = sub.add_parser("schema", help="print or write the JSON Schema of definition files")
    schema.add_argument("-o", "--output", help=f"write it to this file (the repository's: {SCHEMA_FILE.name})")
    schema.add_argument("--check", action="store_true", help="exit 1 if the file differs from the models")
    schema.set_defaults(func=cmd_schema)
