"""The fairest distribution over a panel's compositions: leximin over volunteer types, on HiGHS.

Volunteers who gave the same answer in every category (a *type*) are interchangeable for the quotas, so a
distribution over panels only needs to say how many of each type a panel holds (its *composition*); the members
are then drawn uniformly within their type, and a volunteer's chance is the expected count of their type divided
by the type's size. By that symmetry the volunteers' leximin chances (sortition-algorithms' LEXIMIN, which needs
Gurobi) are equal within a type, and they are the leximin of the types' chances computed here: a few dozen
integer variables per programme instead of one binary variable per volunteer, whatever the pool's size.

Leximin by levels, each by column generation (Flanigan et al., "Fair algorithms for selecting citizens'
assemblies", Nature 2021): maximise the smallest chance of the types not yet fixed, keeping the fixed ones at
their level; the restricted programme holds the compositions found so far, and a composition that would raise
the level is found by an integer programme over compositions weighted by the restricted programme's duals. When
none would, the types whose constraint has a positive dual cannot rise above the level in any optimal
distribution (complementary slackness): they are fixed there, and the next level begins. The first level is
the maximin (the smallest chance as large as the quotas allow), as sortition-algorithms' maximin computes it.

The linear programmes run on HiGHS through SciPy (``linprog``/``milp``), which the project already depends on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

# A composition enters the restricted programme when it would raise the level by more than this: far below the
# 1e-6 at which chances are compared and published, far above HiGHS's own tolerances (1e-7 relative, on duals
# that sum to 1 this is absolute).
IMPROVEMENT = 1e-9
# A type whose constraint's dual exceeds this is at the level in every optimal distribution.
BINDING = 1e-7
# Fixed types are held at their level less this, so that rounding in the solver never makes a level infeasible.
SLACK = 1e-10


class SolverError(RuntimeError):
    """HiGHS did not solve a programme that has a solution (a numerical failure, not infeasible quotas)."""


@dataclass(frozen=True)
class CountProblem:
    """Panels as compositions: ``sizes[t]`` volunteers of type ``t``; ``panel`` seats; for each quota, the
    types counted in it and its least and most members."""

    sizes: tuple[int, ...]
    panel: int
    quotas: tuple[tuple[tuple[int, ...], int, int], ...]


@dataclass(frozen=True)
class Distribution:
    compositions: tuple[tuple[int, ...], ...]  # members of each type, per panel composition (sorted)
    weights: tuple[float, ...]  # each composition's probability; they add up to 1
    chances: tuple[float, ...]  # each type's members' chance of selection
    levels: int  # leximin levels computed (1: every type's chance is the maximin)


class _Compositions:
    """The integer programme over compositions: the one with the largest weight that meets every quota."""

    def __init__(self, problem: CountProblem) -> None:
        types = len(problem.sizes)
        matrix = np.zeros((1 + len(problem.quotas), types))
        lower = np.zeros(1 + len(problem.quotas))
        upper = np.zeros(1 + len(problem.quotas))
        matrix[0, :] = 1
        lower[0] = upper[0] = problem.panel
        for row, (counted, low, high) in enumerate(problem.quotas, start=1):
            matrix[row, list(counted)] = 1
            lower[row], upper[row] = low, high
        self._constraints = LinearConstraint(matrix, lower, upper)
        self._bounds = Bounds(np.zeros(types), np.minimum(np.array(problem.sizes, dtype=float), problem.panel))
        self._integrality = np.ones(types)

    def best(self, weights: np.ndarray) -> tuple[int, ...] | None:
        """The composition of largest ``weights · counts`` (exactly: no optimality gap), None when no panel
        meets the quotas."""
        result = milp(
            -weights,
            integrality=self._integrality,
            bounds=self._bounds,
            constraints=self._constraints,
            options={"mip_rel_gap": 0.0},
        )
        if result.status == 2:
            return None
        if result.status != 0 or result.x is None:
            raise SolverError(f"the composition programme failed: {result.message}")
        return tuple(round(count) for count in result.x)


def feasible(problem: CountProblem) -> bool:
    return _Compositions(problem).best(np.zeros(len(problem.sizes))) is not None


def _restricted(
    columns: list[tuple[int, ...]], sizes: np.ndarray, fixed: dict[int, float], free: list[int]
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Maximise the level ``z`` that every free type's chance reaches, fixed types at their level, over the
    compositions in ``columns``. Returns the level, the weights, the types' duals (≥ 0) and the dual of
    "the weights add up to 1"."""
    chances = np.array(columns, dtype=float).T / sizes[:, None]  # type × composition
    rows = free + sorted(fixed)
    count = len(columns)
    a_ub = np.zeros((len(rows), count + 1))
    b_ub = np.zeros(len(rows))
    for row, kind in enumerate(rows):
        a_ub[row, :count] = -chances[kind]
        if kind in fixed:
            b_ub[row] = -(fixed[kind] - SLACK)
        else:
            a_ub[row, count] = 1.0
    a_eq = np.zeros((1, count + 1))
    a_eq[0, :count] = 1.0
    objective = np.zeros(count + 1)
    objective[count] = -1.0
    result = linprog(
        objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=[(0, None)] * count + [(0, 1)], method="highs"
    )
    if result.status != 0:
        raise SolverError(f"the distribution programme failed: {result.message}")
    duals = np.zeros(len(sizes))
    duals[rows] = -np.asarray(result.ineqlin.marginals)
    return (
        float(result.x[count]),
        np.asarray(result.x[:count]),
        np.maximum(duals, 0.0),
        float(result.eqlin.marginals[0]),
    )


def leximin(problem: CountProblem) -> Distribution | None:
    """The leximin distribution over compositions, None when no panel meets the quotas."""
    compositions = _Compositions(problem)
    kinds = len(problem.sizes)
    sizes = np.array(problem.sizes, dtype=float)
    columns: list[tuple[int, ...]] = []
    fixed: dict[int, float] = {}
    # A start: the panel that favours the smallest types (their chances are the hardest to raise). A type that
    # no panel can hold (a quota of 0 for one of its values) binds at the first level, at 0.
    column = compositions.best(1.0 / sizes)
    if column is None:
        return None
    columns.append(column)
    levels = 0
    while True:
        free = [kind for kind in range(kinds) if kind not in fixed]
        level, weights, duals, total = _restricted(columns, sizes, fixed, free)
        column = compositions.best(duals / sizes)
        if column is not None and column not in columns and np.dot(duals / sizes, column) > -total + IMPROVEMENT:
            columns.append(column)
            continue
        # No composition raises the level: the binding types stay there (if rounding hides every dual, the
        # largest one's type, so that each level fixes at least one type and the loop ends).
        levels += 1
        binding = [kind for kind in free if duals[kind] > BINDING] or [max(free, key=lambda kind: duals[kind])]
        for kind in binding:
            fixed[kind] = level
        if len(fixed) == kinds:
            break  # the current weights hold every type at its level
    kept = [(column, weight) for column, weight in zip(columns, weights, strict=True) if weight > SLACK]
    kept.sort()
    total_weight = sum(weight for _, weight in kept)
    normal = tuple(weight / total_weight for _, weight in kept)
    chances = np.zeros(kinds)
    for (column, _), weight in zip(kept, normal, strict=True):
        chances += weight * np.array(column, dtype=float)
    return Distribution(
        compositions=tuple(column for column, _ in kept),
        weights=normal,
        chances=tuple(float(chance) for chance in chances / sizes),
        levels=levels,
    )
