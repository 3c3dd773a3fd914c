"""Importing every table module registers it on SQLModel.metadata (for Alembic and the tests).

Table modules are ``storage/models.py`` and any ``storage/models_*.py`` a feature adds.
"""

from __future__ import annotations

import importlib
import pkgutil

import storage


def load_all() -> None:
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name == "models" or module.name.startswith("models_"):
            importlib.import_module(f"storage.{module.name}")
