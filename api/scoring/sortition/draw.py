"""Drawing a panel: the leximin distribution over the panel's compositions by type, then one panel by the seed.

The distribution is computed over volunteer types (api/scoring/sortition/leximin.py); the seed then picks one
composition by its probability and, within each type, its members uniformly, so that every volunteer's chance
is their type's. sortition-algorithms, which the tests keep as the reference (its maximin gives the same
smallest chance; tests/jury/test_draw.py), computes the same distribution over individual volunteers with one
integer programme per volunteer: 140 s for 300 volunteers, hours for 10 000 (BENCHMARKS.md). The library still
says how to relax quotas that no panel meets, on a pool cut to what a panel can use of each type.

A *complementary* draw fills the seats left open after some invited volunteers declined or did not answer: the
accepted members stay, the quotas less what they already fill are drawn from the volunteers still available.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from requests.structures import CaseInsensitiveDict
from sortition_algorithms import InfeasibleQuotasCantRelaxError, InfeasibleQuotasError
from sortition_algorithms.committee_generation import setup_committee_generation
from sortition_algorithms.features import FeatureCollection, FeatureValueMinMax, set_default_max_flex
from sortition_algorithms.people import People

from api.scoring.sortition.leximin import Distribution, leximin
from api.scoring.sortition.pool_types import PoolError, PoolTypes, check_pool, pool_types
from api.scoring.sortition.quotas import Quota, Quotas

__all__ = [
    "ALGORITHM_NOTE",
    "DRAW_ALGORITHM",
    "Draw",
    "InfeasibleQuotas",
    "PoolError",
    "Relaxation",
    "complementary_draw",
    "draw",
]

# Said in every draw and audit (and stored with it: at most 32 characters, storage/models_jury.py).
DRAW_ALGORITHM = "leximin over types (HiGHS)"
ALGORITHM_NOTE = (
    "leximin over volunteer types (volunteers with the same answers are interchangeable for the quotas), "
    "computed by viche on the HiGHS solver; its smallest chance is sortition-algorithms' maximin, whose own "
    "LEXIMIN needs Gurobi, which is not available"
)
# The library's solver, for the relaxation of infeasible quotas.
SOLVER = "highspy"


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


@dataclass(frozen=True)
class Draw:
    selected: list[str]  # the volunteers' keys, sorted (a complementary draw: the new members only)
    probabilities: dict[str, float]  # every volunteer's chance of selection in this draw, in the pool's order
    algorithm: str
    note: str
    panels: int  # how many panel compositions (members of each type) the distribution mixes


def generator_seed(seed: int) -> int:
    """The draw's generator is seeded from a digest of the seed: Python seeds a generator with the absolute value
    of an int, which would give seeds 5 and -5 the same panel."""
    digest = hashlib.sha256(f"viche-jury:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _features(quotas: Quotas) -> FeatureCollection:
    features: FeatureCollection = CaseInsensitiveDict()
    for name, values in quotas.categories.items():
        features[name] = CaseInsensitiveDict(
            {value: FeatureValueMinMax(min=q.min, max=q.max) for value, q in values.items()}
        )
    set_default_max_flex(features)
    return features


def _relaxations(types: PoolTypes, quotas: Quotas) -> list[Relaxation]:
    """sortition-algorithms' smallest relaxation of the quotas (its weights: lowering a small minimum costs
    more). A panel holds at most ``size`` members of a type, so the library is given that many of each: the
    same panels are possible, on a pool it solves in a moment whatever the real pool's size."""
    features = _features(quotas)
    people = People(columns_to_keep=[])
    row = 0
    for answers, keys in zip(types.answers, types.members, strict=True):
        for key in keys[: quotas.size]:
            row += 1
            people.add(key, dict(zip(types.categories, answers, strict=True)), features, row)
    try:
        setup_committee_generation(features, people, quotas.size, [], SOLVER)
    except InfeasibleQuotasError as error:
        relaxed = error.features
    else:  # pragma: no cover - the type programme and the library disagree: a solver failure, not the quotas
        raise RuntimeError("the library finds a panel that the type programme did not")
    changes: list[Relaxation] = []
    for name, values in quotas.categories.items():
        for value, quota in values.items():
            moved = relaxed[name][value]
            if moved.min != quota.min:
                changes.append(Relaxation(name, value, "min", quota.min, moved.min))
            if moved.max != quota.max:
                changes.append(Relaxation(name, value, "max", quota.max, moved.max))
    return changes


def _distribution(pool: Mapping[str, Mapping[str, str]], quotas: Quotas) -> tuple[PoolTypes, Distribution]:
    """The pool's types and the leximin distribution over their panel compositions."""
    if len(pool) < quotas.size:
        raise InfeasibleQuotas([], f"the pool has {len(pool)} volunteers, fewer than the panel's {quotas.size}")
    types = pool_types(pool, quotas)
    distribution = leximin(types.problem(quotas))
    if distribution is None:
        try:
            changes = _relaxations(types, quotas)
        except InfeasibleQuotasCantRelaxError as error:
            raise InfeasibleQuotas([], "no panel meets every quota, and no relaxation of them would") from error
        raise InfeasibleQuotas(changes, "no panel meets every quota")
    return types, distribution


def _panel(types: PoolTypes, distribution: Distribution, seed: int) -> list[str]:
    """One composition by its probability, then each type's members uniformly: a volunteer's chance of being
    drawn is their type's expected count over its size, their chance in the distribution."""
    generator = random.Random(generator_seed(seed))  # reproducible on purpose: anyone can rerun the draw
    composition = generator.choices(distribution.compositions, distribution.weights)[0]
    selected: list[str] = []
    for keys, count in zip(types.members, composition, strict=True):
        selected.extend(generator.sample(keys, count))
    return sorted(selected)


def _lottery(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int) -> Draw:
    types, distribution = _distribution(pool, quotas)
    kind_of = types.type_of()
    probabilities = {key: distribution.chances[kind_of[key]] for key in pool}
    return Draw(
        _panel(types, distribution, seed), probabilities, DRAW_ALGORITHM, ALGORITHM_NOTE, len(distribution.compositions)
    )


def draw(pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int) -> Draw:
    """The panel for ``quotas`` from ``pool`` (volunteer key → category → value), reproducible from ``seed``.

    Raises :class:`InfeasibleQuotas` (with the library's smallest relaxation) when no panel meets the quotas and
    :class:`PoolError` when the pool's values do not match the quotas' categories.
    """
    return _lottery(pool, quotas, seed)


def complementary_draw(
    pool: Mapping[str, Mapping[str, str]],
    quotas: Quotas,
    seed: int,
    accepted: Collection[str],
    excluded: Collection[str],
) -> Draw:
    """The members for the seats ``accepted`` leaves open, so that the whole panel meets every quota.

    ``pool``: every volunteer (key → category → value); ``accepted``: the members who stay; ``excluded``: those
    who may not be drawn (declined, did not answer, withdrew, already invited). The open seats are drawn like a
    panel (leximin over types, by ``seed``) from the rest, with each quota less what the accepted already fill.
    ``selected`` holds the new members only, ``probabilities`` the chances of the volunteers who could be drawn.
    Raises :class:`InfeasibleQuotas` (relaxations of the panel's quotas, not of the open seats') and
    :class:`PoolError` as :func:`draw` does.
    """
    check_pool(pool, quotas)
    stay = set(accepted)
    unknown = sorted(stay - set(pool))
    if unknown:
        raise PoolError(f"accepted members not in the pool: {', '.join(unknown)}")
    if len(stay) > quotas.size:
        raise InfeasibleQuotas([], f"{len(stay)} accepted members, more than the panel's {quotas.size}")
    filled = {
        name: Counter(pool[key][name].lower() for key in stay) for name in quotas.categories
    }  # per category: the accepted members' values
    open_quotas: dict[str, dict[str, Quota]] = {}
    for name, values in quotas.categories.items():
        open_quotas[name] = {}
        for value, quota in values.items():
            taken = filled[name][value.lower()]
            if taken > quota.max:
                raise InfeasibleQuotas(
                    [], f"the accepted members already exceed {name}: {value} ({taken}, at most {quota.max})"
                )
            open_quotas[name][value] = Quota(max(0, quota.min - taken), quota.max - taken)
    seats = quotas.size - len(stay)
    left_out = stay | set(excluded)
    candidates = {key: answers for key, answers in pool.items() if key not in left_out}
    if seats == 0:
        return Draw([], dict.fromkeys(candidates, 0.0), DRAW_ALGORITHM, ALGORITHM_NOTE, 0)
    try:
        return _lottery(candidates, Quotas(seats, open_quotas), seed)
    except InfeasibleQuotas as error:
        raise InfeasibleQuotas(
            [
                Relaxation(
                    change.category,
                    change.value,
                    change.bound,
                    getattr(quotas.categories[change.category][change.value], change.bound),
                    getattr(quotas.categories[change.category][change.value], change.bound) + change.new - change.old,
                )
                for change in error.relaxations
            ],
            error.reason,
        ) from error
