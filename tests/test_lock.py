"""The install is reproducible: every package of pyproject.toml (test extra included) and everything they pull
in is pinned in the committed lock, and the environment running the tests holds exactly those versions.

A dependency added to pyproject.toml without `make lock` fails here instead of installing whatever the package
index serves that day."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from viche.i18n_check import ROOT

LOCK = ROOT / "constraints.txt"


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[_canonical(name)] = version.strip()
    return pins


def test_every_dependency_is_pinned_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    pins = _lock()
    missing = sorted({_name(r) for r in wanted if _canonical(_name(r)) not in pins})
    assert not missing, f"run `make lock`: {missing} not in constraints.txt"


def test_the_environment_holds_the_locked_versions():
    pins = _lock()
    drift = []
    for dist in metadata.distributions():
        name = _canonical(dist.metadata["Name"])
        if name == "viche":
            continue
        if name not in pins:
            drift.append(f"{name} {dist.version} is installed but not in the lock")
        elif pins[name] != dist.version:
            drift.append(f"{name} {dist.version} is installed, the lock says {pins[name]}")
    assert not drift, "\n".join(drift)
