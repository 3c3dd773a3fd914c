"""The leximin over types against a plain computation of it: every panel composition listed, each level's
binding types found by trying to raise each one (no duals, no column generation)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from scipy.optimize import linprog

from api.scoring.sortition.leximin import CountProblem, feasible, leximin

# Two categories: A (3 values) × B (2 values), six types: (a1,b1), (a1,b2), (a2,b1), (a2,b2), (a3,b1), (a3,b2).
A = ((0, 1), (2, 3), (4, 5))
B = ((0, 2, 4), (1, 3, 5))


def _problem(sizes: tuple[int, ...], panel: int, a: list[tuple[int, int]], b: list[tuple[int, int]]) -> CountProblem:
    rows = [(counted, low, high) for counted, (low, high) in zip(A + B, a + b, strict=True)]
    return CountProblem(sizes, panel, tuple(rows))


def _compositions(problem: CountProblem) -> list[tuple[int, ...]]:
    ranges = [range(min(size, problem.panel) + 1) for size in problem.sizes]
    return [
        counts
        for counts in itertools.product(*ranges)
        if sum(counts) == problem.panel
        and all(low <= sum(counts[t] for t in counted) <= high for counted, low, high in problem.quotas)
    ]


def _best(chances: np.ndarray, target: int | None, floors: dict[int, float], free: list[int], level: float) -> float:
    """Maximise the level of the free types (target None) or type ``target``'s chance with the free types at
    ``level`` or more, the others at their floors, over every composition."""
    kinds, count = chances.shape
    rows, bounds = [], []
    for kind in range(kinds):
        row = np.zeros(count + 1)
        row[:count] = -chances[kind]
        if target is None and kind in free:
            row[count] = 1.0
            bounds.append(0.0)
        else:
            bounds.append(-(floors.get(kind, level) - 1e-9))
        rows.append(row)
    objective = np.zeros(count + 1)
    if target is None:
        objective[count] = -1.0
    else:
        objective[:count] = -chances[target]
    equal = np.zeros((1, count + 1))
    equal[0, :count] = 1.0
    result = linprog(objective, A_ub=np.array(rows), b_ub=bounds, A_eq=equal, b_eq=[1.0], bounds=(0, 1))
    assert result.status == 0
    return float(-result.fun)


def _plain_leximin(problem: CountProblem) -> list[float]:
    columns = _compositions(problem)
    chances = np.array(columns, dtype=float).T / np.array(problem.sizes, dtype=float)[:, None]
    fixed: dict[int, float] = {}
    while len(fixed) < len(problem.sizes):
        free = [kind for kind in range(len(problem.sizes)) if kind not in fixed]
        level = _best(chances, None, fixed, free, 0.0)
        stuck = [kind for kind in free if _best(chances, kind, fixed, free, level) <= level + 1e-7]
        assert stuck
        fixed |= dict.fromkeys(stuck, level)
    return [fixed[kind] for kind in range(len(problem.sizes))]


CASES = [
    _problem((5, 1, 3, 2, 8, 4), 5, [(1, 2), (1, 2), (1, 3)], [(2, 3), (2, 3)]),
    _problem((5, 1, 3, 2, 8, 4), 5, [(1, 3), (2, 4), (0, 0)], [(2, 3), (2, 3)]),  # a3 is left out by its quota
    _problem((1, 1, 1, 1, 9, 9), 4, [(1, 2), (1, 2), (0, 4)], [(2, 2), (2, 2)]),  # a1, a2 must be drawn at most
]
rng = random.Random(19)
for _ in range(4):
    panel = rng.randint(3, 6)
    CASES.append(
        _problem(
            tuple(rng.randint(1, 7) for _ in range(6)),
            panel,
            [(rng.randint(0, 1), rng.randint(2, panel)) for _ in A],
            [(rng.randint(0, 2), panel) for _ in B],
        )
    )


@pytest.mark.parametrize("problem", [case for case in CASES if _compositions(case)])
def test_the_leximin_over_types_is_the_plain_one(problem):
    distribution = leximin(problem)
    assert distribution is not None
    assert distribution.chances == pytest.approx(_plain_leximin(problem), abs=1e-6)
    assert sum(distribution.weights) == pytest.approx(1.0)
    listed = set(_compositions(problem))
    assert all(composition in listed for composition in distribution.compositions)
    expected = np.array(distribution.weights) @ np.array(distribution.compositions) / np.array(problem.sizes)
    assert list(expected) == pytest.approx(list(distribution.chances), abs=1e-9)


def test_quotas_no_composition_meets_have_no_distribution():
    problem = _problem((5, 1, 3, 2, 8, 4), 5, [(3, 3), (3, 3), (0, 5)], [(0, 5), (0, 5)])  # 6 of 5 seats
    assert _compositions(problem) == [] and not feasible(problem) and leximin(problem) is None
