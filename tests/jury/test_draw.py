"""The draw against sortition-algorithms itself: quotas met, the library's probabilities and panel, the same
seed the same panel, infeasible quotas reported with a relaxation that works."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sortition_algorithms import find_random_sample
from sortition_algorithms.committee_generation import find_distribution_maximin, standardize_distribution
from sortition_algorithms.utils import set_random_provider

from api.scoring.sortition import InfeasibleQuotas, audit, draw
from api.scoring.sortition.draw import _features, _people, library_seed
from api.scoring.sortition.quotas import QuotasError, parse_quotas, quotas_from
from tests.jury.pools import QUOTAS, QUOTAS_YAML, skewed_pool

# The library's maximin solves one integer programme per volunteer (its multiplicative-weights phase): a pool
# of a few dozen keeps this file under a minute; bench/bench_jury.py measures larger pools.
POOL = skewed_pool(48, seed=2)


def _meets(panel: list[str], pool: dict[str, dict[str, str]], quotas: dict) -> bool:
    for name, values in quotas["categories"].items():
        counts = Counter(pool[key][name] for key in panel)
        if any(not (q["min"] <= counts[value] <= q["max"]) for value, q in values.items()):
            return False
    return len(panel) == quotas["size"]


def test_the_pool_is_skewed_against_the_targets():
    counts = Counter(v["gender"] for v in POOL.values())
    assert counts["man"] > 1.8 * counts["woman"]  # a simple lottery would give a panel of mostly men


@pytest.mark.parametrize("seed", [1, 2024])
def test_every_panel_meets_every_quota_with_the_librarys_panel_and_probabilities(seed):
    quotas = quotas_from(QUOTAS)
    drawn = draw(POOL, quotas, seed)
    assert _meets(drawn.selected, POOL, QUOTAS)
    assert drawn.algorithm == "maximin" and "LEXIMIN needs Gurobi" in drawn.note
    # The library's own run, with the same seed: the same panel.
    features = _features(quotas)
    people = _people(POOL, quotas, features)
    set_random_provider(library_seed(seed))
    lottery, _report = find_random_sample(features, people, 12, [], selection_algorithm="maximin")
    assert sorted(lottery[0]) == drawn.selected
    # The library's distribution: each volunteer's chance is the weight of the panels they are on.
    set_random_provider(library_seed(seed))
    committees, weights, _ = find_distribution_maximin(features, people, 12, [])
    committees, weights = standardize_distribution(committees, weights)
    expected = {key: sum(w for c, w in zip(committees, weights, strict=True) if key in c) for key in POOL}
    assert drawn.probabilities == pytest.approx(expected, abs=1e-9)
    assert sum(drawn.probabilities.values()) == pytest.approx(12)
    # maximin: nobody's chance is below the smallest the quotas force, and everyone has one
    assert min(drawn.probabilities.values()) > 0


def test_the_same_seed_gives_the_same_panel_and_another_seed_may_not():
    quotas = parse_quotas(QUOTAS_YAML)
    first, again = draw(POOL, quotas, 7), draw(POOL, quotas, 7)
    assert first.selected == again.selected and first.probabilities == again.probabilities
    others = {tuple(draw(POOL, quotas, seed).selected) for seed in (8, 9, 10)}
    assert others != {tuple(first.selected)}


def test_a_draw_leaves_pythons_global_random_as_it_found_it():
    # The rest of the process draws from the global generator (the delivery engine's jitter, on the event loop
    # while a draw runs in its thread): a draw that reseeded or consumed it would make both predictable and
    # its own panel depend on what else ran meanwhile.
    random.seed(2026)
    expected = random.Random(2026).random()
    draw(POOL, quotas_from(QUOTAS), 7)
    assert random.random() == expected


def test_infeasible_quotas_come_with_the_smallest_relaxation_and_it_works():
    pool = dict(POOL)
    over_45 = [k for k, v in pool.items() if v["age_band"] == "45+"]
    for key in over_45[2:]:
        del pool[key]  # two volunteers of 45 and over left: the quota of three cannot be met
    quotas = quotas_from(QUOTAS)
    with pytest.raises(InfeasibleQuotas) as raised:
        draw(pool, quotas, 3)
    changes = raised.value.relaxations
    assert [(c.category, c.value, c.bound, c.old, c.new) for c in changes] == [("age_band", "45+", "min", 3, 2)]
    relaxed = QUOTAS | {
        "categories": QUOTAS["categories"]
        | {"age_band": QUOTAS["categories"]["age_band"] | {"45+": {"min": 2, "max": 5}}}
    }
    assert _meets(draw(pool, quotas_from(relaxed), 3).selected, pool, relaxed)


def test_a_pool_smaller_than_the_panel_is_infeasible_without_relaxation():
    with pytest.raises(InfeasibleQuotas) as raised:
        draw(dict(list(POOL.items())[:5]), quotas_from(QUOTAS), 1)
    assert raised.value.relaxations == [] and "fewer than the panel's 12" in raised.value.reason


def test_the_audit_names_no_one_and_shows_the_composition():
    quotas = quotas_from(QUOTAS)
    drawn = draw(POOL, quotas, 5)
    report = audit(drawn, POOL, quotas, 5, salt="secret").as_json()
    text = repr(report)
    assert not any(key in text for key in POOL)
    assert report["seed"] == 5 and len(report["probabilities"]) == len(POOL)
    assert sorted(report["probabilities"].values()) == pytest.approx(sorted(drawn.probabilities.values()), abs=1e-6)
    rows = {(r["category"], r["value"]): r for r in report["composition"]}
    assert rows[("gender", "woman")]["selected"] == 6 and all(r["met"] for r in rows.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("size: 0\ncategories: {g: {a: {min: 0, max: 1}}}", "at least one member"),
        ("size: 4\ncategories: {g: {a: {min: 3, max: 2}}}", "min 3 is above max 2"),
        ("size: 4\ncategories: {g: {a: {min: 3, max: 3}, b: {min: 3, max: 3}}}", "more than the panel's size"),
        ("size: 4\ncategories: {g: {a: {min: 0, max: 1}}}", "less than the panel's size"),
        ("size: 4\nquota: 3", "unknown keys: quota"),
    ],
)
def test_quotas_that_make_no_sense_are_refused_with_where(text, message):
    with pytest.raises(QuotasError, match=message):
        parse_quotas(text)
