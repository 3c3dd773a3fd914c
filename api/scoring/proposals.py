"""Results of a proposal item: agree / disagree / neutral votes with optional qualifications.

Every participant votes each statement agree, disagree or neutral and may
qualify the vote (agree: like_it / doable / platitude; disagree: no_way /
impossible / platitude; neutral: dont_understand / no_opinion / dont_care).
This module turns the counts into what an organiser reads:

* shares with 95 % Wilson intervals (:mod:`api.scoring.intervals`);
* a **zone**, in the spirit of Make.org's public reports (consensus,
  controversy, rejection, and a "limbo" for what cannot be classified yet);
* a **top score** to rank the best ideas and a **controversy score** to rank
  the most divisive ones.  Both use lower confidence bounds, so a statement
  with 3 enthusiastic votes does not outrank one with 300 merely good ones.

Zones (constants below; checked in this order)
----------------------------------------------
``limbo``
    Fewer than :data:`ZONE_MIN_VOTES` votes, or more than
    :data:`ZONE_MAX_NEUTRAL_SHARE` of them neutral: too little signal, or
    people mostly did not understand / did not care.  Also the fallback when
    none of the zones below is supported by the data yet.
``consensus`` (broad agreement)
    Agreement outnumbers disagreement at least 2:1
    (:data:`SUPERMAJORITY` of the decided votes), most voters overall agree
    (:data:`BROAD_SHARE`), and a majority of decided voters agreeing is
    established at 95 % (Wilson lower bound above 1/2).  The last condition
    is what keeps 7 agrees out of 10 in limbo while 70 out of 100 is a
    consensus.
``rejection`` (broad disagreement)
    The mirror image of consensus.
``controversy``
    Neither camp outnumbers the other 2:1 and both are substantial: the
    controversy score (twice the smaller camp's 95 % lower bound, see below) is
    at least :data:`CONTROVERSY_MIN_SCORE`, i.e. each camp is, with 95 %
    confidence, at least 15 % of all voters.

Scores
------
``support`` and ``top_score``
    Every vote is worth a value in [0, 1] (:data:`VOTE_VALUES`): agree
    with like_it/doable 1.0, plain agree 0.8, agree but platitude 0.4, neutral
    0.25, disagree 0.  ``support`` is the mean value with its 95 % Wilson
    interval (fractional successes); the top score is that interval's lower
    end, so it rewards enthusiastic agreement, penalises platitudes and
    disagreement, and grows with sample size.  0 without votes.  Wherever the
    top score is published with an interval, it is this one — the score is
    its lower end by construction.  (The ranking once paired the top score
    with the *agree share's* interval, another quantity: one plain agree vote
    scored 13.35 % beside an interval of [20.65, 100].)
``controversy_score``
    ``2 · min(lower(agree share), lower(disagree share))`` with 95 % Wilson
    lower bounds over all votes: 1.0 for an infinitely large 50/50 split, low
    when one camp is small, when many vote neutral, or when there are few
    votes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

import numpy as np

from core.vocabulary import QUALIFICATIONS

from .intervals import Z95, wilson_interval, wilson_intervals

ZONE_MIN_VOTES: int = 10
ZONE_MAX_NEUTRAL_SHARE: float = 0.5
SUPERMAJORITY: float = 2.0 / 3.0
BROAD_SHARE: float = 0.5
CONTROVERSY_MIN_SCORE: float = 0.3

VOTE_VALUES: dict[str, float] = {
    "agree.like_it": 1.0,
    "agree.doable": 1.0,
    "agree": 0.8,
    "agree.platitude": 0.4,
    "neutral": 0.25,
    "disagree": 0.0,
}
"""Value of one vote in the top score (neutral and disagree ignore their qualification)."""


class Zone(StrEnum):
    CONSENSUS = "consensus"
    CONTROVERSY = "controversy"
    REJECTION = "rejection"
    LIMBO = "limbo"


@dataclass(frozen=True)
class VoteCounts:
    """Votes on one statement; qualification counts are subsets of their choice's count."""

    agree: int = 0
    disagree: int = 0
    neutral: int = 0
    agree_like_it: int = 0
    agree_doable: int = 0
    agree_platitude: int = 0
    disagree_no_way: int = 0
    disagree_impossible: int = 0
    disagree_platitude: int = 0
    neutral_dont_understand: int = 0
    neutral_no_opinion: int = 0
    neutral_dont_care: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{f.name} must be a non-negative int, got {value!r}")
        for choice, names in QUALIFICATIONS.items():
            qualified = sum(getattr(self, f"{choice}_{q}") for q in names)
            if qualified > getattr(self, choice):
                raise ValueError(f"{choice} qualifications ({qualified}) exceed {choice} votes")

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.neutral

    def qualification(self, choice: str, name: str) -> int:
        if name not in QUALIFICATIONS.get(choice, ()):  # type: ignore[call-overload]  # checks any string
            raise ValueError(f"unknown qualification {choice}/{name}")
        count: int = getattr(self, f"{choice}_{name}")
        return count

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str | None, int]]) -> VoteCounts:
        """From ``SELECT choice, qualification, count(*) ... GROUP BY choice, qualification``."""
        totals: dict[str, int] = {}
        for choice, qualification, count in rows:
            if choice not in QUALIFICATIONS:
                raise ValueError(f"unknown choice {choice!r}")
            totals[choice] = totals.get(choice, 0) + int(count)
            if qualification is not None:
                if qualification not in QUALIFICATIONS[choice]:
                    raise ValueError(f"unknown qualification {choice}/{qualification}")
                key = f"{choice}_{qualification}"
                totals[key] = totals.get(key, 0) + int(count)
        return cls(**totals)

    @classmethod
    def from_votes(cls, votes: Iterable[tuple[str, str | None]]) -> VoteCounts:
        """From individual ``(choice, qualification)`` votes."""
        return cls.from_rows((choice, qualification, 1) for choice, qualification in votes)


@dataclass(frozen=True)
class Share:
    """``count`` out of ``n`` with its 95 % Wilson interval (0..1)."""

    count: int
    n: int
    value: float
    low: float
    high: float

    @classmethod
    def of(cls, count: int, n: int, z: float = Z95) -> Share:
        low, high = wilson_interval(count, n, z)
        return cls(count=count, n=n, value=(count / n if n else 0.0), low=low, high=high)


@dataclass(frozen=True)
class ProposalScore:
    """Everything the results page shows for one statement."""

    votes: int
    agree: Share
    disagree: Share
    neutral: Share
    agree_among_decided: Share
    """Agree share among agree + disagree votes (what the zones use)."""
    zone: Zone
    top_score: float
    """``support_low``: the same number, by construction."""
    controversy_score: float
    qualifications: dict[str, dict[str, Share]] = field(default_factory=dict)
    """Within-choice shares, e.g. ``qualifications["agree"]["like_it"]`` out of all agree votes."""
    support: float = 0.0
    """Mean vote value (0..1, :data:`VOTE_VALUES`)."""
    support_low: float = 0.0
    support_high: float = 1.0


def support(counts: VoteCounts, z: float = Z95) -> tuple[float, float, float]:
    """Mean vote value and its 95 % Wilson interval ``(value, low, high)``; ``(0, 0, 1)`` without votes."""
    n = counts.total
    if n == 0:
        return 0.0, 0.0, 1.0
    value = min(_value_sum(counts), float(n))
    low, high = wilson_interval(value, n, z)
    return value / n, low, high


def top_score(counts: VoteCounts, z: float = Z95) -> float:
    """95 % lower bound of the mean vote value (see module docstring); 0 without votes."""
    if counts.total == 0:
        return 0.0
    return support(counts, z)[1]


def _value_sum(counts: VoteCounts) -> float:
    """Sum of the votes' values (:data:`VOTE_VALUES`)."""
    strong = counts.agree_like_it + counts.agree_doable
    # A vote both "like it" and "doable" is impossible (one qualification per vote),
    # but guard against inconsistent input anyway.
    strong = min(strong, counts.agree)
    platitude = min(counts.agree_platitude, counts.agree - strong)
    plain = counts.agree - strong - platitude
    return (
        strong * VOTE_VALUES["agree.like_it"]
        + plain * VOTE_VALUES["agree"]
        + platitude * VOTE_VALUES["agree.platitude"]
        + counts.neutral * VOTE_VALUES["neutral"]
        + counts.disagree * VOTE_VALUES["disagree"]
    )


def controversy_score(counts: VoteCounts, z: float = Z95) -> float:
    """``2 · min(lower(agree share), lower(disagree share))``; 0 without votes."""
    n = counts.total
    if n == 0:
        return 0.0
    agree_low = wilson_interval(counts.agree, n, z)[0]
    disagree_low = wilson_interval(counts.disagree, n, z)[0]
    return 2.0 * min(agree_low, disagree_low)


def zone_of(counts: VoteCounts, z: float = Z95) -> Zone:
    """The zone of a statement (rules in the module docstring)."""
    n = counts.total
    if n < ZONE_MIN_VOTES or counts.neutral > ZONE_MAX_NEUTRAL_SHARE * n:
        return Zone.LIMBO
    decided = counts.agree + counts.disagree
    agree_ratio = counts.agree / decided
    disagree_ratio = 1.0 - agree_ratio
    if (
        agree_ratio >= SUPERMAJORITY
        and counts.agree >= BROAD_SHARE * n
        and wilson_interval(counts.agree, decided, z)[0] > 0.5
    ):
        return Zone.CONSENSUS
    if (
        disagree_ratio >= SUPERMAJORITY
        and counts.disagree >= BROAD_SHARE * n
        and wilson_interval(counts.disagree, decided, z)[0] > 0.5
    ):
        return Zone.REJECTION
    if (
        agree_ratio < SUPERMAJORITY
        and disagree_ratio < SUPERMAJORITY
        and controversy_score(counts, z) >= CONTROVERSY_MIN_SCORE
    ):
        return Zone.CONTROVERSY
    return Zone.LIMBO


def score_proposal(counts: VoteCounts, z: float = Z95) -> ProposalScore:
    """Shares, zone and scores of one statement."""
    n = counts.total
    decided = counts.agree + counts.disagree
    quals: dict[str, dict[str, Share]] = {
        choice: {name: Share.of(counts.qualification(choice, name), getattr(counts, choice), z) for name in names}
        for choice, names in QUALIFICATIONS.items()
    }
    mean, low, high = support(counts, z)
    return ProposalScore(
        votes=n,
        agree=Share.of(counts.agree, n, z),
        disagree=Share.of(counts.disagree, n, z),
        neutral=Share.of(counts.neutral, n, z),
        agree_among_decided=Share.of(counts.agree, decided, z),
        zone=zone_of(counts, z),
        top_score=low,
        controversy_score=controversy_score(counts, z),
        qualifications=quals,
        support=mean,
        support_low=low,
        support_high=high,
    )


def score_proposals(counts: Mapping[int, VoteCounts]) -> dict[int, ProposalScore]:
    """:func:`score_proposal` for every statement of an item."""
    return {pid: score_proposal(c) for pid, c in counts.items()}


def top_ranking(scores: Mapping[int, ProposalScore]) -> list[int]:
    """Proposal ids by top score, best first (ties: more votes first, then lower id)."""
    return sorted(scores, key=lambda pid: (-scores[pid].top_score, -scores[pid].votes, pid))


def controversy_ranking(scores: Mapping[int, ProposalScore]) -> list[int]:
    """Proposal ids by controversy score, most divisive first (ties: more votes, then lower id)."""
    return sorted(scores, key=lambda pid: (-scores[pid].controversy_score, -scores[pid].votes, pid))


# ---------------------------------------------------------------------------------------------- vectorised

COUNT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(VoteCounts))
"""Column order of the tables :func:`score_table` takes (the fields of :class:`VoteCounts`)."""
ZONE_CODES: tuple[Zone, ...] = (Zone.LIMBO, Zone.CONSENSUS, Zone.REJECTION, Zone.CONTROVERSY)


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """:func:`score_proposal` for many statements at once (arrays indexed like the input rows).

    ``count``/``low``/``high`` have one column per :data:`COUNT_FIELDS` entry: the choices' shares of all
    votes, and each qualification's share of its choice's votes.
    """

    votes: np.ndarray
    count: np.ndarray
    low: np.ndarray
    high: np.ndarray
    decided: np.ndarray
    agree_decided_low: np.ndarray
    agree_decided_high: np.ndarray
    zone: np.ndarray
    """Indices into :data:`ZONE_CODES`."""
    top_score: np.ndarray
    """The same array as ``support_low``."""
    controversy_score: np.ndarray
    support: np.ndarray
    support_low: np.ndarray
    support_high: np.ndarray

    def ranking(self) -> np.ndarray:
        """Row indices by top score (then more votes, then row order): like :func:`top_ranking` on ids in row order."""
        return np.lexsort((np.arange(self.votes.size), -self.votes, -self.top_score))

    def controversy_ranking(self) -> np.ndarray:
        return np.lexsort((np.arange(self.votes.size), -self.votes, -self.controversy_score))


def score_table(table: np.ndarray, z: float = Z95) -> ScoreTable:
    """Vectorised :func:`score_proposal`: ``table`` has one row per statement, columns :data:`COUNT_FIELDS`.

    Same rules and numbers as the scalar functions (up to float rounding), about 100× faster for large
    items; used by the results pages of items with thousands of statements and many segments.
    """
    c = np.asarray(table, dtype=float).reshape(-1, len(COUNT_FIELDS))
    col = {name: c[:, i] for i, name in enumerate(COUNT_FIELDS)}
    agree, disagree, neutral = col["agree"], col["disagree"], col["neutral"]
    n = agree + disagree + neutral
    bases = np.empty_like(c)
    for i, name in enumerate(COUNT_FIELDS):
        bases[:, i] = n if name in QUALIFICATIONS else col[name.split("_", 1)[0]]
    low, high = wilson_intervals(c, bases, z)
    decided = agree + disagree
    ad_low, ad_high = wilson_intervals(agree, decided, z)

    strong = np.minimum(col["agree_like_it"] + col["agree_doable"], agree)
    platitude = np.minimum(col["agree_platitude"], agree - strong)
    plain = agree - strong - platitude
    value = (
        strong * VOTE_VALUES["agree.like_it"]
        + plain * VOTE_VALUES["agree"]
        + platitude * VOTE_VALUES["agree.platitude"]
        + neutral * VOTE_VALUES["neutral"]
        + disagree * VOTE_VALUES["disagree"]
    )
    support_low, support_high = wilson_intervals(np.minimum(value, n), n, z)  # (0, 1) without votes
    mean = np.where(n > 0, np.minimum(value, n) / np.where(n > 0, n, 1.0), 0.0)
    agree_low, disagree_low = low[:, 0], low[:, 1]
    controversy = np.where(n > 0, 2.0 * np.minimum(agree_low, disagree_low), 0.0)

    safe = np.where(decided > 0, decided, 1.0)
    agree_ratio = np.where(decided > 0, agree / safe, 0.0)
    disagree_ratio = 1.0 - agree_ratio
    d_low = wilson_intervals(disagree, decided, z)[0]
    limbo = (n < ZONE_MIN_VOTES) | (neutral > ZONE_MAX_NEUTRAL_SHARE * n) | (decided == 0)
    consensus = ~limbo & (agree_ratio >= SUPERMAJORITY) & (agree >= BROAD_SHARE * n) & (ad_low > 0.5)
    rejection = ~limbo & ~consensus & (disagree_ratio >= SUPERMAJORITY) & (disagree >= BROAD_SHARE * n) & (d_low > 0.5)
    contested = (
        ~limbo
        & ~consensus
        & ~rejection
        & (agree_ratio < SUPERMAJORITY)
        & (disagree_ratio < SUPERMAJORITY)
        & (controversy >= CONTROVERSY_MIN_SCORE)
    )
    zone = np.select([consensus, rejection, contested], [1, 2, 3], default=0)
    return ScoreTable(
        votes=n.astype(np.int64),
        count=c.astype(np.int64),
        low=low,
        high=high,
        decided=decided.astype(np.int64),
        agree_decided_low=ad_low,
        agree_decided_high=ad_high,
        zone=zone,
        top_score=support_low,
        controversy_score=controversy,
        support=mean,
        support_low=support_low,
        support_high=support_high,
    )
