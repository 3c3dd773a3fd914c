"""The add1 completion of the Method of Equal Shares, counting only at the shares where the count may change.

add1 counts MES with every voter holding B/n, B/n + 1, B/n + 2, … (``equal_shares.py`` says when it stops).  With
few voters and a large budget nearly all those counts are the same count: 24 voters and a budget of 1 000 000 made
tens of thousands of them.  This module counts once at a share s and learns from that count how far the share can
grow with every decision of the count unchanged; the counts in between are skipped, exactly.

**Why a count is affine in the share.**  Count MES with every voter holding x.  While every decision stays the
same — which project each round funds, and, for its price, which of its supporters pay all they hold — every
quantity is an affine function of x: budgets start at x; a price is (cost − what the supporters paying all they
hold have) / (the other supporters' utility), affine when the budgets are; a payment is a budget, or the price
times a utility; so the budgets after the round are affine again.  One count at x = s gives each quantity's value
and slope, and each decision holds while an affine function keeps its sign: up to its root.  The count is the same
on [s, s + δ), δ the nearest root ahead (at s + δ too when every condition there is an "at least") over:

- the round's winner: each supporter paying all they hold still holds at most price × utility, every other still
  holds at least that (then the payments still add up to the cost and the price is still the least one);
- every project still open after the round: its price is still above the winner's (or equal, when it comes later
  in the tie order).  Its price need not be known: any lower bound of it that is affine in x does.  The last price
  the count computed for it is one (prices never fall within a count), and so is the formula of a price for *any*
  set K of supporters paying all they hold: the true price ρ* has cost = Σ min(b_i, ρ*·u_i) ≤ Σ_K b_i +
  ρ*·(U − U_K), so ρ* ≥ (cost − Σ_K b_i) / (U − U_K), at every x;
- every project a round found unaffordable: its supporters together still hold less than its cost (they hold
  less still in later rounds, so it stays out).

Induction over the rounds shows that at every x in that interval the count makes the decisions it made at s: the
same projects in the same order.  add1 then counts next at the first share of its grid (B/n + a whole number)
where a condition may fail, and so counts at every share where the +1 loop's outcome may change, and funds what
it funds (``tests/budget/test_add1_jumps.py`` compares the two on random elections and on the shared Pabulib
files).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .equal_shares import _Prepared

_ZERO = Fraction(0)
_ONE = Fraction(1)


class _Reach:
    """How far the share may grow with the count unchanged: the nearest root ahead of the conditions it rests on."""

    __slots__ = ("limit",)

    def __init__(self) -> None:
        self.limit: tuple[Fraction, bool] | None = None
        """(δ, reached): the count is the same for an increase below δ, and at δ too when reached."""

    def holds(self, value: Fraction, slope: Fraction, *, strict: bool) -> None:
        """A decision that holds while value + slope·t ≥ 0 (> 0 when strict), t the share's increase (holds at 0)."""
        if slope >= 0:
            return
        candidate = (value / -slope, not strict)
        if self.limit is None or candidate < self.limit:
            self.limit = candidate

    def steps(self) -> int | None:
        """Whole units the share may grow by before the count may change (at least 1); None: it never changes."""
        if self.limit is None:
            return None
        delta, reached = self.limit
        return max(1, math.floor(delta) + 1 if reached else math.ceil(delta))


class _Class:
    """A project's supporters holding the same budget with the same utility (priced alike)."""

    __slots__ = ("budget", "count", "slope_max", "slope_min", "slope_sum", "utility")

    def __init__(self, budget: Fraction, utility: int, count: int, slope: Fraction) -> None:
        self.budget, self.utility, self.count = budget, utility, count
        self.slope_sum, self.slope_min, self.slope_max = slope * count, slope, slope


class _Price:
    """A project's least price at the counted share, its slope in the share, and what it rests on."""

    __slots__ = ("classes", "paying_all", "rho", "slope")

    def __init__(self, rho: Fraction, slope: Fraction, classes: Sequence[_Class], paying_all: int) -> None:
        self.rho, self.slope, self.classes, self.paying_all = rho, slope, classes, paying_all

    def rests_on(self, reach: _Reach) -> None:
        """The winner's conditions: the first ``paying_all`` classes hold at most ρ·u, the others at least."""
        for i, c in enumerate(self.classes):
            if i < self.paying_all:
                reach.holds(self.rho * c.utility - c.budget, self.slope * c.utility - c.slope_max, strict=False)
            else:
                reach.holds(c.budget - self.rho * c.utility, c.slope_min - self.slope * c.utility, strict=False)


def _price(
    prepared: _Prepared, pid: str, budgets: list[Fraction], slopes: list[Fraction]
) -> _Price | tuple[Fraction, Fraction]:
    """p's least price as ``_Prepared.price`` finds it, with slopes; (held, its slope) when they hold less than p."""
    cost, sizes = prepared.costs[pid], prepared.sizes
    merged: dict[tuple[int, int, int], _Class] = {}
    for group, u in prepared.supporters[pid]:
        budget, slope, size = budgets[group], slopes[group], sizes[group]
        key = (budget.numerator, budget.denominator, u)
        c = merged.get(key)
        if c is None:
            merged[key] = _Class(budget, u, size, slope)
        else:
            c.count += size
            c.slope_sum += slope * size
            c.slope_min, c.slope_max = min(c.slope_min, slope), max(c.slope_max, slope)
    classes = sorted(merged.values(), key=lambda c: c.budget / c.utility)
    held = sum((c.budget * c.count for c in classes), _ZERO)
    if held < cost:
        return held, sum((c.slope_sum for c in classes), _ZERO)
    utility_left: int = sum(c.utility * c.count for c in classes)
    paid, paid_slope = _ZERO, _ZERO
    for i, c in enumerate(classes):
        rho = (cost - paid) / utility_left
        if rho * c.utility <= c.budget:
            return _Price(rho, -paid_slope / utility_left, classes, i)
        paid += c.budget * c.count
        paid_slope += c.slope_sum
        utility_left -= c.utility * c.count
    raise AssertionError("unreachable: the supporters hold the cost, so the last class can pay")


def count_with_steps(prepared: _Prepared, per_voter: Fraction) -> tuple[list[str], int | None]:
    """MES with every voter holding ``per_voter`` (as ``_Prepared.count``), and by how many whole units the share
    may grow before the count may change (None: never)."""
    election, costs, sizes, supporters = prepared.election, prepared.costs, prepared.sizes, prepared.supporters
    funded = [pid for pid in supporters if supporters[pid] and costs[pid] == 0]
    budgets = [Fraction(per_voter)] * len(sizes)
    slopes = [_ONE] * len(sizes)
    # last known price per project and its slope: a lower bound at every share (see the module's docstring)
    lower: dict[str, tuple[Fraction, Fraction]] = {
        pid: (Fraction(costs[pid], sum(u * sizes[g] for g, u in support)), _ZERO)
        for pid, support in supporters.items()
        if support and costs[pid] > 0
    }
    reach = _Reach()
    while lower:
        best: tuple[Fraction, int, str] | None = None
        winner: _Price | None = None
        for pid in sorted(lower, key=lambda q: (lower[q][0], election.tie_rank(q))):
            if best is not None and (lower[pid][0], election.tie_rank(pid)) > best[:2]:
                break
            priced = _price(prepared, pid, budgets, slopes)
            if not isinstance(priced, _Price):
                held, held_slope = priced
                reach.holds(costs[pid] - held, -held_slope, strict=True)
                del lower[pid]
                continue
            lower[pid] = (priced.rho, priced.slope)
            key = (priced.rho, election.tie_rank(pid), pid)
            if best is None or key < best:
                best, winner = key, priced
        if best is None or winner is None:
            break
        rho, rank, pid = best
        del lower[pid]
        winner.rests_on(reach)
        for other, (bound, bound_slope) in lower.items():
            reach.holds(bound - rho, bound_slope - winner.slope, strict=election.tie_rank(other) < rank)
        for group, u in supporters[pid]:
            payment = rho * u
            if payment > budgets[group]:
                budgets[group], slopes[group] = _ZERO, _ZERO
            else:
                budgets[group] -= payment
                slopes[group] -= winner.slope * u
        funded.append(pid)
    return funded, reach.steps()


def add1(prepared: _Prepared, start: Fraction, *, stop_when_exhaustive: bool) -> list[str]:
    """The add1 completion from the share ``start`` = B/n (``equal_shares.py`` describes it)."""
    election, costs = prepared.election, prepared.costs
    outcome, steps = count_with_steps(prepared, start)
    increase = 0
    while set(outcome) != prepared.supported:
        if stop_when_exhaustive and exhaustive(election.budget, outcome, costs):
            break
        increase += steps or 1  # (never None here: a count that never changes would fund every supported project)
        bigger, steps = count_with_steps(prepared, start + increase)
        if sum(costs[pid] for pid in bigger) > election.budget:
            break
        outcome = bigger
    return outcome


def exhaustive(budget: int, outcome: Sequence[str], costs: dict[str, int]) -> bool:
    """No project left out fits in what the outcome leaves of the budget."""
    left = budget - sum(costs[pid] for pid in outcome)
    return all(cost > left for pid, cost in costs.items() if pid not in outcome)
