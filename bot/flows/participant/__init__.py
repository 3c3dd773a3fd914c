"""The participant's conversation in Telegram: language, consent, profile, then the consultation's items one
screen at a time. Each part lives in a module named after what the participant does there:

- ``welcome``: /start and deep links, the language, consent, the profile questions, the open consultations;
- ``questions``: answering question items with buttons;
- ``ballots``: participatory-budget ballots, kept by the API pick by pick;
- ``proposals``: votes and their "why?", pairs, starting an own proposal;
- ``typed``: free-text answers, typed proposals, places and their comments;
- ``jury``: volunteering for a citizens' jury at the end, and answering a jury call;
- ``checks``: a budget's check (own phone number, invitation code) and its projects' places;
- ``conversation``: what they share (drawing the next screen, telling a stored or refused answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from bot.backend import BackendError
from bot.flows import buttons, callbacks
from bot.flows.participant.ballots import Ballots
from bot.flows.participant.conversation import Press
from bot.flows.participant.jury import JuryVolunteering
from bot.flows.participant.proposals import Proposals
from bot.flows.participant.questions import Questions
from bot.flows.participant.typed import TypedInput
from bot.flows.participant.welcome import Welcome
from bot.flows.person import Person
from bot.flows.screens import Reply
from bot.flows.standing import compare

__all__ = ["ParticipantFlow"]


class ParticipantFlow(Welcome, Questions, Ballots, Proposals, TypedInput, JuryVolunteering):
    """Every command, message and button press of a participant in a private chat, answered with a Reply."""

    async def callback(
        self, user: Person, data: str | None, pressed: str | None = None, message_text: str | None = None
    ) -> Reply:
        """A button press, understood from its data and our own state. ``pressed`` (the button's label) and
        ``message_text`` (the message it sat under) only dress up the edit: Telegram sends neither for a
        message older than 48 hours (an InaccessibleMessage), and a compatible server may leave out the keyboard."""
        participant = await self.known.identify(user.external_id)
        button = callbacks.unpack(data)
        handler = self._handlers.get(type(button))
        if handler is None:
            return self._inactive(participant, user)
        press = Press(user, participant, pressed, message_text)
        try:
            return await handler(self, press, button)
        except BackendError as error:
            return self._refusal(participant, user, error)

    async def _on_standing(self, press: Press, button: buttons.Standing) -> Reply:
        """ "How do I compare?" (under a digest, or once a consultation is done): a new message, so the digest or
        the thanks it sat under stays as it was."""
        tr = self._tr(press.participant, press.user)
        answer = await self.backend.standing(press.participant["id"], button.slug)
        return Reply(messages=[compare(tr, answer)])

    _handlers: ClassVar[dict[type[Any], Callable[[Any, Press, Any], Awaitable[Reply]]]] = {
        buttons.Language: Welcome._on_language,
        buttons.Consent: Welcome._on_consent,
        buttons.Switch: Welcome._on_switch,
        buttons.ProfileAnswer: Welcome._on_profile,
        buttons.ProfileSkip: Welcome._on_profile,
        buttons.Option: Questions._on_option,
        buttons.Scale: Questions._on_scale,
        buttons.SkipItem: Questions._on_skip,
        buttons.Toggle: Questions._on_toggle,
        buttons.ToggleDone: Questions._on_toggles_done,
        buttons.BallotPick: Ballots._on_ballot_pick,
        buttons.BallotClear: Ballots._on_ballot_pick,
        buttons.BallotSend: Ballots._on_ballot_send,
        buttons.BallotChange: Ballots._on_ballot_change,
        buttons.Vote: Proposals._on_vote,
        buttons.Qualify: Proposals._on_qualification,
        buttons.QualifySkip: Proposals._on_qualification,
        buttons.Pair: Proposals._on_pair,
        buttons.PairUndecided: Proposals._on_pair_undecided,
        buttons.PairReason: Proposals._on_pair_reason,
        buttons.NewProposal: Proposals._on_new_proposal,
        buttons.SkipComment: TypedInput._on_skip_comment,
        buttons.Standing: _on_standing,
        buttons.JuryStart: JuryVolunteering._on_jury_start,
        buttons.JuryAnswer: JuryVolunteering._on_jury_answer,
        buttons.JurySkip: JuryVolunteering._on_jury_skip,
        buttons.JuryConfirm: JuryVolunteering._on_jury_confirm,
        buttons.JuryWithdraw: JuryVolunteering._on_jury_withdraw,
        buttons.JuryReply: JuryVolunteering._on_jury_reply,
        buttons.ProjectPlaces: TypedInput._on_places,
        buttons.ProjectPlace: TypedInput._on_place,
    }
    """Each button's handler, by the type its callback data unpacks to (bot/flows/buttons.py)."""
