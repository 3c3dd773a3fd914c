"""The crash journal: the ids of deliveries whose Bot API call has started, kept in a local file.

It is what lets a restarted engine tell a "sending" row that never left the process (queued again) from one that
may have reached Telegram (marked "uncertain", never sent twice): see Crash safety in :mod:`bot.delivery.engine`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def default_journal(database_url: str) -> str:
    """One journal per database, in the temporary directory (lost at reboot: then "sending" rows are uncertain)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"viche-broadcast-{digest}.journal")


class Journal:
    """The ids of rows whose Bot API call has started, appended just before the calls start.

    ``os.write`` hands the lines to the kernel at once, so they survive the process being killed (SIGKILL), and
    costs a few microseconds. At start, a row found "sending" but absent from the journal never left the process
    and is queued again; one present may have reached Telegram and becomes "uncertain". Without a journal (none
    configured, a new machine, a reboot) every "sending" row is uncertain.
    """

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._fd: int | None = None

    def read(self) -> set[int] | None:
        if self.path is None or not self.path.exists():
            return None
        try:
            return {int(line) for line in self.path.read_text().split() if line.isdigit()}
        except OSError:
            return None

    def reset(self) -> None:
        if self.path is None:
            return
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)

    def started(self, *delivery_ids: int) -> None:
        if self._fd is not None and delivery_ids:
            os.write(self._fd, b"".join(b"%d\n" % delivery_id for delivery_id in delivery_ids))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
