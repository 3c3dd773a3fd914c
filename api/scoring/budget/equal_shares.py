"""The Method of Equal Shares (MES), its ``add1`` completion and equalshares.net's comparison step.

**The rule** (Peters, Pierczyński, Skowron 2021; equalshares.net).  The budget
is split equally: each of the n voters holds B/n.  A project p can be bought
when its supporters (voters giving it positive utility u_i(p)) together still
hold its cost; buying it at *price* ρ means each supporter pays
min(b_i, ρ·u_i(p)) — the same price per unit of utility, except that a voter
who holds less pays all they have.  ρ(p) is the least price at which the
payments add up to cost(p).  Each round funds the affordable project with the
least ρ (ties: the election's tie order), takes the payments from the
supporters' budgets, and the count ends when no project is affordable.

Correctness of the price: order p's supporters by b_i/u_i(p) ascending.  With
the first k of them paying all they hold (sum P_k) and the rest paying ρ·u_i,
ρ = (cost − P_k) / (U − U_k) where U_k is the first k's utility; the least k
for which supporter k+1 can afford ρ·u_{k+1} ≤ b_{k+1} gives the least ρ,
because the payments are non-decreasing in ρ and every later supporter has a
larger b/u.  Prices only rise from round to round (budgets only shrink), so a
project whose last computed ρ already exceeds the round's best cannot win it:
the loop re-prices projects in ascending order of their last ρ and stops at
the first one whose old ρ is above the best new one (pabutools does the same).

Every quantity is a :class:`fractions.Fraction` (or an int): B/n, payments and
prices are exact, so a tie is a tie and is settled by the organiser's order,
never by rounding.  Spending never exceeds B: each voter pays at most what
they hold, and the holdings start at B/n each.

**Utilities.**  ``"cost"`` (equalshares.net's default for approval ballots: a
voter's utility for an approved project is its cost, so ρ is a share of the
cost) or ``"cardinality"`` (utility 1 per approved project, pabutools'
Cardinality_Sat).  For cumulative / scoring ballots u_i(p) is the voter's
points (times the cost with ``"cost"``).

**add1 completion** (what equalshares.net and Assen use): MES rarely spends
the whole budget, so count again with every voter's share raised by one
currency unit, B/n + 1, B/n + 2, …, for as long as the outcome still costs no
more than the real budget B; the result is the last outcome that fits.  It
stops early only when an outcome funds every project anyone supports (a larger
share cannot fund more).  It ends: once a voter's share reaches the
cost of all projects together, any one supporter can pay for everything they
support, so every supported project is funded, and either they all fit (the early stop) or the
outcome exceeds B.  Unlike pabutools' ``voter_budget_increment`` it does
not stop at the first *exhaustive* outcome (one that no further project fits
into): it goes on while the outcome fits, the project's reading of add1
(Assen 2024 is reproduced either way);
``stop_when_exhaustive=True`` gives pabutools' variant.  It does not count at every share: one count tells how
far the share can grow with every decision of that count unchanged, and the next count is at the first share of
the grid past that (``add1.py`` proves it exact), so the outcome is the +1 loop's at a few dozen counts instead of
one per unit (tens of thousands with few voters and a large budget).

**Comparison step** (equalshares.net's "satisfaction" comparison, optional):
a voter prefers the outcome that funds more of the projects they voted for
(points, for cumulative ballots: the same measure whatever ``utility`` MES
used); if more voters prefer the greedy outcome than prefer MES's, greedy's
outcome is the result (voters indifferent between the two do not count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from .add1 import add1
from .election import Election
from .greedy import greedy

UTILITIES = ("cost", "cardinality")


class _Prepared:
    """What every count of one election shares, computed once (add1 counts many times).

    Voters with the same ballot hold the same budget throughout a count (they
    support, and pay for, the same projects at the same prices), so they are
    one *group* with a multiplicity: the count is the same, and cheaper.
    """

    def __init__(self, election: Election, utility: str) -> None:
        if utility not in UTILITIES:
            raise ValueError(f"utility must be one of {UTILITIES}")
        self.election = election
        self.costs = {p.id: p.cost for p in election.projects}
        groups = Counter(frozenset((pid, points) for pid, points in b.items() if points > 0) for b in election.ballots)
        self.sizes = list(groups.values())
        self.supporters: dict[str, list[tuple[int, int]]] = {p.id: [] for p in election.projects}
        """project id → [(group, one voter's utility)] for the groups that support it."""
        for group, ballot in enumerate(groups):
            for pid, points in ballot:
                self.supporters[pid].append((group, points * self.costs[pid] if utility == "cost" else points))
        self.supported = {pid for pid, support in self.supporters.items() if support}

    def price(self, pid: str, budgets: list[Fraction]) -> Fraction | None:
        """The least ρ at which p's supporters pay its cost; None when together they hold less."""
        cost, sizes = self.costs[pid], self.sizes
        # Groups with the same (budget, utility) behave alike: merging them keeps the sort short while many
        # supporters still hold their untouched share.
        # (Keyed by numerator and denominator: hashing a Fraction costs a modular inverse, an int pair does not.)
        merged: dict[tuple[int, int, int], list[Any]] = {}  # [budget, utility, supporters]
        for group, u in self.supporters[pid]:
            budget = budgets[group]
            key = (budget.numerator, budget.denominator, u)
            if key in merged:
                merged[key][2] += sizes[group]
            else:
                merged[key] = [budget, u, sizes[group]]
        classes = sorted(merged.values(), key=lambda c: c[0] / c[1])
        if sum(b * k for b, _, k in classes) < cost:
            return None
        utility_left: int = sum(u * k for _, u, k in classes)
        paid = Fraction(0)
        for budget, u, count in classes:
            rho = (cost - paid) / utility_left
            if rho * u <= budget:
                return rho
            paid += budget * count
            utility_left -= u * count
        return None  # unreachable: the supporters hold the cost, so the last group can pay

    def count(self, per_voter: Fraction) -> list[str]:
        """MES with every voter holding ``per_voter``: funded project ids in the order funded."""
        election, costs, sizes = self.election, self.costs, self.sizes
        funded = [pid for pid in self.supporters if self.supporters[pid] and costs[pid] == 0]
        budgets = [Fraction(per_voter)] * len(sizes)  # one voter's budget, per group
        # last known price per project; prices never fall, so it is a lower bound
        lower: dict[str, Fraction] = {
            pid: Fraction(costs[pid], sum(u * sizes[g] for g, u in support))
            for pid, support in self.supporters.items()
            if support and costs[pid] > 0
        }
        while lower:
            best: tuple[Fraction, int, str] | None = None
            for pid in sorted(lower, key=lambda q: (lower[q], election.tie_rank(q))):
                if best is not None and (lower[pid], election.tie_rank(pid)) > best[:2]:
                    break
                rho = self.price(pid, budgets)
                if rho is None:
                    del lower[pid]
                    continue
                lower[pid] = rho
                key = (rho, election.tie_rank(pid), pid)
                if best is None or key < best:
                    best = key
            if best is None:
                break
            rho, _, pid = best
            for group, u in self.supporters[pid]:
                budgets[group] -= min(budgets[group], rho * u)
            funded.append(pid)
            del lower[pid]
        return funded


def equal_shares_fixed(election: Election, per_voter: Fraction, *, utility: str = "cost") -> list[str]:
    """MES with every voter holding ``per_voter``: funded project ids in the order funded."""
    return _Prepared(election, utility).count(per_voter)


def equal_shares(
    election: Election,
    *,
    utility: str = "cost",
    completion: str | None = "add1",
    stop_when_exhaustive: bool = False,
    comparison: bool = False,
) -> list[str]:
    """MES as the organiser chose it: ``completion`` None or ``"add1"``; ``comparison`` with greedy."""
    n = len(election.ballots)
    if n == 0:
        return []
    start = Fraction(election.budget, n)
    prepared = _Prepared(election, utility)
    if completion == "add1":
        outcome = add1(prepared, start, stop_when_exhaustive=stop_when_exhaustive)
    elif completion is None:
        outcome = prepared.count(start)
    else:
        raise ValueError(f"unknown completion {completion!r}")
    if comparison:
        outcome = _compare_with_greedy(election, outcome)
    return outcome


def _compare_with_greedy(election: Election, outcome: list[str]) -> list[str]:
    rival = greedy(election)
    value = _utility_of(election, "cardinality")
    mes_set, greedy_set = set(outcome), set(rival)
    prefer_greedy = prefer_mes = 0
    for ballot in election.ballots:
        a, b = value(ballot, mes_set), value(ballot, greedy_set)
        prefer_mes += a > b
        prefer_greedy += b > a
    return rival if prefer_greedy > prefer_mes else outcome


def _utility_of(election: Election, utility: str) -> Callable[[Mapping[str, int], set[str]], int]:
    costs = {p.id: p.cost for p in election.projects}

    def value(ballot: Mapping[str, int], chosen: set[str]) -> int:
        return sum(points * (costs[pid] if utility == "cost" else 1) for pid, points in ballot.items() if pid in chosen)

    return value
