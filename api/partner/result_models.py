"""What the partner routes ``/results`` and ``/ranking`` answer, as models for the OpenAPI document.

The routes return the dictionaries of :mod:`api.results` as they are (cached and encoded once); these models
only describe them, and every code a partner reads there (``limbo``, ``bradley_terry``, ``cant_decide``, item
kinds, qualifications, segment kinds) comes with its plain-language label beside it
(:func:`api.schemas.labelled`). The tests validate real responses and the documented examples against these
models, so the description cannot drift from what is sent.

Inside the segments of ``?segment=``, the disclosure rule (:mod:`api.disclosure`) nulls the counts of fewer than
the consultation's ``min_segment_size`` people, with every figure that would give them back, and withholds an
item answered by too few whole (:class:`WithheldItem`): those fields are nullable here, each saying why
(:data:`SUPPRESSED`). The whole consultation's figures are never nulled: below ``min_segment_size`` the routes
answer 409 ``below_threshold`` instead.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from api.schemas import labelled
from api.scoring.proposals import CONTROVERSY_MIN_SCORE, ZONE_MAX_NEUTRAL_SHARE, ZONE_MIN_VOTES

KIND_LABELS = {
    "single_choice": "one answer from a list of options",
    "multi_choice": "several answers from a list of options",
    "scale": "a number on a scale (e.g. 1 to 5)",
    "free_text": "an answer in the participant's own words",
    "proposal": "agree, disagree or neutral on statements, one at a time",
    "pairs": '"which of these two is better?" between proposals',
    "budget": "a participatory-budget ballot: projects that fit in a total",
    "place": "a point on a map, with an optional comment",
}
ZONE_LABELS = {
    "consensus": "broad agreement: at least twice as many agree as disagree, most voters agree, and a majority "
    "of decided voters agreeing is established at 95 % confidence",
    "controversy": f"divided opinion: neither camp outnumbers the other 2:1 and each is, at 95 % confidence, at "
    f"least {CONTROVERSY_MIN_SCORE * 50:.0f} % of voters",
    "rejection": "broad disagreement (the mirror image of consensus)",
    "limbo": f"undecided so far: fewer than {ZONE_MIN_VOTES} votes, more than {ZONE_MAX_NEUTRAL_SHARE * 100:.0f} % "
    f"of them neutral, or no clear pattern yet",
}
METHOD_LABELS = {
    "bradley_terry": "Bradley–Terry model: each proposal's chance to beat a randomly chosen other one, estimated "
    'from every "which is better?" vote and corrected for how strong the opponents were',
}
SEGMENT_KIND_LABELS = {
    "value": "participants who gave this value (e.g. one age band)",
    "unknown": "participants who did not give a value",
    "other": "values held by too few participants to be shown alone (fewer than the consultation's minimum "
    "segment size), pooled together",
}
SEGMENT_LABELS = {
    "language": "the language the participant uses the bot in",
    "age_band": "the participant's age band",
    "country": "the participant's country",
    "region": "the participant's region",
    "source": "the outreach source they came from (a poster, a school, … from the link they opened)",
    "group": "the participant's opinion group (its `id` in `/groups`); groups smaller than the consultation's "
    "minimum segment size are withheld, their members counted with those in no group (`unknown`)",
}
QUALIFICATION_LABELS = {
    "agree": {
        "like_it": "agrees because they like it",
        "doable": "agrees because it can be done",
        "platitude": "agrees, but it says nothing new",
    },
    "disagree": {
        "no_way": "against it, whatever happens",
        "impossible": "disagrees because it cannot be done",
        "platitude": "disagrees: it says nothing new",
    },
    "neutral": {
        "dont_understand": "did not understand the statement",
        "no_opinion": "has no opinion on it",
        "dont_care": "does not care",
    },
}
"""The optional "why?" after a vote, per choice."""
STATUS_LABELS = {
    "open": "taking answers",
    "paused": "temporarily not taking answers",
    "closed": "finished: answers are final",
}

Interval = Annotated[
    list[float],
    Field(
        min_length=2,
        max_length=2,
        description=("95 % interval [low, high] of the value beside it, in the same unit; the value lies inside it."),
    ),
]

SUPPRESSED = (
    "null inside a segment: fewer than the consultation's min_segment_size (or a figure that would give "
    "such a count back by subtraction), withheld so nobody can be recognised."
)
"""Why a segment's figure may be null (the disclosure rule, :mod:`api.disclosure`)."""


def _nullable(description: str = "") -> object:
    return Field(description=f"{description} {SUPPRESSED[0].upper()}{SUPPRESSED[1:]}".strip())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Share(_Strict):
    count: int | None = _nullable()
    share: float | None = _nullable("count / base, 0..1.")
    interval: Interval | None = _nullable("95 % Wilson interval of `share` ([0, 1] when the base is 0).")


class Option(_Strict):
    key: str = Field(description="The option's key, as in the definition and in the exports.")
    label: str
    count: int | None = _nullable()
    share: float | None = _nullable()
    interval: Interval | None = _nullable()


class ScaleValue(_Strict):
    value: int
    count: int | None = _nullable()
    share: float | None = _nullable()
    interval: Interval | None = _nullable()


class Project(_Strict):
    key: str = Field(description="The project's key, as in the definition and in the exports.")
    label: str
    cost: int | None
    votes: int | None = _nullable()
    score: int | None = _nullable(
        "Points: its votes for approval and knapsack ballots; for cumulative ones the "
        "points given, for rankings max_projects − position summed."
    )
    share: float | None = _nullable("Share of ballots choosing it.")
    interval: Interval | None = _nullable()
    rank: int | None = _nullable("1 = best score. A project whose votes are null comes after the ranked ones.")
    funded: bool | None = _nullable("Funded by the first (official) counting rule.")


class CountingResult(_Strict):
    rule: str = Field(description="greedy, greedy-no-skip, greedy-threshold, equalshares or equalshares/add1.")
    threshold: int = Field(description="greedy-threshold: the least score funded (0 otherwise).")
    comparison: bool = Field(description="equalshares: with equalshares.net's comparison step.")
    funded: list[str] = Field(description="Keys of the projects this rule funds, in the order it funds them.")
    spent: int | None = _nullable("Cost of those projects (null when a hidden project is among them).")


class Point(_Strict):
    latitude: float
    longitude: float
    comment: str | None


class Support(_Strict):
    value: float = Field(
        description="Mean value of the votes, 0..1: agree because I like it or it can be done 1, "
        "plain agree 0.8, agree but a platitude 0.4, neutral 0.25, disagree 0."
    )
    interval: Interval = Field(description="Its 95 % Wilson interval; the lower end is `top_score`.")


def _reason(choice: str, code: str) -> object:
    return Field(description=f"`{code}`: {QUALIFICATION_LABELS[choice][code]} (share of the {choice} votes).")


class AgreeReasons(_Strict):
    like_it: Share = _reason("agree", "like_it")
    doable: Share = _reason("agree", "doable")
    platitude: Share = _reason("agree", "platitude")


class DisagreeReasons(_Strict):
    no_way: Share = _reason("disagree", "no_way")
    impossible: Share = _reason("disagree", "impossible")
    platitude: Share = _reason("disagree", "platitude")


class NeutralReasons(_Strict):
    dont_understand: Share = _reason("neutral", "dont_understand")
    no_opinion: Share = _reason("neutral", "no_opinion")
    dont_care: Share = _reason("neutral", "dont_care")


class Qualifications(_Strict):
    """The optional "why?" after a vote, as shares of that choice's votes."""

    agree: AgreeReasons
    disagree: DisagreeReasons
    neutral: NeutralReasons


class ProposalResult(_Strict):
    """A statement's figures. Inside a segment they are nulled together (its shares with null fields) when one of
    its counts is, and such a statement comes after the ranked ones, by id."""

    id: int
    text: str
    rank: int | None = _nullable("1 = best by `top_score`.")
    controversy_rank: int | None = _nullable("1 = most divisive by `controversy_score`.")
    votes: int | None = _nullable()
    agree: Share
    disagree: Share
    neutral: Share
    agree_among_decided: Share = Field(description="Agree votes among agree + disagree votes.")
    zone: labelled(ZONE_LABELS, f"Where the statement stands; {SUPPRESSED}") | None
    top_score: float | None = _nullable(
        "Top score, 0..1: the lower end of `support`'s interval, so a statement "
        "with three enthusiastic votes does not outrank one with 300 good ones."
    )
    support: Support | None = _nullable()
    controversy_score: float | None = _nullable(
        "0..1: twice the 95 % lower bound of the smaller camp's share "
        "(agree or disagree) of all votes; 1 for a perfect 50/50 split."
    )
    qualifications: Qualifications


PAIR_SCORE = "Chance, in %, to beat a randomly chosen other proposal (Bradley–Terry)."
PAIR_INTERVAL = "95 % interval of `score`, in %; `score` lies inside it."
AOI_SCORE = (
    "All Our Ideas' score 100·(wins+1)/(wins+losses+2), for comparison with that tool: another method, so "
    "it has no interval and may differ from `score`."
)


class PairResult(_Strict):
    """A proposal's figures. Inside a segment they are nulled together when its wins or losses are, and such a
    proposal comes after the ranked ones, by id."""

    id: int
    text: str
    rank: int | None = _nullable("1 = best by `score`.")
    score: float | None = _nullable(PAIR_SCORE)
    interval: Interval | None = _nullable(PAIR_INTERVAL)
    strength: float | None = _nullable("Bradley–Terry log-strength, 0 = average.")
    wins: int | None = _nullable()
    losses: int | None = _nullable()
    comparisons: int | None = _nullable()
    aoi_score: float | None = _nullable(AOI_SCORE)


class ZoneCounts(_Strict):
    limbo: int = Field(description=f"`limbo`: {ZONE_LABELS['limbo']}")
    consensus: int = Field(description=f"`consensus`: {ZONE_LABELS['consensus']}")
    rejection: int = Field(description=f"`rejection`: {ZONE_LABELS['rejection']}")
    controversy: int = Field(description=f"`controversy`: {ZONE_LABELS['controversy']}")


class _Item(_Strict):
    key: str
    number: int = Field(description="1-based position in the consultation.")
    prompt: str
    reached: int = Field(description="Consented participants who were shown the item (or stand on it).")
    answered: int
    answer_rate: float = Field(description="answered / reached.")


def _kind(code: str) -> object:
    return labelled({code: KIND_LABELS[code]}, "The item's kind.")


class SingleChoiceItem(_Item):
    kind: _kind("single_choice")
    options: list[Option] = Field(description="Shares of the participants who answered.")


class MultiChoiceItem(_Item):
    kind: _kind("multi_choice")
    choices: int = Field(description="Options chosen, all participants together.")
    options: list[Option] = Field(description="Shares of respondents: they may add up to more than 1.")


class ScaleItem(_Item):
    kind: _kind("scale")
    min: int
    max: int
    distribution: list[ScaleValue]
    mean: float | None = Field(
        description="Null without answers, or inside a segment when a count of "
        "`distribution` is null (with the shown counts it would give it back)."
    )
    mean_interval: Interval | None = Field(
        description="95 % interval of `mean` (null below 2 answers, or with `mean`)."
    )
    median: float | None = Field(description="Null with `mean`.")


class FreeTextItem(_Item):
    kind: _kind("free_text")
    skipped: int | None = _nullable()
    texts: list[str] = Field(default_factory=list, description="The answers, sorted; never who wrote them.")


class BudgetItem(_Item):
    kind: _kind("budget")
    ballots: int
    ballot: str = Field(description="knapsack, approval, cumulative or ordinal.")
    districts: list[str] = Field(
        default_factory=list,
        description="A district's budget: the names of the profile regions whose participants vote in it "
        "(each budget item is counted on its own); empty: a budget for everyone.",
    )
    total: int
    currency: str
    spent: int | None = _nullable("Cost of the projects the first (official) counting rule funds.")
    funded: list[str] = Field(
        description="Keys of the funded projects (inside a segment, those whose votes are shown)."
    )
    rules: list[CountingResult] = Field(description="Every counting rule the organiser chose, the official first.")
    projects: list[Project] = Field(description="Best first.")


class PlaceItem(_Item):
    kind: _kind("place")
    comments: int | None = _nullable()
    points: list[Point] = Field(default_factory=list)


class ProposalItem(_Item):
    kind: _kind("proposal")
    votes: int
    zones: ZoneCounts = Field(description="How many statements are in each zone.")
    proposals: list[ProposalResult] = Field(description="Accepted statements, best first by top score.")


class PairsItem(_Item):
    kind: _kind("pairs")
    comparisons: int = Field(description="Decided votes, counted in the ranking.")
    cant_decide: int = Field(description='"Can\'t decide" answers (not counted).')
    skips: int = Field(description="Pairs skipped (not counted).")
    after_skip: int = Field(description="Answers given right after a skip: stored, not counted.")
    served: int = Field(description="Pairs shown.")
    method: labelled(METHOD_LABELS, "How `score` is computed.")
    proposals: list[PairResult] = Field(description="Accepted proposals, best first.")


ItemResult = Annotated[
    SingleChoiceItem | MultiChoiceItem | ScaleItem | FreeTextItem | BudgetItem | PlaceItem | ProposalItem | PairsItem,
    Field(discriminator="kind"),
]


class WithheldItem(_Strict):
    """A segment's item answered by fewer than the consultation's min_segment_size (or, in the whole, a district's
    budget with fewer ballots): only what names it."""

    key: str
    kind: labelled(KIND_LABELS, "The item's kind.")
    number: int = Field(description="1-based position in the consultation.")
    prompt: str
    withheld: Literal[True] = Field(
        description="Always true: in this segment the item was answered by fewer than "
        "the consultation's min_segment_size (or by a number that would "
        "give such a group back by subtraction), so its figures are "
        "withheld whole so nobody can be recognised."
    )


def _answered_or_withheld(item: object) -> str:
    withheld = item.get("withheld") if isinstance(item, dict) else isinstance(item, WithheldItem)
    return "withheld" if withheld else "answered"


SegmentItem = Annotated[
    Annotated[ItemResult, Tag("answered")] | Annotated[WithheldItem, Tag("withheld")],
    Discriminator(_answered_or_withheld),
]


class Segment(BaseModel):
    value: str | None = Field(description="The dimension's value; null for `unknown` and `other`.")
    kind: labelled(SEGMENT_KIND_LABELS, "What the segment holds.")
    label: str | None
    participants: int
    items: list[SegmentItem] = Field(
        description="The segment's results, item by item; an item answered by too "
        "few here is withheld (`withheld: true`)."
    )


class Results(BaseModel):
    """Every item's results, for the whole consultation and, with `?segment=`, per segment."""

    slug: str
    title: str
    status: labelled(STATUS_LABELS, "The consultation's state.")
    language: str = Field(description="Language of texts and labels.")
    computed_at: datetime
    min_segment_size: int = Field(description="No segment smaller than this is ever shown.")
    participants: int
    consented: int
    completed: int
    segment: labelled(SEGMENT_LABELS, "The dimension asked for with `?segment=`.") | None
    items: list[SegmentItem] = Field(
        description="The whole consultation; a district's budget (its `districts`) with fewer ballots than "
        "min_segment_size is withheld (`withheld: true`), as it would be in its region's segment."
    )
    segments: list[Segment] | None = Field(default=None, description="Only with `?segment=`.")


class PairsRankingRow(_Strict):
    rank: int
    proposal: int = Field(description="The proposal's id.")
    text: str
    score: float = Field(description=PAIR_SCORE)
    interval: Interval = Field(description=PAIR_INTERVAL)
    wins: int
    losses: int
    aoi_score: float = Field(description=AOI_SCORE)


class ProposalRankingRow(_Strict):
    rank: int
    proposal: int = Field(description="The proposal's id.")
    text: str
    score: float = Field(
        description="Top score, in %: the lower end of `interval`, so a statement with few votes "
        "does not outrank one with many."
    )
    interval: Interval = Field(
        description="95 % interval of the statement's support (the mean vote value, in %); `score` is its lower end."
    )
    support: float = Field(
        description="Mean vote value, in %: agree because I like it or it can be done 100, "
        "plain agree 80, agree but a platitude 40, neutral 25, disagree 0."
    )
    agree: float = Field(description="Share of votes that agree, 0..1.")
    zone: labelled(ZONE_LABELS, "Where the statement stands.")
    votes: int


class PairsRanking(_Strict):
    key: str
    kind: _kind("pairs")
    prompt: str
    ranking: list[PairsRankingRow]


class ProposalRanking(_Strict):
    key: str
    kind: _kind("proposal")
    prompt: str
    ranking: list[ProposalRankingRow]


class Ranking(BaseModel):
    """The proposal and pairs items' rankings, best first."""

    slug: str
    items: list[Annotated[PairsRanking | ProposalRanking, Field(discriminator="kind")]]


def _codes(labels: dict[str, str]) -> str:
    return "; ".join(f"`{code}` — {label}" for code, label in labels.items())


def answer_export_codes() -> str:
    """The codes of the answer exports' columns, each with its label (Markdown, for the routes' descriptions)."""
    from api.schemas import CHOICE_LABELS, PAIR_OUTCOME_LABELS

    reasons = "; ".join(f"after `{choice}`: {_codes(labels)}" for choice, labels in QUALIFICATION_LABELS.items())
    return "\n".join(
        [
            "Codes in the rows:",
            "",
            "* `type`: `answer` — an answer to a question; `vote` — a vote on a statement; `pair` — an answered pair.",
            f"* `item_kind`: {_codes(KIND_LABELS)}.",
            "* `option` (single choice) and the lists in `value` (multiple choice, budget): option keys, as "
            "`/results` names them.",
            f"* `choice`: {_codes(CHOICE_LABELS)}.",
            f'* `qualification` (the optional "why?" after a vote): {reasons}.',
            f"* `outcome`: {_codes(PAIR_OUTCOME_LABELS)}.",
            "* `after_skip`: true for an answer given right after a skip (stored, not counted in the ranking).",
        ]
    )
