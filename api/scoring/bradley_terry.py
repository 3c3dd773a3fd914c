"""Bradley–Terry strengths from "which is better?" votes.

Model
-----
Each proposal ``i`` has a strength ``θ_i`` and beats ``j`` with probability
``σ(θ_i − θ_j)`` (``σ`` the logistic function).  Unlike All Our Ideas' score
(:mod:`api.scoring.aoi`) this credits a win against a strong proposal more than
a win against a weak one, which matters because the pair selector deliberately
pits proposals against opponents of similar strength.

Regularisation (why it is there and what it means)
--------------------------------------------------
Plain maximum likelihood is infinite for a proposal that won (or lost) every
comparison, and undefined for one never compared.  Every proposal therefore
gets :data:`PRIOR_STRENGTH` virtual wins *and* as many virtual losses against a
phantom "average proposal" of strength 0.  That is the same as a logistic
prior on each ``θ`` (density ∝ ``(σ(θ)·σ(−θ))^α``).  The default is light —
0.1 of a virtual win and of a loss, i.e. 0.5 % of the weight of the 40
comparisons a proposal typically has — so the ranking is that of the data:
it agrees with ``choix.ilsr_pairwise(alpha=0.001)`` (whose ``alpha`` is this
prior with strength ``2·n·alpha`` near θ = 0: 0.1 at 50 proposals) to Kendall
τ ≥ 0.995 on the acceptance simulation (50 proposals, 1 000 votes, 100
seeds), where the former default of one virtual win and loss fell below 0.99
on 7 of 60 seeds against ``alpha=0.01`` and on most against smaller ones.  It still keeps every estimate
finite; with no data at all every ``θ`` is 0 and every proposal gets 0.5 with a wide interval.  (The
pair *selector* steers with a firmer prior; see
:mod:`api.scoring.pair_selection`.)

Algorithm (why Newton and not MM)
---------------------------------
We compute the MAP estimate with Newton's method.  The Newton system is a
weighted graph Laplacian plus a diagonal (the prior), solved matrix-free by
preconditioned conjugate gradients whose matrix–vector product is two
``np.bincount`` over the edges, so memory and time are O(edges) per CG step and
nothing n×n is ever formed.  The preconditioner is Jacobi plus a rank-one
correction for the "everybody shifts together" direction, which only the weak
prior pins down.  A backtracking line search on the (concave) log-posterior
makes every step an ascent step.

Hunter's MM iteration (and I-LSR, whose fixed point is the same MLE) were
measured first: on 1 000 proposals × 1 000 000 votes MM had not converged to
1e-8 after 10 000 sweeps (31 s) precisely because of that weakly pinned common
direction, while Newton–CG converges in ~10 steps / ~20–500 CG products
(0.1–0.3 s) on uniform and on ranking-neighbour (adaptive) designs.

Interval (a documented approximation)
-------------------------------------
A likelihood-ratio interval for each ``θ_i`` with the other strengths held at
their estimates: the values where the log-posterior of ``θ_i`` alone has
dropped by ``z²/2`` (1.92) from its maximum, found by Newton's method from the
Wald bounds ``θ_i ± z·se_i``.  Unlike the Wald interval it follows the
likelihood where it is lopsided — a proposal that won all its 12 comparisons
gets a lower bound well above one half, not a symmetric interval that reaches
down to 0.2 because the light prior leaves the likelihood flat above the
estimate.  The bounds are mapped through the same monotone function that gives
the headline number, ``P_i(t) = mean_{j≠i} σ(t − θ_j)``.  ``theta_se`` is
``1 / sqrt(I_ii)`` with ``I_ii = Σ_j n_ij p_ij (1 − p_ij) + 2α σ(θ_i) σ(−θ_i)``,
the diagonal of the Fisher information.  Ignoring the opponents' own
uncertainty makes the interval slightly narrow for proposals compared mostly
against poorly known ones; it is meant for display and for "needs more votes"
decisions, not for hypothesis tests.  Cost: a handful of passes over the
distinct pairs (``interval="wald"`` skips them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .intervals import Z95

FloatArray = NDArray[np.float64]

PRIOR_STRENGTH: float = 0.1
"""Virtual wins (and as many losses) of every proposal against an average one."""

_EXACT_SIGMOID_CELLS = 1 << 22
"""Above this many (query × item) sigmoid evaluations use the interpolated sum."""
_SIGMOID_CHUNK_CELLS = 1 << 18
_SIGMOID_GRID_POINTS = 1025
_MAX_CG_STEPS = 500
_MAX_HALVINGS = 40
_MAX_LR_STEPS = 60
_TRUSTED_STEP = 0.25
"""Newton steps no larger than this (in θ, every coordinate) are taken without line search."""
_MAX_STEP = 5.0
"""Newton directions longer than this (in θ, any coordinate) are shortened to it before the line search.

Far from the optimum of a sparse, lopsided design (a proposal that won 1 000 times against one that lost
1 000 times elsewhere) the first steps asked for θ ≈ 80: the log-posterior rose, the step was taken, and
there every curvature underflowed to 0 and the next Newton system divided by it (NaN scores). A factor
e⁵ ≈ 150 of odds per iteration still reaches any optimum in a few steps."""


@dataclass(frozen=True, eq=False)
class PairCounts:
    """Comparisons aggregated per unordered pair ``a < b`` (arrays of equal length)."""

    a: NDArray[np.intp]
    b: NDArray[np.intp]
    total: NDArray[np.float64]
    """Decisive comparisons between ``a`` and ``b``."""
    a_wins: NDArray[np.float64]
    """How many of them ``a`` won."""


@dataclass(frozen=True, eq=False)
class BradleyTerryFit:
    """Per-item results of :func:`fit_bradley_terry` (arrays indexed by item)."""

    theta: NDArray[np.float64]
    """Log-strength, mean-centred over the items."""
    theta_se: NDArray[np.float64]
    """Approximate standard error of ``theta`` (1 / sqrt(Fisher information diagonal))."""
    p_beat: NDArray[np.float64]
    """Probability of beating a randomly chosen other item, ``mean_{j≠i} σ(θ_i − θ_j)``."""
    p_low: NDArray[np.float64]
    """Lower end of the 95 % interval of ``p_beat``."""
    p_high: NDArray[np.float64]
    """Upper end of the 95 % interval of ``p_beat``."""
    wins: NDArray[np.float64]
    losses: NDArray[np.float64]
    iterations: int
    converged: bool

    @property
    def n_items(self) -> int:
        return int(self.theta.size)

    @property
    def comparisons(self) -> NDArray[np.float64]:
        return self.wins + self.losses

    def ranking(self) -> NDArray[np.intp]:
        """Item indices best first (by ``p_beat``; ties keep the lower index first)."""
        return np.argsort(-self.p_beat, kind="stable")

    def win_probability(self, i: int, j: int) -> float:
        """Model probability that item ``i`` beats item ``j``."""
        return float(_sigmoid(self.theta[i] - self.theta[j]))


def _sigmoid(x: ArrayLike) -> NDArray[np.float64]:
    # tanh form: no overflow warnings for large |x|.
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _logistic_variance(x: ArrayLike) -> NDArray[np.float64]:
    """``σ(x)·σ(−x)`` without cancellation: ``1 − σ(x)`` is 0 in floating point from x ≈ 37 on, this is not
    (until x ≈ 745), so a strong proposal keeps a positive curvature and a finite standard error."""
    e = np.exp(-np.abs(np.asarray(x, dtype=np.float64)))
    return e / ((1.0 + e) * (1.0 + e))


def _as_index_array(values: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        as_int = arr.astype(np.int64)
        if not np.array_equal(as_int, arr):
            raise ValueError(f"{name} must hold integer indices")
        arr = as_int
    return arr.astype(np.int64, copy=False).ravel()


def aggregate_pairs(n_items: int, winners: ArrayLike, losers: ArrayLike, counts: ArrayLike | None = None) -> PairCounts:
    """Sum comparisons per unordered pair; validates indices and counts.

    Duplicate ``(winner, loser)`` rows are added up, so raw votes and
    ``GROUP BY`` aggregates are equally welcome.  Memory is O(len(winners)):
    a dense n² tally is used only when it is no bigger than a few times the
    input, otherwise a sort (``np.unique``).
    """
    w = _as_index_array(winners, "winners")
    lo = _as_index_array(losers, "losers")
    if w.shape != lo.shape:
        raise ValueError("winners and losers must have the same length")
    if counts is None:
        c = None
    else:
        c = np.asarray(counts, dtype=float).ravel()
        if c.shape != w.shape:
            raise ValueError("counts must have the same length as winners")
        if np.any(c < 0) or not np.all(np.isfinite(c)):
            raise ValueError("counts must be finite and non-negative")
    if w.size:
        if min(int(w.min()), int(lo.min())) < 0 or max(int(w.max()), int(lo.max())) >= n_items:
            raise ValueError(f"indices must be within [0, {n_items})")
        if np.any(w == lo):
            raise ValueError("an item cannot be compared with itself")
    # key = low·n + high identifies the unordered pair; the low item won iff winner < loser.
    key = np.minimum(w, lo)
    key *= n_items
    key += np.maximum(w, lo)
    low_won = w < lo
    cells = n_items * n_items
    if cells <= max(4 * key.size, 1 << 16):
        dense_total = np.bincount(key, weights=c, minlength=cells)
        if c is None:
            dense_wins = np.bincount(key[low_won], minlength=cells)
        else:
            dense_wins = np.bincount(key[low_won], weights=c[low_won], minlength=cells)
        del key, low_won
        keys = np.flatnonzero(dense_total)
        total, a_wins = dense_total[keys].astype(np.float64), dense_wins[keys].astype(np.float64)
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        del key
        total = np.bincount(inverse, weights=c).astype(np.float64)
        won = np.bincount(inverse[low_won], weights=None if c is None else c[low_won], minlength=keys.size)
        a_wins = won.astype(np.float64)
        del inverse, low_won, won
        keep = total > 0
        keys, total, a_wins = keys[keep], total[keep], a_wins[keep]
    return PairCounts(
        a=(keys // n_items).astype(np.intp),
        b=(keys % n_items).astype(np.intp),
        total=total,
        a_wins=a_wins,
    )


def compact_comparisons(
    n_items: int, winners: ArrayLike, losers: ArrayLike, counts: ArrayLike | None = None
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Directed ``(winners, losers, counts)`` with one row per distinct ordered pair."""
    pairs = aggregate_pairs(n_items, winners, losers, counts)
    b_wins = pairs.total - pairs.a_wins
    fwd = pairs.a_wins > 0
    back = b_wins > 0
    return (
        np.concatenate([pairs.a[fwd], pairs.b[back]]),
        np.concatenate([pairs.b[fwd], pairs.a[back]]),
        np.concatenate([pairs.a_wins[fwd], b_wins[back]]),
    )


def _sigmoid_sums_exact(t: NDArray[np.float64], theta: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.empty(t.size)
    rows = max(1, _SIGMOID_CHUNK_CELLS // max(1, theta.size))
    for start in range(0, t.size, rows):
        block = t[start : start + rows, None] - theta[None, :]
        out[start : start + rows] = _sigmoid(block).sum(axis=1)
    return out


def sigmoid_sums(t: ArrayLike, theta: ArrayLike) -> NDArray[np.float64]:
    """``S(t_k) = Σ_j σ(t_k − θ_j)`` for every query ``t_k``.

    Exact (in bounded-memory chunks) while ``len(t) · len(θ)`` is at most 4 M;
    beyond that ``S`` — one smooth increasing function of ``t`` — is
    evaluated exactly on a 1 025-point grid and linearly interpolated
    (error ≲ 1e-5 of ``n``), so the cost is O(n) instead of O(n²).
    """
    tq = np.asarray(t, dtype=float).ravel()
    th = np.asarray(theta, dtype=float).ravel()
    if tq.size == 0 or th.size == 0:
        return np.zeros(tq.size)
    if tq.size * th.size <= _EXACT_SIGMOID_CELLS:
        return _sigmoid_sums_exact(tq, th)
    lo, hi = float(tq.min()), float(tq.max())
    if hi - lo < 1e-12:
        return np.full(tq.size, _sigmoid_sums_exact(np.array([lo]), th)[0])
    grid = np.linspace(lo, hi, _SIGMOID_GRID_POINTS)
    sums: NDArray[np.float64] = np.interp(tq, grid, _sigmoid_sums_exact(grid, th))
    return sums


def _log_posterior(theta: FloatArray, pairs: PairCounts, alpha: float) -> float:
    d = theta[pairs.a] - theta[pairs.b]
    data = float(np.dot(pairs.a_wins, d) - np.dot(pairs.total, np.logaddexp(0.0, d)))
    prior = -alpha * float(np.sum(np.logaddexp(0.0, theta) + np.logaddexp(0.0, -theta)))
    return data + prior


def _solve_newton_system(
    grad: FloatArray, diag: FloatArray, weights: FloatArray, pairs: PairCounts, prior_curv_sum: float, n: int
) -> tuple[FloatArray, int]:
    """Preconditioned CG for ``H x = grad`` with ``H`` = negative Hessian (SPD)."""
    a, b = pairs.a, pairs.b

    def apply_h(v: FloatArray) -> FloatArray:
        return diag * v - np.bincount(a, weights * v[b], n) - np.bincount(b, weights * v[a], n)

    def precondition(r: FloatArray) -> FloatArray:
        # Jacobi + exact inverse on the constant vector (H·1 = prior curvature only).
        return r / diag + float(r.sum()) / prior_curv_sum

    gnorm = float(np.sqrt(grad @ grad))
    target = min(0.5, np.sqrt(gnorm)) * gnorm
    x = np.zeros(n)
    r = grad.copy()
    z = precondition(r)
    p = z.copy()
    rz = float(r @ z)
    steps = 0
    for steps in range(1, _MAX_CG_STEPS + 1):  # noqa: B007 - the count is returned
        hp = apply_h(p)
        curvature = float(p @ hp)
        if curvature <= 0.0:
            break
        step = rz / curvature
        x += step * p
        r -= step * hp
        if float(np.sqrt(r @ r)) <= target:
            break
        z = precondition(r)
        rz_next = float(r @ z)
        p = z + (rz_next / rz) * p
        rz = rz_next
    return x, steps


def _softplus_and_sigmoid(d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(log(1 + e^d), σ(d))`` with one exponential."""
    e = np.exp(-np.abs(d))
    return np.maximum(d, 0.0) + np.log1p(e), np.where(d >= 0.0, 1.0, e) / (1.0 + e)


def _likelihood_ratio_bounds(
    theta: FloatArray, se: FloatArray, pairs: PairCounts, alpha: float, z: float
) -> tuple[FloatArray, FloatArray]:
    """Per item, where the log-posterior of its own strength (the others held at their estimates) has
    dropped by ``z²/2`` from the estimate, below and above it: ``(low, high)``.

    Each side is a concave root problem in one variable per item, solved for all items at once by Newton's
    method started at the Wald bound ``θ ∓ z·se``.  Each iteration costs O(pairs of the items not yet
    settled); a handful of iterations.
    """
    n = theta.size
    wins_b = pairs.total - pairs.a_wins

    def log_post(t: FloatArray, edges: slice | NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        """(log-posterior of each item's own strength at ``t``, its derivative); the others at ``theta``."""
        a, b, total = pairs.a[edges], pairs.b[edges], pairs.total[edges]
        value = -alpha * (np.logaddexp(0.0, t) + np.logaddexp(0.0, -t))
        slope = alpha * (1.0 - 2.0 * _sigmoid(t))
        for own, other, wins in ((a, b, pairs.a_wins[edges]), (b, a, wins_b[edges])):
            d = t[own] - theta[other]
            softplus, p = _softplus_and_sigmoid(d)
            value += np.bincount(own, wins * d - total * softplus, n)
            slope += np.bincount(own, wins - total * p, n)
        return value, slope

    everything = slice(None)
    target = log_post(theta, everything)[0] - 0.5 * z * z
    bounds = []
    for sign in (-1.0, 1.0):
        # From the Wald bound. Inside the root, the first step overshoots to beyond it (the log-posterior is
        # concave, so its tangent lies above it); from beyond, every step moves towards the root, never past it.
        t = theta + sign * z * se
        edges: slice | NDArray[np.intp] = everything
        moving = np.ones(n, dtype=bool)
        for _ in range(_MAX_LR_STEPS):
            value, slope = log_post(t, edges)
            excess = target - value  # ≥ 0 beyond the root
            move = np.divide(excess, slope, out=np.zeros(n), where=moving & (slope != 0.0))
            t = t + move  # towards theta on both sides, never past the root
            moving &= np.abs(move) >= 1e-6
            if not moving.any():
                break
            # Only the items still moving need their log-posterior again (all of their pairs, complete);
            # the values of the others come out partial and are ignored.
            edges = np.flatnonzero(moving[pairs.a] | moving[pairs.b])
        bounds.append(t)
    return bounds[0], bounds[1]


def fit_bradley_terry(
    n_items: int,
    winners: ArrayLike,
    losers: ArrayLike,
    counts: ArrayLike | None = None,
    *,
    prior_strength: float = PRIOR_STRENGTH,
    initial_theta: ArrayLike | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    z: float = Z95,
    interval: str = "likelihood_ratio",
) -> BradleyTerryFit:
    """Fit Bradley–Terry strengths for items ``0 .. n_items-1``.

    ``winners[k]`` beat ``losers[k]`` ``counts[k]`` times (1 when ``counts`` is
    None); rows may repeat.  ``initial_theta`` warm-starts the solver (e.g. the
    previous fit, as :class:`~api.scoring.pair_selection.PairSelector` does).
    Stops when no strength moves more than ``tol`` in a Newton step.
    ``interval``: ``"likelihood_ratio"`` (the default, see the module docstring) or ``"wald"`` (cheaper, for
    callers that only need ``theta`` and ``theta_se``, like the pair selector's refits).

    Cost: O(distinct pairs) memory, O(distinct pairs × (CG products + interval passes)) time;
    see BENCHMARKS.md for 1 000 items and 1 000 000 votes.
    """
    if n_items < 0:
        raise ValueError("n_items must be non-negative")
    if not prior_strength > 0:
        raise ValueError("prior_strength must be positive (it keeps estimates finite)")
    if interval not in ("likelihood_ratio", "wald"):
        raise ValueError("interval must be 'likelihood_ratio' or 'wald'")
    alpha = float(prior_strength)
    n = int(n_items)
    pairs = aggregate_pairs(n, winners, losers, counts)
    # Weighted counts are floats; numpy's stubs type every bincount as integers.
    wins = cast(FloatArray, np.bincount(pairs.a, pairs.a_wins, n) + np.bincount(pairs.b, pairs.total - pairs.a_wins, n))
    comparisons = np.bincount(pairs.a, pairs.total, n) + np.bincount(pairs.b, pairs.total, n)
    losses = comparisons - wins
    if n == 0:
        empty = np.zeros(0)
        return BradleyTerryFit(empty, empty, empty, empty, empty, empty, empty, 0, True)

    if initial_theta is None:
        theta = np.zeros(n)
    else:
        theta = np.array(initial_theta, dtype=float).ravel()
        if theta.size != n or not np.all(np.isfinite(theta)):
            raise ValueError("initial_theta must be finite and have n_items entries")

    converged = False
    iterations = 0
    objective: float | None = None
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        d = theta[pairs.a] - theta[pairs.b]
        p = _sigmoid(d)
        resid = pairs.a_wins - pairs.total * p
        s = _sigmoid(theta)
        grad = np.bincount(pairs.a, resid, n) - np.bincount(pairs.b, resid, n) + alpha * (1.0 - 2.0 * s)
        weights = pairs.total * _logistic_variance(d)
        prior_curv = 2.0 * alpha * _logistic_variance(theta)
        diag = np.bincount(pairs.a, weights, n) + np.bincount(pairs.b, weights, n) + prior_curv
        if float(np.max(np.abs(grad))) <= 1e-10 * (1.0 + float(np.max(diag))):
            converged = True
            break
        direction, _ = _solve_newton_system(grad, diag, weights, pairs, float(prior_curv.sum()), n)
        largest = float(np.max(np.abs(direction)))
        if largest > _MAX_STEP:
            direction *= _MAX_STEP / largest
            largest = _MAX_STEP
        step = 1.0
        if largest > _TRUSTED_STEP:
            # Far from the optimum: backtrack until the log-posterior rises enough (Armijo).
            if objective is None:
                objective = _log_posterior(theta, pairs, alpha)
            slope = float(grad @ direction)
            for _ in range(_MAX_HALVINGS):
                candidate = theta + step * direction
                value = _log_posterior(candidate, pairs, alpha)
                if value >= objective + 1e-4 * step * slope:
                    break
                step *= 0.5
            else:
                break  # no ascent possible: numerically at the optimum
            theta, objective = candidate, value
        else:
            # Close to the optimum Newton's full step is safe (the log-likelihood's curvature
            # changes slowly on this scale) and comparing nearly equal objective values would
            # only measure rounding noise.
            theta = theta + direction
            objective = None
        if step * largest < tol:
            converged = True
            break

    # Fisher information diagonal at the estimate (the standard error; the selector's uncertainty).
    weights = pairs.total * _logistic_variance(theta[pairs.a] - theta[pairs.b])
    info = np.bincount(pairs.a, weights, n) + np.bincount(pairs.b, weights, n) + 2.0 * alpha * _logistic_variance(theta)
    se = 1.0 / np.sqrt(info)

    shift = theta.mean()
    centred = theta - shift
    if n == 1:
        p_beat, p_low, p_high = np.array([0.5]), np.array([0.0]), np.array([1.0])
    else:
        if interval == "wald":
            low, high = centred - z * se, centred + z * se
        else:
            low, high = _likelihood_ratio_bounds(theta, se, pairs, alpha, z)
            low, high = low - shift, high - shift
        sums = sigmoid_sums(np.concatenate([centred, low, high]), centred)
        mid, s_low, s_high = np.split(sums, 3)
        p_beat = np.clip((mid - 0.5) / (n - 1), 0.0, 1.0)
        p_low = np.clip((s_low - _sigmoid(low - centred)) / (n - 1), 0.0, 1.0)
        p_high = np.clip((s_high - _sigmoid(high - centred)) / (n - 1), 0.0, 1.0)
        p_low = np.minimum(p_low, p_beat)
        p_high = np.maximum(p_high, p_beat)
    return BradleyTerryFit(
        theta=centred,
        theta_se=se,
        p_beat=p_beat,
        p_low=p_low,
        p_high=p_high,
        wins=wins,
        losses=losses,
        iterations=iterations,
        converged=converged,
    )
