"""Every button of the organisers' conversation, as typed callback data (see bot/flows/callbacks.py).

The data of these buttons is written exactly as it was before they moved onto the shared codec (``xs:c:<slug>``,
``xj:<id>:o:<scope>`` …), so buttons already in organisers' chats keep working. Status actions and reject
reasons go out as short codes: a reason's whole name beside a proposal id and a 42-character slug would not fit
in 64 bytes. Each field is checked on the way in (``valid``): data that does not fit a button exactly (forged,
stale, from another version) is refused as a whole, never half-used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypeGuard

from bot.flows.callbacks import CallbackData, Codes
from bot.flows.organiser.arguments import MAX_TELEGRAM_ID, is_language, is_slug
from core.vocabulary import STATUS_ACTIONS, RejectReason, StatusAction

MAX_POSITION = 10_000  # the preview route's own bound
ALL = "-"  # moderation scope: every consultation
STATUS_CODES = {"l": "launch", "p": "pause", "r": "resume", "c": "close"}
REASON_CODES = {
    "o": "off_topic",
    "i": "incomprehensible",
    "n": "insulting",
    "a": "advertising",
    "s": "several_ideas",
    "d": "duplicate",
    "x": "other",
}

_STATUS = Codes({name: code for code, name in STATUS_CODES.items()})
_REASON = Codes({name: code for code, name in REASON_CODES.items()})
_DISMISS = Codes({"cancel": "0", "end_preview": "1"})


def is_status_action(text: str) -> TypeGuard[StatusAction]:
    return text in STATUS_ACTIONS


def _is_proposal(proposal: int) -> bool:
    return 0 < proposal <= MAX_TELEGRAM_ID


def _is_scope(scope: str) -> bool:
    return scope == ALL or is_slug(scope)


@dataclass(frozen=True)
class PreviewStep(CallbackData, prefix="xp"):
    """◀, ▶ or an answer button of a preview: show the screen at ``position``."""

    slug: str
    position: int
    language: str

    def valid(self) -> bool:
        return is_slug(self.slug) and 0 <= self.position <= MAX_POSITION and is_language(self.language)


@dataclass(frozen=True)
class Dismiss(CallbackData, prefix="xn"):
    """ "Cancel" under a question, or "End preview"."""

    what: Annotated[Literal["cancel", "end_preview"], _DISMISS]


@dataclass(frozen=True)
class RefreshStats(CallbackData, prefix="xt"):
    slug: str

    def valid(self) -> bool:
        return is_slug(self.slug)


@dataclass(frozen=True)
class RefreshJury(CallbackData, prefix="xy"):
    """/jury's "Refresh": the pool and the panel filling up."""

    slug: str

    def valid(self) -> bool:
        return is_slug(self.slug)


@dataclass(frozen=True)
class ChooseStatus(CallbackData, prefix="xs"):
    """A consultation chosen from the list a bare /launch, /pause or /resume offers."""

    action: Annotated[StatusAction, _STATUS]
    slug: str

    def valid(self) -> bool:
        return is_slug(self.slug)


@dataclass(frozen=True)
class ConfirmClose(CallbackData, prefix="xc"):
    slug: str

    def valid(self) -> bool:
        return is_slug(self.slug)


@dataclass(frozen=True)
class _OnProposal:
    """A press about one proposal; ``scope`` is the consultation being moderated, or ``ALL``."""

    proposal: int
    scope: str

    def valid(self) -> bool:
        return _is_proposal(self.proposal) and _is_scope(self.scope)


@dataclass(frozen=True)
class Accept(_OnProposal, CallbackData, prefix="xa"):
    pass


@dataclass(frozen=True)
class ShowReasons(_OnProposal, CallbackData, prefix="xr"):
    """ "Reject…": the reasons to choose from."""


@dataclass(frozen=True)
class SkipProposal(_OnProposal, CallbackData, prefix="xk"):
    pass


@dataclass(frozen=True)
class BackToProposal(_OnProposal, CallbackData, prefix="xb"):
    """ "Back" from the reasons."""


@dataclass(frozen=True)
class Reject(CallbackData, prefix="xj"):
    proposal: int
    reason: Annotated[RejectReason, _REASON]
    scope: str

    def valid(self) -> bool:
        return _is_proposal(self.proposal) and _is_scope(self.scope)


KINDS: tuple[type[CallbackData], ...] = (
    PreviewStep,
    Dismiss,
    RefreshStats,
    RefreshJury,
    ChooseStatus,
    ConfirmClose,
    Accept,
    ShowReasons,
    SkipProposal,
    BackToProposal,
    Reject,
)
PREFIXES = frozenset(kind.prefix for kind in KINDS)


def is_organiser_button(data: str | None) -> bool:
    """Is this data meant for the organiser flow (valid or not: a malformed one is answered "no longer active")?
    Its prefix says so."""
    return bool(data) and (data or "").split(":", 1)[0] in PREFIXES


def fits(button: CallbackData) -> bool:
    """Does the button's data stay within Telegram's 64 bytes (a preview's odd language code may not)?"""
    try:
        button.pack()
    except ValueError:  # CallbackTooLong, or a value the field does not take
        return False
    return True
