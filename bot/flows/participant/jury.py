"""Volunteering for a citizens' jury in the chat, and answering a jury call: each press goes to the API's jury
routes, which keep the answers, and comes back as the jury screen (``bot/flows/jury.py``)."""

from __future__ import annotations

from bot.flows import buttons
from bot.flows.jury import jury_screen, reply_toast
from bot.flows.participant.conversation import Conversation, Press
from bot.flows.screens import Reply


class JuryVolunteering(Conversation):
    async def _jury(self, press: Press, action: str, slug: str, **fields: object) -> Reply:
        tr = self._tr(press.participant, press.user)
        screen = await self.backend.jury(press.participant["id"], slug, action, tr.locale, **fields)
        return Reply(edit=jury_screen(tr, screen))

    async def _on_jury_start(self, press: Press, button: buttons.JuryStart) -> Reply:
        tr = self._tr(press.participant, press.user)
        screen = await self.backend.jury(press.participant["id"], button.slug, "begin", tr.locale)
        # A new message: the thanks it sat under, or the withdrawal, stays as it was.
        return Reply(messages=[jury_screen(tr, screen)])

    async def _on_jury_answer(self, press: Press, button: buttons.JuryAnswer) -> Reply:
        return await self._jury(press, "answer", button.slug, category=button.category, option=button.option)

    async def _on_jury_skip(self, press: Press, button: buttons.JurySkip) -> Reply:
        return await self._jury(press, "answer", button.slug, category=button.category, option=None)

    async def _on_jury_confirm(self, press: Press, button: buttons.JuryConfirm) -> Reply:
        return await self._jury(press, "confirm", button.slug)

    async def _on_jury_withdraw(self, press: Press, button: buttons.JuryWithdraw) -> Reply:
        return await self._jury(press, "withdraw", button.slug)

    async def _on_jury_reply(self, press: Press, button: buttons.JuryReply) -> Reply:
        """Accept or Decline under a jury call (the message may be inaccessible: nothing here reads it)."""
        tr = self._tr(press.participant, press.user)
        answer = await self.backend.jury_reply(
            press.participant["id"], button.slug, button.answer == "accept", tr.locale
        )
        return Reply(edit=jury_screen(tr, answer["screen"]), toast=reply_toast(tr, answer["outcome"]))
