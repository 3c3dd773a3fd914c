import numpy as np
import pytest
from scipy.stats import kendalltau

from api.scoring.bradley_terry import aggregate_pairs, fit_bradley_terry
from api.scoring.pair_ranking import rank_pairs


def _uniform_votes(theta, m, seed):
    rng = np.random.default_rng(seed)
    n = theta.size
    i = rng.integers(0, n, m)
    j = rng.integers(0, n - 1, m)
    j = j + (j >= i)
    i_wins = rng.random(m) < 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
    return np.where(i_wins, i, j), np.where(i_wins, j, i)


def test_no_data_gives_everybody_one_half_with_a_wide_interval():
    fit = fit_bradley_terry(5, [], [])
    np.testing.assert_allclose(fit.p_beat, 0.5)
    np.testing.assert_allclose(fit.theta, 0.0)
    assert np.all(fit.p_low < 0.1) and np.all(fit.p_high > 0.9)
    assert fit.converged


def test_undefeated_proposal_stays_finite_and_on_top():
    # Proposal 0 beats everybody, every time; the others split evenly.
    winners = [0] * 12 + [1, 2, 3, 2, 3, 1]
    losers = [1, 2, 3] * 4 + [2, 3, 1, 1, 2, 3]
    fit = fit_bradley_terry(4, winners, losers)
    assert fit.converged
    assert np.all(np.isfinite(fit.theta)) and np.all(np.isfinite(fit.theta_se))
    assert fit.ranking()[0] == 0
    assert 0.5 < fit.p_beat[0] < 1.0
    assert fit.p_high[0] <= 1.0 and fit.p_low[0] > 0.5


def test_winless_and_uncompared_proposals_stay_finite():
    fit = fit_bradley_terry(4, [0, 0, 1], [1, 2, 2])  # 2 never wins, 3 never compared
    assert fit.converged and np.all(np.isfinite(fit.theta))
    assert fit.ranking()[-1] == 2
    assert fit.p_low[3] < 0.2 and fit.p_high[3] > 0.8  # knows nothing about 3


def test_interval_contains_the_estimate_and_narrows_with_votes():
    theta = np.linspace(-1, 1, 10)
    small = fit_bradley_terry(10, *_uniform_votes(theta, 200, 1))
    large = fit_bradley_terry(10, *_uniform_votes(theta, 20000, 1))
    for fit in (small, large):
        assert np.all(fit.p_low <= fit.p_beat) and np.all(fit.p_beat <= fit.p_high)
    assert np.all((large.p_high - large.p_low) < (small.p_high - small.p_low))


def test_recovers_known_strengths():
    theta = np.random.default_rng(3).normal(0, 1, 40)
    fit = fit_bradley_terry(40, *_uniform_votes(theta, 40000, 3))
    assert np.corrcoef(fit.theta, theta)[0, 1] > 0.98
    assert abs(fit.theta.mean()) < 1e-9
    # p_beat means what it says: average model probability against the others.
    i = 7
    expected = np.mean([fit.win_probability(i, j) for j in range(40) if j != i])
    assert fit.p_beat[i] == pytest.approx(expected, abs=1e-9)


def test_same_solution_as_choix_with_matched_weak_regularisation():
    choix = pytest.importorskip("choix")
    for seed in range(3):
        theta = np.random.default_rng(seed).normal(0, 1.5, 30)
        winners, losers = _uniform_votes(theta, 3000, seed)
        ours = fit_bradley_terry(30, winners, losers, prior_strength=1e-3)
        theirs = choix.ilsr_pairwise(30, list(zip(winners.tolist(), losers.tolist())), alpha=1e-5, max_iter=1000)
        assert kendalltau(ours.theta, theirs).statistic > 0.999
        np.testing.assert_allclose(ours.theta, theirs - theirs.mean(), atol=0.02)


def test_aggregated_counts_equal_repeated_rows():
    rows_w = [0, 0, 0, 1, 2, 2]
    rows_l = [1, 1, 1, 0, 0, 0]
    by_rows = fit_bradley_terry(3, rows_w, rows_l)
    by_counts = fit_bradley_terry(3, [0, 1, 2], [1, 0, 0], [3, 1, 2])
    np.testing.assert_allclose(by_rows.theta, by_counts.theta, atol=1e-9)
    pairs = aggregate_pairs(3, rows_w, rows_l)
    assert sorted(zip(pairs.a.tolist(), pairs.b.tolist(), pairs.total.tolist())) == [(0, 1, 4.0), (0, 2, 2.0)]


def test_disconnected_groups_are_still_finite():
    fit = fit_bradley_terry(4, [0, 0, 2, 3], [1, 1, 3, 2])
    assert fit.converged and np.all(np.isfinite(fit.theta))


def test_warm_start_reaches_the_same_answer():
    theta = np.random.default_rng(5).normal(0, 1, 20)
    w, lo = _uniform_votes(theta, 2000, 5)
    cold = fit_bradley_terry(20, w, lo)
    warm = fit_bradley_terry(20, w, lo, initial_theta=theta)
    np.testing.assert_allclose(cold.theta, warm.theta, atol=1e-5)


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [0], [0])
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [0], [3])
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [0], [1], [-1])
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [0], [1], prior_strength=0)


def test_rank_pairs_uses_proposal_ids_and_ignores_unknown_ones():
    rows = rank_pairs([10, 20, 30], [10, 10, 20, 99], [20, 30, 30, 10])
    assert [r.proposal_id for r in rows] == [10, 20, 30]
    assert [r.rank for r in rows] == [1, 2, 3]
    top = rows[0]
    assert (top.wins, top.losses) == (2, 0)
    assert top.aoi_score == pytest.approx(75.0)
    assert top.p_low <= top.p_beat <= top.p_high


def test_interval_is_where_the_log_posterior_drops_by_z_squared_over_two():
    theta = np.random.default_rng(9).normal(0, 1.5, 12)
    winners, losers = _uniform_votes(theta, 300, 9)
    fit = fit_bradley_terry(12, winners, losers)
    pairs = aggregate_pairs(12, winners, losers)
    alpha, z = 0.1, 1.959963984540054
    centred = fit.theta

    def own_log_posterior(i, t):  # θ_i = t, the others at their estimates (prior on the uncentred scale)
        th = centred.copy()
        th[i] = t
        d = th[pairs.a] - th[pairs.b]
        touches = (pairs.a == i) | (pairs.b == i)
        data = np.sum((pairs.a_wins * d - pairs.total * np.logaddexp(0, d))[touches])
        return data - alpha * (np.logaddexp(0, t + shift) + np.logaddexp(0, -t - shift))

    shift = 0.0  # the fit reports centred strengths; its light prior sits on uncentred ones (a tiny offset)
    for i in (0, 5, 11):
        p_of = lambda t, i=i: np.mean([1 / (1 + np.exp(-(t - centred[j]))) for j in range(12) if j != i])  # noqa: E731
        top = own_log_posterior(i, centred[i])
        for bound, side in ((fit.p_low[i], -1), (fit.p_high[i], 1)):
            lo, hi = (centred[i] - 20, centred[i]) if side < 0 else (centred[i], centred[i] + 20)
            for _ in range(100):  # bisection on the drop, then through the same map as p_beat
                mid = (lo + hi) / 2
                inside = top - own_log_posterior(i, mid) < z * z / 2
                lo, hi = (lo, mid) if inside == (side < 0) else (mid, hi)
            assert bound == pytest.approx(p_of((lo + hi) / 2), abs=2e-3)
    wald = fit_bradley_terry(12, winners, losers, interval="wald")
    np.testing.assert_allclose(wald.p_beat, fit.p_beat)
    assert not np.allclose(wald.p_low, fit.p_low)
