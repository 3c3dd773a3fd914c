"""sortition-algorithms' own maximin on a pool: the reference the draw's chances are checked against."""

from __future__ import annotations

from collections.abc import Mapping

from sortition_algorithms.committee_generation import find_distribution_maximin, standardize_distribution
from sortition_algorithms.people import People
from sortition_algorithms.utils import set_random_provider

from api.scoring.sortition.draw import SOLVER, _features
from api.scoring.sortition.quotas import Quotas


def library_maximin(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int = 1) -> dict[str, float]:
    """Every volunteer's chance under the library's maximin distribution (its multiplicative-weights start
    draws from its random provider: seeded here so that a run is repeatable)."""
    features = _features(quotas)
    people = People(columns_to_keep=[])
    for row, (key, answers) in enumerate(sorted(pool.items()), start=1):
        people.add(key, {name: answers[name] for name in quotas.categories}, features, row)
    set_random_provider(seed)
    try:
        committees, weights, _report = find_distribution_maximin(features, people, quotas.size, [], SOLVER)
    finally:
        set_random_provider(0)  # back to the library's default (secure randomness), as the process found it
    committees, weights = standardize_distribution(committees, weights)
    chances = dict.fromkeys(pool, 0.0)
    for committee, weight in zip(committees, weights, strict=True):
        for key in committee:
            chances[key] += weight
    return chances
