"""Privacy rights in the conversation: /mydata sends everything stored about the participant as a JSON file;
/forget, after a confirmation, deletes their contact data and identity (their answers stay, anonymous)."""

from __future__ import annotations

import json
from typing import Any

from bot.backend import Backend
from bot.flows import callbacks
from bot.flows.buttons import ForgetCancel, ForgetConfirm
from bot.flows.known import CHANNEL, KnownParticipants
from bot.flows.language import reader_translator
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen
from bot.i18n import Translator

EXPORT_FILE = "viche-my-data.json"


class PrivacyFlow:
    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language
        self.known = known
        """The citizen flow's memory of who is who: told at once when someone is forgotten."""

    @staticmethod
    def handles(data: str | None) -> bool:
        return isinstance(callbacks.unpack(data), (ForgetConfirm, ForgetCancel))

    async def my_data(self, user: Person) -> Reply:
        participant = await self.backend.find(CHANNEL, user.external_id)
        tr = self._tr(participant, user)
        if participant is None:
            return Reply(messages=[Screen(self._nothing_stored(tr))])
        document = await self.backend.export(participant["id"])
        # UTF-8, every letter as itself (no \u041c… escapes) and indented: readable in any editor.
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return Reply(
            messages=[
                Screen(
                    tr._(
                        "Everything viche stores about you, in one file. "
                        "/forget deletes your contact data and identity."
                    ),
                    document=(EXPORT_FILE, content),
                )
            ]
        )

    async def forget_menu(self, user: Person) -> Reply:
        participant = await self.backend.find(CHANNEL, user.external_id)
        tr = self._tr(participant, user)
        if participant is None:
            return Reply(messages=[Screen(self._nothing_stored(tr))])
        # The button names this participant: pressed after they were forgotten (and came back as someone
        # new), it deletes nothing.
        confirm = ForgetConfirm(participant["id"][:12]).pack()
        return Reply(
            messages=[
                Screen(
                    tr._(
                        "This deletes your Telegram id and every link between you and your answers. Your answers stay "
                        "in the results, anonymously: nobody, not even the organisers, can tell they were yours. "
                        "Free-text answers are deleted. This cannot be undone."
                    ),
                    [
                        [Button("🗑 " + tr._("Yes, delete my data"), confirm)],
                        [Button(tr._("Cancel"), ForgetCancel().pack())],
                    ],
                )
            ]
        )

    async def callback(self, user: Person, data: str | None) -> Reply:
        button = callbacks.unpack(data)
        participant = await self.backend.find(CHANNEL, user.external_id)
        tr = self._tr(participant, user)
        if isinstance(button, ForgetCancel):
            return Reply(edit=Screen(tr._("Nothing was deleted.")), toast=tr._("Cancelled"))
        if not isinstance(button, ForgetConfirm) or participant is None or participant["id"][:12] != button.participant:
            return Reply(toast=tr._("This button is no longer active."))
        await self.backend.forget(participant["id"])
        self.known.forget(user.external_id)
        return Reply(
            edit=Screen(tr._("Your data is deleted. If you write to me again, you start as a new participant.")),
            toast=tr._("Deleted ✓"),
        )

    def _nothing_stored(self, tr: Translator) -> str:
        return tr._("I have no data about you: you have not taken part yet, or your data was deleted.")

    def _tr(self, participant: dict[str, Any] | None, user: Person) -> Translator:
        return reader_translator(participant.get("language") if participant else None, user, self.default_language)
