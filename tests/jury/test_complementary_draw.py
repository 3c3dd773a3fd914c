"""The complementary draw: the seats of those who declined are filled from the volunteers still available, and
the whole panel (the members who accepted and the new ones) meets every quota."""

from __future__ import annotations

from collections import Counter

import pytest

from api.scoring.sortition import InfeasibleQuotas, PoolError, complementary_draw, draw
from api.scoring.sortition.quotas import quotas_from
from tests.jury.pools import QUOTAS, meets, skewed_pool

POOL = skewed_pool(2_000, seed=3)
QUOTAS_ = quotas_from(QUOTAS)


def _declining(panel: list[str], pool: dict[str, dict[str, str]]) -> list[str]:
    """Three members who decline: the panel's older women first (the scarcest), then others."""
    scarce = [k for k in panel if pool[k]["gender"] == "woman" and pool[k]["age_band"] == "45+"]
    return (scarce + [k for k in panel if k not in scarce])[:3]


@pytest.mark.parametrize("seed", [1, 8, 2026])
def test_the_open_seats_are_filled_so_that_the_whole_panel_meets_every_quota(seed):
    panel = draw(POOL, QUOTAS_, seed).selected
    declined = _declining(panel, POOL)
    accepted = [k for k in panel if k not in declined]
    again = complementary_draw(POOL, QUOTAS_, seed + 1, accepted, declined)
    assert len(again.selected) == 3 and not set(again.selected) & set(panel)
    assert meets(accepted + again.selected, POOL, QUOTAS)
    assert complementary_draw(POOL, QUOTAS_, seed + 1, accepted, declined).selected == again.selected
    # Chances for those who could be drawn only, three seats' worth, equal among the interchangeable.
    assert set(again.probabilities) == set(POOL) - set(panel)
    assert sum(again.probabilities.values()) == pytest.approx(3)
    by_type: dict[tuple[str, ...], set[float]] = {}
    for key, chance in again.probabilities.items():
        by_type.setdefault(tuple(POOL[key].values()), set()).add(round(chance, 9))
    assert all(len(chances) == 1 for chances in by_type.values())


def test_a_full_panel_draws_no_one_and_the_excluded_are_never_drawn():
    panel = draw(POOL, QUOTAS_, 4).selected
    assert complementary_draw(POOL, QUOTAS_, 4, panel, []).selected == []
    accepted = panel[:6]
    also_out = [k for k in POOL if k not in panel][:1500]  # invited elsewhere, withdrew, did not answer
    again = complementary_draw(POOL, QUOTAS_, 4, accepted, panel[6:] + also_out)
    assert not set(again.selected) & set(also_out) and meets(accepted + again.selected, POOL, QUOTAS)


def test_when_no_replacement_can_keep_a_quota_the_panels_quota_is_relaxed():
    panel = draw(POOL, QUOTAS_, 5).selected
    women = [k for k in panel if POOL[k]["gender"] == "woman"]
    declined = women[:2]
    accepted = [k for k in panel if k not in declined]
    # No other woman is available: the two seats can only go to men.
    no_women = [k for k, v in POOL.items() if v["gender"] == "woman" and k not in panel]
    with pytest.raises(InfeasibleQuotas) as raised:
        complementary_draw(POOL, QUOTAS_, 5, accepted, declined + no_women)
    changes = {(c.category, c.value, c.bound): (c.old, c.new) for c in raised.value.relaxations}
    assert changes[("gender", "woman", "min")] == (6, 4)  # the panel's quota, not the open seats'
    assert changes[("gender", "man", "max")] == (6, 8)
    relaxed = QUOTAS | {
        "categories": QUOTAS["categories"] | {"gender": {"woman": {"min": 4, "max": 6}, "man": {"min": 6, "max": 8}}}
    }
    again = complementary_draw(POOL, quotas_from(relaxed), 5, accepted, declined + no_women)
    assert meets(accepted + again.selected, POOL, relaxed)
    assert Counter(POOL[k]["gender"] for k in again.selected) == {"man": 2}


def test_accepted_members_that_break_the_quotas_or_are_not_in_the_pool_are_refused():
    men = [k for k, v in POOL.items() if v["gender"] == "man"][:7]
    with pytest.raises(InfeasibleQuotas, match="already exceed gender: man"):
        complementary_draw(POOL, QUOTAS_, 1, men, [])
    with pytest.raises(PoolError, match="not in the pool: nobody"):
        complementary_draw(POOL, QUOTAS_, 1, ["nobody"], [])
