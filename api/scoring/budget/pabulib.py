"""Read a Pabulib ``.pb`` file (pabulib.org/format) into plain data.

A ``.pb`` file has three sections, each introduced by a line holding only its
name (``META``, ``PROJECTS``, ``VOTES``) and followed by a header row; every
row is ``;``-separated, and a field may be quoted with ``"`` (a quoted field
may hold ``;`` and doubled quotes).  The csv module reads exactly that
dialect, so each section is read row by row with it: nothing is guessed.

What comes out keeps every column as the text the file holds (``meta``,
``projects`` and ``votes`` are ordered as in the file) so that nothing is
lost on the way to an importer; :func:`to_election` turns it into what the
counting rules need (costs, budget and ballots as integers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .election import Election, Project

SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """The file is not a readable Pabulib file; the message says where and why."""


@dataclass(frozen=True)
class PabulibFile:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]
    """project_id → its row (every column, ``project_id`` included), in file order."""
    votes: dict[str, dict[str, str]]
    """voter_id → its row (every column, ``voter_id`` included), in file order."""

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval").strip().lower()

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "").strip()

    def selected(self) -> set[str] | None:
        """The projects the city's rule funded (``selected`` is 1), None when the file has no such column.

        Pabulib marks with 2 a project funded outside the rule (from other
        money: Gdynia 2020 funded one that no longer fitted); a count with the
        file's rule does not fund it, so it is not in this set.
        """
        rows = list(self.projects.values())
        if not rows or "selected" not in rows[0]:
            return None
        return {pid for pid, row in self.projects.items() if row["selected"].strip() == "1"}


def read(path: str | Path) -> PabulibFile:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse(handle)


def parses(text: str) -> PabulibFile:
    return parse(io.StringIO(text))


def parse(lines: Iterable[str]) -> PabulibFile:
    sections: dict[str, list[dict[str, str]]] = {}
    section: str | None = None
    header: list[str] | None = None
    for number, row in enumerate(csv.reader(lines, delimiter=";", quotechar='"'), start=1):
        if not row or all(not field.strip() for field in row):
            continue
        first = row[0].strip().lower()
        if first in SECTIONS and all(not field.strip() for field in row[1:]):
            if first in sections:
                raise PabulibError(f"line {number}: section {first.upper()} appears twice")
            section, header = first, None
            sections[section] = []
            continue
        if section is None:
            raise PabulibError(f"line {number}: data before the META section")
        if header is None:
            header = [field.strip() for field in row]
            continue
        if len(row) != len(header):
            raise PabulibError(f"line {number}: {len(row)} fields where the {section.upper()} header has {len(header)}")
        sections[section].append({key: value.strip() for key, value in zip(header, row, strict=True)})
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(f"no {name.upper()} section")
    meta = {row["key"]: row["value"] for row in sections["meta"]}
    projects = _keyed(sections["projects"], "project_id")
    votes = _keyed(sections["votes"], "voter_id")
    return PabulibFile(meta=meta, projects=projects, votes=votes)


def _keyed(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    keyed: dict[str, dict[str, str]] = {}
    for row in rows:
        if key not in row:
            raise PabulibError(f"a row lacks its {key}")
        if row[key] in keyed:
            raise PabulibError(f"{key} {row[key]} appears twice")
        keyed[row[key]] = row
    return keyed


def _number(text: str, what: str) -> int:
    """Costs, budgets and points are whole currency units / points; a ``.0`` written by a spreadsheet is accepted."""
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    try:
        return int(value)
    except ValueError:
        raise PabulibError(f"{what} is not a whole number: {text!r}") from None


def ballots(pb: PabulibFile) -> list[dict[str, int]]:
    """Each voter's points per project, the way the file's ``vote_type`` gives them.

    approval: 1 per approved project.  cumulative / scoring: the ``points``
    column, one number per listed project.  ordinal: the ranking as listed,
    first = most preferred, scored as Pabulib's ``score`` column for ordinal
    elections is (a project at position i of a ballot of length up to
    ``max_length`` gets ``max_length - i`` points, i from 0).
    """
    kind = pb.vote_type
    max_length = None
    if kind == "ordinal":
        max_length = _number(pb.meta.get("max_length", "0"), "max_length") or max(
            (len(_ids(row["vote"])) for row in pb.votes.values()), default=0
        )
    result = []
    for voter, row in pb.votes.items():
        listed = _ids(row.get("vote", ""))
        unknown = [pid for pid in listed if pid not in pb.projects]
        if unknown:
            raise PabulibError(f"voter {voter} votes for unknown projects {unknown}")
        if len(set(listed)) != len(listed):
            raise PabulibError(f"voter {voter} lists a project twice")
        if kind == "approval":
            result.append(dict.fromkeys(listed, 1))
        elif kind in ("cumulative", "scoring"):
            points = [_number(p, f"voter {voter}'s points") for p in _ids(row.get("points", ""))]
            if len(points) != len(listed):
                raise PabulibError(f"voter {voter}: {len(listed)} projects but {len(points)} points")
            result.append({pid: p for pid, p in zip(listed, points, strict=True) if p > 0})
        elif kind == "ordinal":
            assert max_length is not None
            result.append({pid: max_length - i for i, pid in enumerate(listed)})
        else:
            raise PabulibError(f"unknown vote_type {kind!r}")
    return result


def _ids(field: str) -> list[str]:
    return [part.strip() for part in field.split(",") if part.strip()]


def to_election(pb: PabulibFile) -> Election:
    projects = tuple(Project(pid, _number(row["cost"], f"project {pid}'s cost")) for pid, row in pb.projects.items())
    return Election(
        budget=_number(pb.meta["budget"], "budget"),
        projects=projects,
        ballots=tuple(ballots(pb)),
    )
