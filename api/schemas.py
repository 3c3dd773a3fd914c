"""Request and response bodies of the participant (bot-facing) routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from core.vocabulary import CANT_DECIDE_REASONS

# Row ids are 32-bit INTEGER columns: a larger number is bad input (422), not a database error (500).
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]


def labelled(labels: dict[str, str], what: str) -> Any:
    """A ``Literal`` of codes whose OpenAPI schema says, beside each code, what it means in plain words.

    Partners and front ends read codes such as ``limbo`` or ``cant_decide``: the schema lists them (``enum``),
    its description gives each one's label ("`cant_decide`: can't decide between the two …"), and
    ``x-enum-descriptions`` holds the labels in the order of ``enum`` (the extension code generators read).
    """
    lines = "\n".join(f"* `{code}`: {label}" for code, label in labels.items())
    return Annotated[
        Literal[tuple(labels)],
        Field(
            description=f"{what}\n\n{lines}",
            json_schema_extra={"enum": list(labels), "x-enum-descriptions": list(labels.values())},
        ),
    ]


CHOICE_LABELS = {
    "agree": "agrees with the statement",
    "disagree": "disagrees with it",
    "neutral": "neither: passes (didn't understand, has no opinion or doesn't care)",
}
PAIR_OUTCOME_LABELS = {
    "left": "the first proposal of the pair is the better one",
    "right": "the second proposal of the pair is the better one",
    "cant_decide": "can't decide between the two (stored, not counted in the ranking)",
    "skip": "skipped the pair without judging it (not counted)",
}
Choice = labelled(CHOICE_LABELS, "A vote on a statement.")
PairOutcome = labelled(PAIR_OUTCOME_LABELS, 'The answer to "which of these two is better?".')


class IdentifyIn(BaseModel):
    channel: str = Field(min_length=1, max_length=16, examples=["telegram"])
    external_id: str = Field(min_length=1, max_length=64, examples=["123456789"])


class ParticipantOut(BaseModel):
    id: str
    language: str | None
    current_consultation: str | None
    created: bool = False


class ParticipantPatch(BaseModel):
    language: str | None = Field(default=None, min_length=2, max_length=8)


class EnrolIn(BaseModel):
    slug: str = Field(min_length=1, max_length=64)
    source: str | None = Field(default=None, max_length=64)


class EnrolmentOut(BaseModel):
    slug: str
    consented: bool
    completed: bool
    source: str | None
    consented_now: bool = Field(
        default=False,
        description="This request gave the consent (false when it had "
        "been given before: an old consent button pressed again).",
    )
    next: NextOut | None = Field(
        default=None,
        description="With ?next=<slug>: the participant's next screen "
        "in that consultation, so that a front end needs one request per answer.",
    )


class ConsultationBrief(BaseModel):
    slug: str
    title: str
    status: str
    default_language: str
    languages: list[str]
    time_zone: str = "UTC"
    closes_at: datetime | None = Field(default=None, description="When answers stop; show it in time_zone")


class OptionOut(BaseModel):
    id: int
    key: str
    label: str
    cost: int | None = None
    latitude: float | None = Field(default=None, description="A budget project's place, when the file gives it")
    longitude: float | None = None


class ProposalOut(BaseModel):
    id: int
    text: str


class PairOut(BaseModel):
    token: str
    left: ProposalOut
    right: ProposalOut


class ItemOut(BaseModel):
    id: int
    key: str
    kind: str
    prompt: str
    number: int
    total: int
    step: int = Field(
        default=1,
        description="Which screen of the item this is: proposals and pairs show one "
        "proposal or pair at a time, all of them one question (1 for the other kinds).",
    )
    config: dict[str, Any] = {}
    min_label: str = ""
    max_label: str = ""


class ProfileChoice(BaseModel):
    key: str
    label: str


class ProfileQuestion(BaseModel):
    field: Literal["age_band", "country", "region"]
    choices: list[ProfileChoice]


class ProfileIn(BaseModel):
    slug: str = Field(min_length=1, max_length=64)
    field: Literal["age_band", "country", "region"]
    value: str | None = Field(default=None, max_length=64, description="None: the participant skipped it")


class AwaitIn(BaseModel):
    slug: str = Field(min_length=1, max_length=64)
    awaiting: str | None = Field(default=None, pattern=r"^(proposal|comment):\d{1,12}$")


class ProposalIn(BaseModel):
    item_id: RowId
    text: str = Field(max_length=20_000)  # longer than any message; the route names the real limit
    language: str = Field(min_length=2, max_length=8)


class SubmittedProposalOut(BaseModel):
    id: int
    status: str
    text: str


class CommentIn(BaseModel):
    text: str = Field(max_length=20_000)  # longer than any message; the route names the real limit


class BallotOut(BaseModel):
    """A budget item's ballot as the participant sees it (api/ballot_rules.py: the shape of each kind)."""

    chosen: list[int] = Field(
        default_factory=list,
        description="Option ids: each chosen project once (knapsack, approval), once per point (cumulative), "
        "or the ranking, best first (ordinal).",
    )
    sent: bool = Field(default=False, description="A ballot was sent for this item (it counts until replaced).")
    changed: bool = Field(default=False, description="Picks not sent yet: ``chosen`` is a draft.")


class BallotPickIn(BaseModel):
    action: Literal["add", "remove", "clear"] = Field(
        description="add a project (cumulative: one more point), remove it (one point fewer), or clear the ballot"
    )
    option_id: RowId | None = None


class NextOut(BaseModel):
    """What the participant should see next in a consultation."""

    status: Literal["item", "consent", "profile", "done", "not_open"]
    consultation: ConsultationBrief
    intro: str = ""
    item: ItemOut | None = None
    options: list[OptionOut] = []
    proposal: ProposalOut | None = None
    pair: PairOut | None = None
    ballot: BallotOut | None = None
    profile: ProfileQuestion | None = None
    awaiting: str | None = None
    answers_count: int = 0
    jury: bool = Field(
        default=False, description="Done: the consultation invites participants to volunteer for its jury"
    )
    check: Literal["phone", "invitation"] | None = Field(
        default=None, description="item: what the participant must show before this budget's ballot (api/eligibility)"
    )
    asks: list[str] = Field(
        default_factory=list, description="consent: the checks some budget asks for ('phone', 'invitation')"
    )


class AnswerIn(BaseModel):
    item_id: RowId
    option_id: RowId | None = None
    value: Any = None


class EligibilityIn(BaseModel):
    """What a participant shows before a budget's ballot: their own phone number (the front end checked that
    the contact shared is the sender's own) or an invitation code."""

    item_id: RowId
    phone: str | None = Field(default=None, max_length=32)
    code: str | None = Field(default=None, max_length=64)


class EligibilityOut(BaseModel):
    item_id: int
    created: bool = Field(description="False when the participant had passed this check already")
    next: NextOut | None = None


class AnswerOut(BaseModel):
    id: int
    item_id: int
    option_id: int | None
    value: Any
    created: bool
    replaced: bool = Field(default=False, description="A budget ballot sent again, different: it replaced the earlier.")
    next: NextOut | None = Field(
        default=None,
        description="With ?next=<slug>: the participant's next screen "
        "in that consultation, so that a front end needs one request per answer.",
    )


class VoteIn(BaseModel):
    proposal_id: RowId
    choice: Choice
    qualification: str | None = Field(default=None, max_length=16)


class QualificationIn(BaseModel):
    choice: Choice = Field(description="The vote being qualified (refused when the participant's vote is another).")
    qualification: str | None = Field(
        default=None, max_length=16, description="Why the participant voted so; null when they skipped the 'why?'."
    )


class VoteOut(BaseModel):
    id: int
    proposal_id: int
    choice: Choice
    qualification: str | None
    created: bool
    asks_qualification: bool = Field(
        default=False,
        description="The item asks a follow-up 'why?' for votes and this vote has none yet (a new vote, or the "
        "same vote given again before its 'why?' was answered): show the 'why?' now; no next screen comes with it.",
    )
    qualified_now: bool = Field(
        default=False,
        description="This request gave the vote its qualification (false "
        "when it had it already: the same 'why?' pressed twice).",
    )
    next: NextOut | None = Field(
        default=None,
        description="With ?next=<slug>: the participant's next screen "
        "in that consultation, so that a front end needs one request per answer.",
    )


CantDecideReason = Literal[CANT_DECIDE_REASONS]


class PairAnswerIn(BaseModel):
    outcome: PairOutcome
    reason: CantDecideReason | None = Field(
        default=None, description="Why the participant cannot decide (with the outcome cant_decide)."
    )


class PairAnswerOut(BaseModel):
    token: str
    outcome: PairOutcome
    counted: bool
    after_skip: bool
    created: bool
    next: NextOut | None = Field(
        default=None,
        description="With ?next=<slug>: the participant's next screen "
        "in that consultation, so that a front end needs one request per answer.",
    )


for _model in (EnrolmentOut, AnswerOut, VoteOut, PairAnswerOut):  # their 'next' field refers forward
    _model.model_rebuild()
