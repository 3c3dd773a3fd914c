"""The real Polis conversations live beside the repo, in ../shared/data/polis (CC BY 4.0, The Computational
Democracy Project; see its README). Their participants-votes.csv carries the group Polis gave each participant
(``group-id``), which is what viche's opinion groups are checked against. A working copy elsewhere points at the
folder with VICHE_POLIS_DATA."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from api.scoring.opinion_groups import matching
from tests.conftest import repo_root

POLIS = Path(os.environ.get("VICHE_POLIS_DATA") or repo_root().parent / "shared" / "data" / "polis")
CONVERSATIONS = ["15-per-hour-seattle", "scoop-hivemind.biodiversity"]


def polis_folder(name: str) -> Path:
    folder = POLIS / name
    if not (folder / "participants-votes.csv").is_file():
        pytest.skip(
            f"the Polis open data is not here ({folder}): it lives in ../shared/data/polis next to the repo "
            "(or set VICHE_POLIS_DATA to its folder)"
        )
    return folder


@dataclass(frozen=True)
class Conversation:
    votes: list[tuple[str, str, int]]  # (participant, comment id, +1 / -1 / 0)
    statements: list[str]  # comment ids, in comments.csv's order
    moderated_out: set[str]
    polis_groups: dict[str, int]  # participant → Polis's group-id, for those Polis clustered


def read_conversation(folder: Path) -> Conversation:
    with (folder / "participants-votes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (folder / "comments.csv").open(encoding="utf-8") as handle:
        comments = list(csv.DictReader(handle))
    votes = [(r["participant"], c, int(v)) for r in rows for c, v in r.items() if c.isdigit() and v != ""]
    return Conversation(
        votes,
        [r["comment-id"] for r in comments],
        {r["comment-id"] for r in comments if r["moderated"] == "-1"},
        {r["participant"]: int(r["group-id"]) for r in rows if r["group-id"] != ""},
    )


def agreement_with_polis(ours: dict[str, int], polis: dict[str, int]) -> float:
    """Share of the participants Polis clustered that we put in the matching group (unclustered by us: wrong)."""
    both = [p for p in polis if p in ours]
    pairs = matching(np.array([ours[p] for p in both]), np.array([polis[p] for p in both]))
    return sum(pairs.get(ours[p]) == polis[p] for p in both) / len(polis)
