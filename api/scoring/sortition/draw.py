"""Drawing a panel: sortition-algorithms' maximin distribution over valid panels, then one panel by the seed.

This is what ``sortition_algorithms.find_random_sample(selection_algorithm="maximin")`` does, step by step, so
that the distribution's per-volunteer probabilities are kept for the audit (the library only prints them): the
same pool, quotas and seed give the same panel as the library's own run with that seed.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from requests.structures import CaseInsensitiveDict
from sortition_algorithms import InfeasibleQuotasCantRelaxError, InfeasibleQuotasError
from sortition_algorithms import utils as sortition_utils
from sortition_algorithms.committee_generation import find_distribution_maximin, standardize_distribution
from sortition_algorithms.core import lottery_rounding
from sortition_algorithms.features import FeatureCollection, FeatureValueMinMax, set_default_max_flex
from sortition_algorithms.people import People
from sortition_algorithms.utils import RandomProvider

from api.scoring.sortition.quotas import Quotas

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

# Said in every draw and audit: LEXIMIN needs Gurobi (commercial, not installed), so maximin on HiGHS runs.
DRAW_ALGORITHM = "maximin"
SOLVER = "highspy"
ALGORITHM_NOTE = "maximin (sortition-algorithms on the HiGHS solver); LEXIMIN needs Gurobi, which is not available"


@dataclass(frozen=True)
class Relaxation:
    """One quota moved so that the quotas can be met: ``category``'s ``value`` from ``bound`` ``old`` to ``new``."""

    category: str
    value: str
    bound: str  # "min" or "max"
    old: int
    new: int


class InfeasibleQuotas(Exception):
    """No panel meets every quota. ``relaxations``: the smallest change that would make one possible (empty when
    none would, e.g. a pool smaller than the panel)."""

    def __init__(self, relaxations: list[Relaxation], reason: str) -> None:
        super().__init__(reason)
        self.relaxations = relaxations
        self.reason = reason


class PoolError(ValueError):
    """The pool does not fit the quotas (a volunteer's value with no quota, a category missing)."""


@dataclass(frozen=True)
class Draw:
    selected: list[str]  # the volunteers' keys, sorted
    probabilities: dict[str, float]  # every volunteer's chance of selection under the distribution
    algorithm: str
    note: str
    panels: int  # how many distinct panels the distribution mixes


def library_seed(seed: int) -> int:
    """The library treats a seed of 0 as "no seed" (secure randomness): every seed is mapped to a non-zero one."""
    digest = hashlib.sha256(f"viche-jury:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") | 1


class _SeededProvider(RandomProvider):
    """The library's seeded provider (``GenRandom``) on a generator of its own: ``GenRandom`` reseeds Python's
    global ``random``, which the rest of the process shares (the delivery engine's back-off jitter draws from it
    on the event loop while a draw runs in its thread). The same seed gives the same sequence, so the same panel
    as the library's own seeded run."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)  # reproducible on purpose: the audit reruns the draw

    def uniform(self, lower: float, upper: float) -> float:  # type: ignore[override]
        return self._random.uniform(lower, upper)

    def randbelow(self, upper: int) -> int:  # type: ignore[override]
        return self._random.randrange(upper)

    def randint(self) -> int:  # type: ignore[override]
        return self.randbelow(self.max_int)

    def choice(self, seq: SupportsLenAndGetItem[str]) -> str:  # type: ignore[override]
        return self._random.choice(seq)


# The library reads its provider from a module global (its only way in is set_random_provider, which reseeds the
# global ``random``): one draw at a time sets it, and puts back what it found.
_provider_lock = threading.Lock()


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    with _provider_lock:
        found = sortition_utils._random_provider
        sortition_utils._random_provider = _SeededProvider(library_seed(seed))
        try:
            yield
        finally:
            sortition_utils._random_provider = found


def _features(quotas: Quotas) -> FeatureCollection:
    features: FeatureCollection = CaseInsensitiveDict()
    for name, values in quotas.categories.items():
        features[name] = CaseInsensitiveDict(
            {value: FeatureValueMinMax(min=q.min, max=q.max) for value, q in values.items()}
        )
    set_default_max_flex(features)
    return features


def _people(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, features: FeatureCollection) -> People:
    known = {name: {value.lower() for value in values} for name, values in quotas.categories.items()}
    for name, values in known.items():
        missing = sum(1 for answers in pool.values() if not answers.get(name))
        unknown = sorted(
            {answers[name] for answers in pool.values() if answers.get(name) and answers[name].lower() not in values}
        )
        if missing:
            raise PoolError(f"{missing} volunteer(s) have no value for the category {name!r}")
        if unknown:
            raise PoolError(f"category {name!r}: values in the pool without a quota: {', '.join(unknown)}")
    people = People(columns_to_keep=[])
    for row, (key, answers) in enumerate(sorted(pool.items()), start=1):
        people.add(key, {name: answers[name] for name in quotas.categories}, features, row)
    return people


def _relaxations(quotas: Quotas, relaxed: FeatureCollection) -> list[Relaxation]:
    changes: list[Relaxation] = []
    for name, values in quotas.categories.items():
        for value, quota in values.items():
            moved = relaxed[name][value]
            if moved.min != quota.min:
                changes.append(Relaxation(name, value, "min", quota.min, moved.min))
            if moved.max != quota.max:
                changes.append(Relaxation(name, value, "max", quota.max, moved.max))
    return changes


def draw(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int) -> Draw:
    """The panel for ``quotas`` from ``pool`` (volunteer key → category → value), reproducible from ``seed``.

    Raises :class:`InfeasibleQuotas` (with the library's smallest relaxation) when no panel meets the quotas and
    :class:`PoolError` when the pool's values do not match the quotas' categories.
    """
    if len(pool) < quotas.size:
        raise InfeasibleQuotas([], f"the pool has {len(pool)} volunteers, fewer than the panel's {quotas.size}")
    features = _features(quotas)
    people = _people(pool, quotas, features)
    with _seeded(seed):
        try:
            committees, weights, _report = find_distribution_maximin(features, people, quotas.size, [], SOLVER)
        except InfeasibleQuotasError as error:
            raise InfeasibleQuotas(_relaxations(quotas, error.features), "no panel meets every quota") from error
        except InfeasibleQuotasCantRelaxError as error:
            raise InfeasibleQuotas([], "no panel meets every quota, and no relaxation of them would") from error
        committees, weights = standardize_distribution(committees, weights)
        panel = lottery_rounding(committees, weights, 1)[0]
    probabilities = dict.fromkeys(pool, 0.0)
    for committee, weight in zip(committees, weights, strict=True):
        for key in committee:
            probabilities[key] += weight
    return Draw(sorted(panel), probabilities, DRAW_ALGORITHM, ALGORITHM_NOTE, len(committees))
