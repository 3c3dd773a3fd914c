"""A participatory-budgeting election as the counting rules see it: plain, exact data.

Costs, the budget and ballot points are integers (currency units, points), so
every sum the rules compare is exact; the Method of Equal Shares divides, and
does so with :class:`fractions.Fraction`, never with floats, because a float
rounding can turn a tie into a win (and a win into a tie).

Ties between projects are broken by one fixed order, the organiser's choice,
given as :attr:`Election.tie_order` (earlier wins).  Without one the rules
use Pabulib's and pabutools' convention, the project ids in ascending
*string* order (``"10"`` before ``"9"``), so that a count here and one by
pabutools on the same file agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Project:
    id: str
    cost: int


@dataclass(frozen=True)
class Election:
    budget: int
    projects: tuple[Project, ...]
    ballots: tuple[Mapping[str, int], ...]
    """Each voter's points per project id (approval: 1 per approved project); projects absent score 0."""
    tie_order: Sequence[str] | None = None
    _rank: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("two projects share an id")
        if any(p.cost < 0 for p in self.projects) or self.budget < 0:
            raise ValueError("costs and the budget are never negative")
        order = list(self.tie_order) if self.tie_order is not None else sorted(ids)
        if sorted(order) != sorted(ids):
            raise ValueError("tie_order must list every project exactly once")
        object.__setattr__(self, "_rank", {pid: i for i, pid in enumerate(order)})

    def tie_rank(self, project_id: str) -> int:
        """Position in the tie-breaking order: lower wins a tie."""
        return self._rank[project_id]

    def scores(self) -> dict[str, int]:
        """Total points per project (approval: its number of approvals)."""
        totals = {p.id: 0 for p in self.projects}
        for ballot in self.ballots:
            for pid, points in ballot.items():
                totals[pid] += points
        return totals

    def cost(self, project_ids: Sequence[str] | set[str]) -> int:
        costs = {p.id: p.cost for p in self.projects}
        return sum(costs[pid] for pid in project_ids)
