"""The sandbox's chats survive a restart of `viche run`.

The fake Bot API keeps its chats in memory, while the bot's side (the participant, their answers, an organiser
grant) is in the database: after a restart the page showed an empty chat to someone the bot still knew. Its
state — users, chats with their messages and keyboards, the files the bot sent (QR codes, charts), the update
numbering — is written to a small JSON file beside the database, at most every ``SAVE_INTERVAL`` seconds while
something changes and once more at shutdown, and read back at start. Only the sandbox has such a file: with a
bot token there is no fake.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from sandbox.chats import Chat, StoredMessage
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.files import StoredFile

log = logging.getLogger(__name__)

FORMAT = 1
SAVE_INTERVAL = 1.0


def state_path(database_url: str | None) -> Path:
    """``viche.db`` → ``viche.db.sandbox.json``; without a SQLite file (PostgreSQL, or the API elsewhere), a file
    in the working directory."""
    if database_url:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(f"{url.database}.sandbox.json")
    return Path("viche-sandbox.json")


def snapshot(fake: FakeBotAPI) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "bot_id": fake.bot_user["id"],
        "users": list(fake.users.values()),
        "chats_version": fake.chats.version,
        "chats": [dataclasses.asdict(chat) for chat in fake.chats.all()],
        "files": [{**dataclasses.asdict(stored), "content": _b64(stored.content)} for stored in fake.files.all()],
        "files_counter": fake.files.counter,
        "next_update_id": fake.updates.next_id,
    }


def restore(fake: FakeBotAPI, state: dict[str, Any]) -> None:
    if state.get("format") != FORMAT or state.get("bot_id") != fake.bot_user["id"]:
        raise ValueError("not a sandbox state of this format and bot")
    fake.users.update({user["id"]: user for user in state["users"]})
    chats = []
    for data in state["chats"]:
        messages = {int(key): StoredMessage(**stored) for key, stored in data.pop("messages").items()}
        chats.append(Chat(**data, messages=messages))
    fake.chats.restore(chats, state["chats_version"])
    fake.files.restore(
        [StoredFile(**{**data, "content": _unb64(data["content"])}) for data in state["files"]], state["files_counter"]
    )
    fake.updates.next_id = max(fake.updates.next_id, state["next_update_id"])


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")


def _unb64(content: str | None) -> bytes | None:
    return None if content is None else base64.b64decode(content)


class SavedSandbox:
    """Reads the state at start, writes it while the sandbox runs and at the end."""

    def __init__(self, fake: FakeBotAPI, path: Path) -> None:
        self.fake = fake
        self.path = path
        self._saved: tuple[int, int, int] | None = None
        self._task: asyncio.Task | None = None

    def load(self) -> bool:
        """Restore the saved chats, if any. A file that cannot be read is set aside, never fatal."""
        if not self.path.exists():
            return False
        try:
            restore(self.fake, json.loads(self.path.read_text("utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as error:
            aside = self.path.with_name(self.path.name + ".unreadable")
            log.warning(
                "sandbox chats in %s could not be read (%s); moved to %s, starting empty", self.path, error, aside
            )
            self.path.replace(aside)
            return False
        self._saved = self._mark()
        return True

    def save(self) -> None:
        mark = self._mark()
        if mark == self._saved:
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(snapshot(self.fake), ensure_ascii=False), "utf-8")
        os.replace(temporary, self.path)  # whole or not at all, even if the process dies meanwhile
        self._saved = mark

    def _mark(self) -> tuple[int, int, int]:
        return self.fake.chats.version, self.fake.files.counter, len(self.fake.users)

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep(), name="sandbox-state")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(SAVE_INTERVAL)
            try:
                self.save()
            except OSError as error:  # a full disk must not stop the sandbox
                log.warning("could not save the sandbox chats to %s: %s", self.path, error)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            self.save()
        except OSError as error:
            log.warning("could not save the sandbox chats to %s: %s", self.path, error)
