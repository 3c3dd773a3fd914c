"""The names the bot and the API share, each defined once: what a vote's "why?" may be, why a pair can't be decided,
which status an organiser's action moves a consultation to, why a proposal is rejected, what results are split by,
and the rule of a consultation's slug. The bot codes its buttons from these (bot/flows/buttons.py,
bot/flows/organiser/buttons.py), the API checks and counts with them."""

from __future__ import annotations

from typing import Literal, get_args

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # single hyphens only: "--" separates slug and source in deep links
SLUG_MIN, SLUG_MAX = (
    3,
    42,
)  # the bot checks what organisers type against the same rule (bot/flows/organiser/arguments.py)

Choice = Literal["agree", "disagree", "neutral"]
"""What a participant says of a proposal."""
QualificationName = Literal[
    "like_it", "doable", "platitude", "no_way", "impossible", "dont_understand", "no_opinion", "dont_care"
]
QUALIFICATION_NAMES: tuple[QualificationName, ...] = get_args(QualificationName)
QUALIFICATIONS: dict[Choice, tuple[QualificationName, ...]] = {
    "agree": ("like_it", "doable", "platitude"),
    "disagree": ("no_way", "impossible", "platitude"),
    "neutral": ("dont_understand", "no_opinion", "dont_care"),
}
"""The "why?" answers each choice on a proposal offers, in the order of the bot's buttons and of the results'
columns; the API accepts a qualification only with its choice."""

CantDecideReason = Literal["both", "neither", "equal", "unknown", "undecided"]
CANT_DECIDE_REASONS: tuple[CantDecideReason, ...] = get_args(CantDecideReason)
"""Why a participant cannot choose between the two proposals of a pair."""

StatusAction = Literal["launch", "pause", "resume", "close"]
TRANSITIONS: dict[StatusAction, tuple[tuple[str, ...], str]] = {
    "launch": (("draft",), "open"),
    "pause": (("open",), "paused"),
    "resume": (("paused",), "open"),
    "close": (("open", "paused"), "closed"),
}
"""An organiser's status action: the statuses it applies to, and the status it leads to."""
STATUS_ACTIONS: tuple[StatusAction, ...] = get_args(StatusAction)  # TRANSITIONS' keys, in their order

RejectReason = Literal[
    "off_topic", "incomprehensible", "insulting", "advertising", "several_ideas", "duplicate", "other"
]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)
"""Why a moderator rejects a citizen's proposal (the author is told)."""

ProfileField = Literal["age_band", "country", "region"]
PROFILE_FIELDS: tuple[ProfileField, ...] = get_args(ProfileField)
"""The optional questions about the participant (the definition's ``profile``)."""
SEGMENTS: tuple[str, ...] = ("language", *PROFILE_FIELDS, "source")
"""What results can be split by."""
