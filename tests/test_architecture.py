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
