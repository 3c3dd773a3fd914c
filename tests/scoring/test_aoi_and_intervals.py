import numpy as np
import pytest

from api.scoring.aoi import aoi_score, aoi_scores
from api.scoring.intervals import wilson_interval, wilson_intervals, wilson_lower_bound, wilson_width


def test_aoi_score_known_values():
    assert aoi_score(0, 0) == 50.0
    assert aoi_score(3, 1) == pytest.approx(66.6667, abs=1e-4)
    assert aoi_score(10, 0) == pytest.approx(100 * 11 / 12)
    assert aoi_score(0, 10) == pytest.approx(100 / 12)
    np.testing.assert_allclose(aoi_scores([0, 3, 10], [0, 1, 0]), [50.0, 200 / 3, 1100 / 12])


def test_aoi_score_rejects_negative_counts():
    with pytest.raises(ValueError):
        aoi_score(-1, 0)


def test_wilson_known_values():
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson_interval(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_wilson_is_safe_without_votes():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_width(0, 0) == 1.0


def test_wilson_narrows_with_more_votes_and_stays_in_range():
    widths = [wilson_width(0.7 * n, n) for n in (10, 100, 1000)]
    assert widths[0] > widths[1] > widths[2]
    low, high = wilson_interval(1, 1)
    assert 0.0 <= low <= high <= 1.0


def test_wilson_vectorised_matches_scalar():
    successes = [0, 8, 50, 10, 0]
    totals = [0, 10, 100, 10, 10]
    low, high = wilson_intervals(successes, totals)
    for s, n, lo, hi in zip(successes, totals, low, high):
        assert (lo, hi) == pytest.approx(wilson_interval(s, n))


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
