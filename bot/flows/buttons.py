"""Every button of the citizen's conversation, as typed callback data (see bot/flows/callbacks.py).

A press is understood from its data and our own state alone: the message it sat under may be an
InaccessibleMessage (no text, no keyboard) or come without its keyboard, so nothing here relies on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.flows.callbacks import CallbackData
from bot.i18n import SUPPORTED
from core.vocabulary import CANT_DECIDE_REASONS as CANT_DECIDE_REASONS
from core.vocabulary import QUALIFICATIONS as QUALIFICATIONS
from core.vocabulary import CantDecideReason as Reason
from core.vocabulary import Choice, ProfileField
from core.vocabulary import QualificationName as Qualification

Side = Literal["left", "right", "skip"]


@dataclass(frozen=True)
class Language(CallbackData, prefix="lang"):
    code: str

    def valid(self) -> bool:
        return self.code in SUPPORTED


@dataclass(frozen=True)
class Consent(CallbackData, prefix="ok"):
    slug: str


@dataclass(frozen=True)
class Switch(CallbackData, prefix="sw"):
    """Take part in another open consultation (/consultations, a digest's "Take part")."""

    slug: str


@dataclass(frozen=True)
class Standing(CallbackData, prefix="ws"):
    """ "How do I compare?": where the participant stands among a consultation's opinion groups."""

    slug: str


@dataclass(frozen=True)
class ProfileAnswer(CallbackData, prefix="pf"):
    field: ProfileField
    choice: int
    """The position among the question's choices: an organiser's age band may be any text, of any length."""


@dataclass(frozen=True)
class ProfileSkip(CallbackData, prefix="pn"):
    """ "I'd rather not say"."""

    field: ProfileField


@dataclass(frozen=True)
class Option(CallbackData, prefix="a"):
    item: int
    option: int


@dataclass(frozen=True)
class Scale(CallbackData, prefix="s"):
    item: int
    value: int


@dataclass(frozen=True)
class SkipItem(CallbackData, prefix="x"):
    item: int


@dataclass(frozen=True)
class Toggle(CallbackData, prefix="m"):
    """A multiple-choice option ticked or unticked: ``selected`` is the selection after the press."""

    item: int
    selected: frozenset[int]


@dataclass(frozen=True)
class ToggleDone(CallbackData, prefix="md"):
    item: int
    selected: frozenset[int]


@dataclass(frozen=True)
class BallotPick(CallbackData, prefix="bp"):
    """A project added to a budget ballot (cumulative: one point more) or taken out (one point fewer). The ballot
    is kept by the API (bot/flows/ballot.py), not in the buttons: a cumulative ballot's points or an ordinal
    ballot's order would not fit in 64 bytes, and the state must outlive the message."""

    item: int
    project: int
    """The project's option id."""
    action: Literal["add", "remove"]


@dataclass(frozen=True)
class BallotClear(CallbackData, prefix="bc"):
    """ "Start again": the ballot emptied."""

    item: int


@dataclass(frozen=True)
class BallotSend(CallbackData, prefix="bs"):
    """ "Done": the ballot sent as it stands (it replaces one sent before)."""

    item: int


@dataclass(frozen=True)
class BallotChange(CallbackData, prefix="bx"):
    """ "Change my ballot", under a sent ballot: it is shown again to pick from, until the consultation closes."""

    item: int


@dataclass(frozen=True)
class Vote(CallbackData, prefix="v"):
    proposal: int
    choice: Choice


@dataclass(frozen=True)
class Qualify(CallbackData, prefix="q"):
    """The "why?" after a vote."""

    proposal: int
    choice: Choice
    qualification: Qualification

    def valid(self) -> bool:
        return self.qualification in QUALIFICATIONS[self.choice]


@dataclass(frozen=True)
class QualifySkip(CallbackData, prefix="qs"):
    """No "why?": told to the API, which answers with the next screen (and refuses a vote that is not the presser's)."""

    proposal: int
    choice: Choice


@dataclass(frozen=True)
class Pair(CallbackData, prefix="p"):
    token: str
    side: Side


@dataclass(frozen=True)
class PairUndecided(CallbackData, prefix="pu"):
    """ "I can't decide": asks why before anything is stored."""

    token: str


@dataclass(frozen=True)
class PairReason(CallbackData, prefix="pr"):
    token: str
    reason: Reason


@dataclass(frozen=True)
class NewProposal(CallbackData, prefix="np"):
    item: int


@dataclass(frozen=True)
class SkipComment(CallbackData, prefix="cx"):
    item: int


@dataclass(frozen=True)
class Digests(CallbackData, prefix="dg"):
    """/digests' button: results digests on or off."""

    action: Literal["turn_on", "turn_off"]


@dataclass(frozen=True)
class ForgetConfirm(CallbackData, prefix="fg"):
    """/forget's "Yes, delete my data": names the participant, so that pressed after they were forgotten
    (and came back as someone new) it deletes nothing."""

    participant: str


@dataclass(frozen=True)
class ForgetCancel(CallbackData, prefix="fgn"):
    pass


# ---- a citizens' jury (bot/flows/jury.py) -------------------------------------------------------------


@dataclass(frozen=True)
class JuryStart(CallbackData, prefix="jv"):
    """ "Volunteer for the jury" under a finished consultation (and "Volunteer again" after a withdrawal)."""

    slug: str


@dataclass(frozen=True)
class JuryAnswer(CallbackData, prefix="jq"):
    """One category's answer: the positions of the category and of the option in the definition."""

    slug: str
    category: int
    option: int


@dataclass(frozen=True)
class JurySkip(CallbackData, prefix="jn"):
    """ "I'd rather not say", offered only for a category the organiser made optional."""

    slug: str
    category: int


@dataclass(frozen=True)
class JuryConfirm(CallbackData, prefix="jc"):
    """ "You may contact me": the volunteer enters the pool."""

    slug: str


@dataclass(frozen=True)
class JuryWithdraw(CallbackData, prefix="jw"):
    slug: str


@dataclass(frozen=True)
class JuryReply(CallbackData, prefix="jr"):
    """Accept or Decline under a jury call: who answers is the presser, never a field of the data."""

    slug: str
    answer: Literal["accept", "decline"]


@dataclass(frozen=True)
class ProjectPlaces(CallbackData, prefix="pbw"):
    """ "Where are the projects?" under a budget ballot whose projects have places."""

    item: int


@dataclass(frozen=True)
class ProjectPlace(CallbackData, prefix="pbv"):
    """One project's place, sent as a venue: ``position`` among the ballot's projects."""

    item: int
    position: int
