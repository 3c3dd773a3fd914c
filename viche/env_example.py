"""``viche env-example``: the ``.env.example`` of the repository, written from the settings themselves
(core/settings.py), so that it lists every setting with its meaning and default. Every line is commented out:
copied to ``.env`` as it is, it changes nothing; uncomment what you set. tests/observe/test_deployment.py fails when the
committed file and this output differ."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_core import PydanticUndefined

from core.settings import Settings

HEADER = """\
# viche's configuration: copy to .env (never commit .env) and uncomment what you set.
# Written by `viche env-example > .env.example` from core/settings.py: edit the settings, not this file.
# With compose.yaml, .env also feeds the compose file (POSTGRES_PASSWORD, VICHE_DOMAIN, VICHE_BOT_REPLICAS).
"""

COMPOSE = """\
# compose.yaml only: the database password, the public name the proxy serves (and gets a certificate for),
# and how many bot replicas run (any number: they share the database's update claims).
# POSTGRES_PASSWORD=
# VICHE_DOMAIN=bot.example.org
# VICHE_BOT_REPLICAS=2
"""


def _default(field_name: str) -> str:
    field = Settings.model_fields[field_name]
    if field.default_factory is not None:
        made = field.default_factory()  # type: ignore[call-arg]
        return "" if isinstance(made, str) else ",".join(str(v) for v in made)  # a random secret is never written
    if field.default is PydanticUndefined or field.default is None:
        return ""
    if isinstance(field.default, bool):
        return str(field.default).lower()
    return str(field.default)


def render() -> str:
    prefix = Settings.model_config.get("env_prefix", "")
    blocks = [HEADER]
    for name, field in Settings.model_fields.items():
        description = field.description or ""
        blocks.append(f"# {description}\n# {prefix.upper()}{name.upper()}={_default(name)}\n")
    blocks.append(COMPOSE)
    return "\n".join(blocks)


def cmd_env_example(args) -> int:
    text = render()
    if args.check:
        path = Path(args.check)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is not what `viche env-example` writes: run `viche env-example > {path}`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


def register(sub) -> None:
    parser = sub.add_parser("env-example", help="print a .env.example listing every VICHE_* setting")
    parser.add_argument("--check", metavar="FILE", help="fail when FILE differs from what would be printed")
    parser.set_defaults(func=cmd_env_example)
