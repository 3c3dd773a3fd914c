"""Proposals and pairs: a vote on a statement and its optional "why?", which of two proposals is better (or why
one cannot decide), and the button that starts the participant's own proposal."""

from __future__ import annotations

from bot.flows import buttons
from bot.flows.buttons import CANT_DECIDE_REASONS, QUALIFICATIONS
from bot.flows.items import choice_label, qualification_label, reason_label, render_item, side_label
from bot.flows.participant.conversation import Conversation, Press
from bot.flows.screens import Button, Reply, Screen


class Proposals(Conversation):
    """Votes on statements with their "why?", pairs, and the button that starts an own proposal."""

    async def _on_vote(self, press: Press, button: buttons.Vote) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        label = choice_label(tr, button.choice)
        result = await self.backend.vote(
            participant["id"], button.proposal, button.choice, then=self._then(participant, tr)
        )
        if result["asks_qualification"]:  # the API decides whether a vote gets its "why?"
            # A vote given before and not yet qualified (a press repeated, a re-delivery, a copy of this screen
            # sent twice after a replica died) asks its "why?" here again: the same reply as to the first press.
            first = result["created"] or user.redelivered  # the person has not seen the question yet
            return self._why(press, button, label, tr._("Saved ✓") if first else tr._("Already recorded. ✓"), first)
        if not result["created"] and not (user.redelivered and result.get("next")):
            return Reply(toast=tr._("Already recorded. ✓"))
        return Reply(edit=self._answered(press, label), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next"))
        )

    def _why(self, press: Press, button: buttons.Vote, label: str, toast: str, first: bool) -> Reply:
        """The vote's optional "why?" on the pressed message (its text kept, the answer ticked)."""
        tr = self._tr(press.participant, press.user)
        why = tr._("Why? (optional)")
        rows = [
            [Button(qualification_label(tr, q), buttons.Qualify(button.proposal, button.choice, q).pack())]
            for q in QUALIFICATIONS[button.choice]
        ]
        rows.append([Button(tr._("Skip"), buttons.QualifySkip(button.proposal, button.choice).pack())])
        if press.message_text:
            return Reply(edit=Screen(f"{press.message_text}\n\n✓ {label}\n\n{why}", rows), toast=toast)
        if not first:  # asked below that message already: not a second time
            return Reply(edit=self._answered(press, label), toast=toast)
        # The proposal's message cannot be rewritten without its text: its buttons go, the question comes below.
        return Reply(edit=self._answered(press, label), messages=[Screen(f"✓ {label}\n\n{why}", rows)], toast=toast)

    async def _on_qualification(self, press: Press, button: buttons.Qualify | buttons.QualifySkip) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        qualification = button.qualification if isinstance(button, buttons.Qualify) else None
        label = qualification_label(tr, qualification) if qualification else None
        # Skipping the "why?" is told too: the API checks that the vote is this participant's (a forged button
        # is refused) and returns the next screen in the same request.
        result = await self.backend.qualify(
            participant["id"], button.proposal, button.choice, qualification, then=self._then(participant, tr)
        )
        if qualification and not result.get("qualified_now", True) and not press.user.redelivered:
            # The same "why?" pressed twice (a double tap): the next screen is already on its way.
            return Reply(toast=tr._("Already recorded. ✓"))
        screen = result.get("next")
        edit = Screen("", keep_text=True)
        if press.message_text:
            asked = press.message_text.rsplit("\n\n", 1)[0]  # the "Why?" line goes, the answer takes its place
            edit = Screen(f"{asked}\n\n✓ {label}" if label else asked)
        return Reply(edit=edit).then(await self._continue(user, participant, screen))

    async def _on_pair(self, press: Press, button: buttons.Pair) -> Reply:
        tr = self._tr(press.participant, press.user)
        return await self._record(
            press,
            side_label(tr, button.side),
            self.backend.answer_pair(
                press.participant["id"], button.token, button.side, then=self._then(press.participant, tr)
            ),
        )

    async def _on_pair_undecided(self, press: Press, button: buttons.PairUndecided) -> Reply:
        tr = self._tr(press.participant, press.user)
        # Nothing is stored yet, so the pair must be the one on the participant's screen now (a forged or old
        # button is refused here); its text comes from there when Telegram did not send the message's.
        screen = await self._current_screen(press.participant, tr)
        if not screen or (screen.get("pair") or {}).get("token") != button.token:
            return self._stale(tr, screen)
        text = press.message_text or render_item(tr, screen).text
        rows = [[Button(reason_label(tr, r), buttons.PairReason(button.token, r).pack())] for r in CANT_DECIDE_REASONS]
        return Reply(edit=Screen(f"{text}\n\n" + tr._("Why can't you decide?"), rows))

    async def _on_pair_reason(self, press: Press, button: buttons.PairReason) -> Reply:
        tr = self._tr(press.participant, press.user)
        label = reason_label(tr, button.reason)
        if press.message_text:  # the "Why can't you decide?" line goes, the reason takes its place
            press = Press(press.user, press.participant, press.pressed, press.message_text.rsplit("\n\n", 1)[0])
        return await self._record(
            press,
            label,
            self.backend.answer_pair(
                press.participant["id"],
                button.token,
                "cant_decide",
                button.reason,
                then=self._then(press.participant, tr),
            ),
        )

    async def _on_new_proposal(self, press: Press, button: buttons.NewProposal) -> Reply:
        tr = self._tr(press.participant, press.user)
        slug = await self._current_slug(press.participant)
        if slug is None:
            return self._inactive(press.participant, press.user)
        await self.backend.set_awaiting(press.participant["id"], slug, f"proposal:{button.item}")
        return Reply(
            messages=[
                Screen(
                    tr._(
                        "Write your proposal in one message: one idea, 12 to 280 characters. "
                        "It will appear to others after a moderator checks it."
                    )
                )
            ]
        )
