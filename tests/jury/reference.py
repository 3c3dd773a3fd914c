"""sortition-algorithms' own maximin on a pool: the reference the draw's chances are checked against."""

from __future__ import annotations

from collections.abc import Mapping

from sortition_algorithms.committee_generation import (
    find_distribution_leximin,
    find_distribution_maximin,
    standardize_distribution,
)
from sortition_algorithms.people import People
from sortition_algorithms.utils import set_random_provider

from api.scoring.sortition.draw import SOLVER, _features
from api.scoring.sortition.quotas import Quotas


def _people(pool: Mapping[str, Mapping[str, str]], quotas: Quotas) -> People:
    features = _features(quotas)
    people = People(columns_to_keep=[])
    for row, (key, answers) in enumerate(sorted(pool.items()), start=1):
        people.add(key, {name: answers[name] for name in quotas.categories}, features, row)
    return people


def _chances(
    pool: Mapping[str, Mapping[str, str]], committees: list[frozenset[str]], weights: list[float]
) -> dict[str, float]:
    committees, weights = standardize_distribution(committees, weights)
    chances = dict.fromkeys(pool, 0.0)
    for committee, weight in zip(committees, weights, strict=True):
        for key in committee:
            chances[key] += weight
    return chances


def library_maximin(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int = 1) -> dict[str, float]:
    """Every volunteer's chance under the library's maximin distribution (its multiplicative-weights start
    draws from its random provider: seeded here so that a run is repeatable)."""
    set_random_provider(seed)
    try:
        people = _people(pool, quotas)
        committees, weights, _ = find_distribution_maximin(_features(quotas), people, quotas.size, [], SOLVER)
    finally:
        set_random_provider(0)  # back to the library's default (secure randomness), as the process found it
    return _chances(pool, committees, weights)


def library_leximin(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int = 1) -> dict[str, float]:
    """Every volunteer's chance under the library's LEXIMIN, on Gurobi: gurobipy comes with the test extra
    (pabutools needs it) and its licence without registration solves programmes of a few volunteers' size."""
    set_random_provider(seed)
    try:
        people = _people(pool, quotas)
        committees, weights, _ = find_distribution_leximin(_features(quotas), people, quotas.size, [], SOLVER)
    finally:
        set_random_provider(0)
    return _chances(pool, committees, weights)
