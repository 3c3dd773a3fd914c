"""The layers of the code, held by reading every module's imports, and the size of its modules.

From the floor up: ``core`` (configuration, the consultation definition and its checker, the shared vocabulary)
imports nothing of the project; ``storage`` imports only ``core``; ``api`` imports ``core`` and ``storage``; the bot
takes at most the shared names of ``core`` (its vocabulary, the format of the actor assertion it signs, the
process's logging context and metrics, and the translator of the catalogs it shares with the results pages) and
never ``api``, ``storage`` or ``viche``, whose routes it reaches over HTTP; ``bot/flows`` imports no Telegram
framework; the sandbox (a fake Telegram) imports nothing of the app; ``viche`` (the command and runner) sits on top
and wires the others together.

Every import counts, at module level or inside a function (a lazy import is no way around a floor). The one
exception is a block under ``if TYPE_CHECKING:``, which never runs: it gives type hints only.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "bot" / "flows"
PACKAGES = ("core", "storage", "api", "bot", "sandbox", "viche")

# What each package may import of the others: a package and everything below it.
FLOORS: dict[str, tuple[str, ...]] = {
    "core": (),
    "storage": ("core",),
    "api": ("core", "storage"),
    # The bot signs who acts with the format the API checks (core/assertion.py): a shared contract, like the names.
    # Its update metrics and log context live in core's metrics and logs, which import nothing of the project.
    # The translator of the catalogs (core/translations.py) is the results pages' too.
    "bot": ("core.vocabulary", "core.assertion", "core.metrics", "core.logs", "core.translations"),
    "sandbox": (),
    "viche": ("core", "storage", "api", "bot", "sandbox"),
}
# Parts of a package that stand on a lower floor than the package: viche.ptb (python-telegram-bot's front end) is
# the bot's, not the command's, so it takes only what the bot may (and the bot itself), never the API or storage.
SUB_FLOORS: dict[str, tuple[str, ...]] = {
    "viche.ptb": ("bot", *FLOORS["bot"], "viche.ptb"),
}
# Third-party packages a part of the code must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.flows": ("aiogram", "telegram"),  # the conversation logic stays framework-free, to be tested and reused alone
    "bot.adapter": ("aiogram", "telegram"),  # what every framework's front end shares
    "viche.ptb": ("aiogram",),  # python-telegram-bot's front end: the shared core and PTB, nothing of aiogram
}

MAX_LINES = 500
# Modules longer than MAX_LINES, each with the reason it is one piece for now. A module leaving this list
# (split, or back under the limit) must leave it here too.
BIG_MODULES: dict[str, str] = {
    "api/scoring/pair_selection.py": "one algorithm (which pair next) with its long explanation in the docstring",
    "api/partner/export_definitions.py": "every export's rows and columns side by side, so that the AOI and Polis "
    "columns stay comparable with the answers export; one column per line since ruff format",
    "bot/delivery/engine.py": "the delivery state machine (claim, send, record, resume), read in one piece when a "
    "delivery goes wrong; its pacing, journal, transport and composing are already apart",
}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the root, with forward slashes
    line: int
    module: str  # the module imported, absolute: "core.settings", "aiogram.types"
    in_function: bool


def _package_of(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(root: Path, path: Path) -> list[Import]:
    """Every import of one module, resolved to absolute module names (``from core import assertion`` is the module
    ``core.assertion`` when that is a module, else the package ``core``), skipping ``if TYPE_CHECKING:`` blocks."""
    relative = path.relative_to(root)
    module = _package_of(relative)
    package = module if relative.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def is_module(name: str) -> bool:
        base = root.joinpath(*name.split("."))
        return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(relative.as_posix(), node.lineno, alias.name, in_function))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                name = f"{source}.{alias.name}"
                found.append(Import(relative.as_posix(), node.lineno, name if is_module(name) else source, in_function))
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def layering_violations(root: Path = ROOT) -> list[str]:
    """``path:line: imports X (…)`` for every import that breaks a floor or a forbidden framework."""
    problems = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            own = _package_of(path.relative_to(root))
            for found in imports_of(root, path):
                top = found.module.split(".")[0]
                where = f"{found.path}:{found.line}: imports {found.module}"
                how = " inside a function" if found.in_function else ""
                if top in PACKAGES and top != package and not _within(found.module, FLOORS[package]):
                    allowed = ", ".join(FLOORS[package]) or "nothing of the project"
                    problems.append(f"{where}{how} ({package}/ may import {allowed})")
                for part, floor in SUB_FLOORS.items():
                    if _within(own, (part,)) and top in PACKAGES and not _within(found.module, floor):
                        problems.append(f"{where}{how} ({part.replace('.', '/')}/ may import {', '.join(floor)})")
                for part, frameworks in FORBIDDEN.items():
                    if _within(own, (part,)) and _within(found.module, frameworks):
                        problems.append(f"{where}{how} ({part.replace('.', '/')}/ must not import {top})")
    return problems


def size_violations(root: Path = ROOT, allowed: dict[str, str] = BIG_MODULES) -> list[str]:
    """Modules over ``MAX_LINES`` lines not in ``allowed``, and entries of ``allowed`` no longer over it."""
    problems, big = [], set()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            name = path.relative_to(root).as_posix()
            if lines > MAX_LINES:
                big.add(name)
                if name not in allowed:
                    problems.append(f"{name}: {lines} lines (over {MAX_LINES}: split it, or say why in BIG_MODULES)")
    problems += [
        f"{name}: no longer over {MAX_LINES} lines: remove it from BIG_MODULES" for name in sorted(set(allowed) - big)
    ]
    return problems


def test_every_package_stays_on_its_floor():
    assert layering_violations() == []
    assert all((ROOT / package / "__init__.py").is_file() for package in PACKAGES)


def test_no_module_grows_past_the_limit_unexplained():
    assert size_violations() == []


def test_flows_never_import_aiogram():
    assert list(FLOWS.rglob("*.py")), "the flows package is where the conversation logic lives"
    assert [problem for problem in layering_violations() if "aiogram" in problem] == []


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_checker_catches_an_upward_import(copy_of_the_code: Path):
    root = copy_of_the_code
    assert layering_violations(root) == []
    _append(root / "core" / "vocabulary.py", "\n\ndef _results():\n    from api import results\n\n    return results\n")
    _append(root / "storage" / "db.py", "\nfrom bot.flows import buttons  # noqa: E402\n")
    (root / "bot" / "flows" / "upward.py").write_text(
        "from typing import TYPE_CHECKING\n\nfrom core.settings import Settings\nfrom .. import backend\n"
        "from aiogram import Bot\n\nif TYPE_CHECKING:\n    from api.app import create_app\n",
        encoding="utf-8",
    )
    (root / "sandbox" / "upward.py").write_text("from core import assertion\n", encoding="utf-8")
    problems = layering_violations(root)
    lines = {problem.split(": imports")[0] for problem in problems}
    assert any(p.startswith("core/vocabulary.py:") and "imports api.results inside a function" in p for p in problems)
    assert any(
        p.startswith("storage/db.py:") and "imports bot.flows.buttons (storage/ may import core)" in p for p in problems
    )
    assert "bot/flows/upward.py:3" in lines  # core.settings is not the vocabulary
    assert "bot/flows/upward.py:5" in lines  # a Telegram framework in the flows
    assert "bot/flows/upward.py:8" not in lines  # for type hints only
    assert "bot/flows/upward.py:4" not in lines  # bot.backend is the bot's own (a relative import, resolved)
    assert "sandbox/upward.py:1" in lines
    assert len(problems) == 5, problems


def test_python_telegram_bot_s_front_end_never_loads_aiogram():
    """viche.ptb imports only modules of the bot that are framework-free, and none of them pulls aiogram in (a
    host bot installs viche[ptb] and must not need aiogram's import time or memory)."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, viche.ptb; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'telegram'" in loaded and "'aiogram'" not in loaded and "'api'" not in loaded, loaded


def test_the_checker_holds_python_telegram_bot_s_floor(copy_of_the_code: Path):
    root = copy_of_the_code
    (root / "viche" / "ptb" / "upward.py").write_text(
        "from aiogram import Bot\nfrom storage import db\nfrom bot.adapter import render\nimport telegram\n",
        encoding="utf-8",
    )
    (root / "bot" / "adapter" / "upward.py").write_text("import telegram\n", encoding="utf-8")
    lines = {problem.split(": imports")[0] for problem in layering_violations(root)}
    assert lines == {"viche/ptb/upward.py:1", "viche/ptb/upward.py:2", "bot/adapter/upward.py:1"}


def test_the_checker_catches_a_module_over_the_limit(copy_of_the_code: Path):
    root = copy_of_the_code
    assert size_violations(root) == []
    (root / "api" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert size_violations(root) == [
        f"api/long.py: {MAX_LINES + 1} lines (over {MAX_LINES}: split it, or say why in BIG_MODULES)"
    ]


def test_the_organiser_button_codes_name_the_shared_vocabulary():
    # The letters are the buttons' codec (old buttons in chats must keep working); the names are core's.
    from bot.flows.organiser.buttons import REASON_CODES, STATUS_CODES
    from core.vocabulary import REJECT_REASONS, STATUS_ACTIONS, TRANSITIONS

    assert sorted(REASON_CODES.values()) == sorted(REJECT_REASONS)
    assert sorted(STATUS_CODES.values()) == sorted(STATUS_ACTIONS)
    assert tuple(TRANSITIONS) == STATUS_ACTIONS  # the Literal's names are exactly the transitions' actions


def test_no_router_filter_is_a_bare_magic_filter():
    # aiogram runs a bare ``F`` expression in a worker thread, once per update and handler (bot/handlers/filters.py);
    # every router's filters are wrapped in ``Is(F…)`` so that they stay on the event loop.
    from magic_filter import MagicFilter

    from bot.backend import Backend
    from bot.dispatcher import build_dispatcher

    dispatcher = build_dispatcher(Backend(None), default_language="en")
    routers, bare = [dispatcher], []
    while routers:
        router = routers.pop()
        routers.extend(router.sub_routers)
        for name, observer in router.observers.items():
            filters = list(observer._handler.filters or [])  # the router-wide ones
            filters += [f for handler in observer.handlers for f in handler.filters or []]
            bare += [
                f"{router.name}.{name}" for f in filters if isinstance(f.callback, MagicFilter) or f.magic is not None
            ]
    assert bare == []
