"""The conversation logic stays free of the Telegram framework, so it can be tested and reused alone."""
from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parent.parent / "bot" / "flows"


def test_flows_never_import_aiogram():
    offenders = []
    for path in FLOWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "aiogram"]
    assert offenders == []
    assert list(FLOWS.rglob("*.py")), "the flows package is where the conversation logic lives"


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
            bare += [f"{router.name}.{name}" for f in filters
                     if isinstance(f.callback, MagicFilter) or f.magic is not None]
    assert bare == []
