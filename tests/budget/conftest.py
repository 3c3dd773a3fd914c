"""The real Pabulib elections live beside the repo, in ../shared/data/pabulib (as the Polis data does).

They are not skipped when missing: a PB count that reproduces no city's result proves nothing, and CI has
../shared beside the clone.  A working copy elsewhere points at the folder with VICHE_PABULIB_DATA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import repo_root

PABULIB = Path(os.environ.get("VICHE_PABULIB_DATA") or repo_root().parent / "shared" / "data" / "pabulib")

# Every shared file with a `selected` column, with the rule its META names (test_every_file_with_a_result_is_counted
# fails when a new one appears, so none is left out silently).
WITH_RESULT = {
    "Netherlands_Assen_2024.pb": "equalshares/add1",
    "Poland_Warszawa_2019_Piaski.pb": "greedy",
    "Poland_Gdynia_2020_Babie_Doly__small.pb": "greedy-no-skip",
    "Poland_Lodz_2020_Andrzejow.pb": "greedy-threshold",
    "Poland_Czestochowa_2025_Bleszno.pb": "greedy-threshold",
    "Poland_Krakow_2019_Bienczyce.pb": "greedy",
}


def pabulib_file(name: str) -> Path:
    path = PABULIB / name
    if not path.is_file():
        pytest.fail(
            f"the Pabulib data is not here ({path}): it lives in ../shared/data/pabulib next to the repo "
            "(or set VICHE_PABULIB_DATA to its folder)"
        )
    return path
