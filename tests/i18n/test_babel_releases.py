"""`viche i18n check` passes whichever recent Babel release is installed.

Babel 2.19 rewrote its gettext plural table (same forms for uk, pl and cs, written differently; a third form
for French), and a check that compared the rules as text turned every fresh clone red. The check now compares
what the rules compute; this test runs it under each release. The releases are exact versions, installed
without dependencies into a folder of the test's own (pip, from the package index)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from viche.i18n_check import ROOT

RELEASES = ("2.17.0", "2.18.0", "2.19.0")


@pytest.mark.parametrize("release", RELEASES)
def test_the_check_passes_under_babel(release: str, tmp_path: Path) -> None:
    target = tmp_path / "babel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--target",
            str(target),
            f"babel=={release}",
        ],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    script = (
        "import babel, sys\n"
        "from viche.cli import main\n"
        "print('babel', babel.__version__)\n"
        "sys.exit(main(['i18n', 'check']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert f"babel {release}" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert "i18n check passed" in done.stdout
