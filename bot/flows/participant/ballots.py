"""Filling in a participatory-budget ballot: each pick goes to the API, which keeps the ballot and checks it
against the item's rules; the message is redrawn from what the API answers, and a refused pick is explained.
Done sends the ballot (it replaces one sent before); "Change my ballot" shows a sent one again."""

from __future__ import annotations

from typing import Literal

from bot.backend import BackendError
from bot.flows import ballot, buttons
from bot.flows.items import render_item, top
from bot.flows.participant.conversation import Conversation, Press
from bot.flows.screens import Reply
from bot.i18n import Translator


class Ballots(Conversation):
    """Budget ballots of every kind (knapsack, approval, cumulative, ordinal)."""

    async def _on_ballot_pick(self, press: Press, button: buttons.BallotPick | buttons.BallotClear) -> Reply:
        tr = self._tr(press.participant, press.user)
        action: Literal["add", "remove", "clear"] = "clear"
        project = None
        if isinstance(button, buttons.BallotPick):
            action, project = button.action, button.project
        try:
            screen = await self.backend.ballot_pick(press.participant["id"], button.item, action, project, tr.locale)
        except BackendError as error:
            return _explained(tr, error)
        return Reply(edit=render_item(tr, screen))

    async def _on_ballot_change(self, press: Press, button: buttons.BallotChange) -> Reply:
        tr = self._tr(press.participant, press.user)
        screen = await self.backend.ballot(press.participant["id"], button.item, tr.locale)
        return Reply(edit=render_item(tr, screen))

    async def _on_ballot_send(self, press: Press, button: buttons.BallotSend) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        try:
            result = await self.backend.ballot_send(participant["id"], button.item, then=self._then(participant, tr))
        except BackendError as error:
            return _explained(tr, error)
        # The ballot as sent, drawn from the API's record (the pressed message may have come without its text).
        sent = await self.backend.ballot(participant["id"], button.item, tr.locale)
        edit = ballot.sent_screen(tr, top(tr, sent["item"]), sent)
        if not result.get("created") and not result.get("replaced"):
            # Done pressed again, or a ballot sent unchanged after "Change my ballot": nothing new is stored.
            reply = Reply(edit=edit, toast=tr._("Already recorded. ✓"))
            return (
                reply.then(await self._continue(user, participant, result.get("next"))) if user.redelivered else reply
            )
        toast = tr._("Your new ballot replaces the earlier one ✓") if result.get("replaced") else tr._("Saved ✓")
        return Reply(edit=edit, toast=toast).then(await self._continue(user, participant, result.get("next")))


def _explained(tr: Translator, error: BackendError) -> Reply:
    """A refused pick or ballot, said as an alert in the participant's language; other refusals go on to the
    flow's general answer (not open, no consent, an item that is gone)."""
    text = ballot.refusal(tr, error)
    if text is None:
        raise error
    return Reply(toast=text, alert=True)
