"""Which two proposals to show next in a pairs item ("which is better?").

Two rules, in this order:

1. **Fast hearing for newcomers.**  A proposal with fewer than
   ``min_comparisons`` decisive comparisons is served first — the one with the
   fewest, ties to the oldest — so a proposal added late is ranked after about
   ``min_comparisons`` served pairs instead of the hundreds that uniform choice
   (All Our Ideas) needs in a large pool: with 100 proposals a uniform pair
   contains a given proposal 2 % of the time, so 20 comparisons take ~1 000
   pairs.  Its opponent is picked for information among established
   proposals (those with ``min_comparisons`` or more): uniformly among those
   whose strength lies within ``NEWCOMER_WINDOW_SE`` standard errors of the
   newcomer's current estimate.  Close strengths make the outcome least
   predictable, i.e. most informative; the window is wide (almost everybody)
   while nothing is known, which places the newcomer quickly, and narrows as
   its estimate firms up.  The newcomer's estimate is refreshed after each of
   its votes by a one-dimensional fit against its opponents' strengths.
   While fewer than ``MIN_ESTABLISHED_POOL`` proposals are established (start
   of a consultation) any proposal can be the opponent.  A newcomer that
   keeps being skipped leaves the front of the line after
   ``max_hearing_exposures`` servings so it cannot monopolise the item.

2. **Then reduce uncertainty where it matters.**  With probability
   ``exploration`` a uniformly random pair (keeps the comparison graph well
   connected and protects against a wrong model); otherwise a focus proposal
   drawn with probability proportional to the standard error of its strength
   (large for proposals with few or uninformative comparisons), paired with a
   close competitor: uniformly among the proposals whose strength is within
   ``COMPETITOR_WINDOW_SE`` standard errors of the focus proposal's — the
   ones its interval cannot yet separate it from.  Drawing uniformly *in rank*
   inside a strength window (rather than "the nearest to a random target")
   does not favour proposals at the ends of the ranking and breaks ties at
   random.  In simulations (50 proposals, 1 000 Bradley–Terry votes, ranked
   by the published fit) this ranks better than uniform pairs: Kendall τ to
   the truth 0.793 vs 0.776 (strength sd 1) and 0.853 vs 0.833 (sd 1.5),
   averaged over 240 seeds.

A participant is never shown a pair they have already seen; when none is
left, :meth:`PairSelector.choose` returns None.

Two priors: the working strengths that steer the choice use
:data:`SELECTION_PRIOR_STRENGTH` (one virtual win and loss against an average
proposal), firmer than the light :data:`~api.scoring.bradley_terry.PRIOR_STRENGTH`
of the published ranking.  While a proposal has few votes a firmer prior keeps
its working estimate from jumping to an end of the scale, so its opponents
stay informative: with the light prior also used for choosing, the selector
lost most of its lead over uniform pairs (τ to the truth 0.781 vs 0.793 with
the firm one, uniform 0.776; 50 proposals of strength sd 1, 1 000 votes,
240 seeds).  :meth:`PairSelector.results` refits with the light prior, so it
equals the results page (:func:`~api.scoring.pair_ranking.rank_pairs`).

Strengths come from a periodic Bradley–Terry refit
(:func:`~api.scoring.bradley_terry.fit_bradley_terry`, warm-started), run by
:meth:`PairSelector.record` once ``max(refit_min_records, refit_fraction ×
all decisive votes)`` new votes have arrived, or on demand with
:meth:`PairSelector.refit`.  Between refits every vote updates the two
proposals' Fisher information (and so their sampling weights), and a
newcomer's strength is re-estimated from its own few comparisons.

Cost (n proposals in the item)
------------------------------
* ``choose``: O(log n) per attempt (bisection in the sorted strengths,
  Fenwick-tree draw), at most ``max_attempts`` attempts plus a look at the
  first few waiting newcomers (O(min_comparisons + log n)).  Only if all
  attempts hit pairs the participant has seen does it scan for any unseen
  pair, costing O(pairs this participant has seen + n).
* ``record``: O(log n) (plus O(min_comparisons) for a newcomer), and an
  amortised share of the refit: a refit costs O(distinct compared pairs) per
  Newton–CG step and happens every ≥ 5 % new votes, i.e. O(1) amortised.
* ``add_proposal`` / ``remove_proposal`` / ``record_served``: O(log n).
* memory: O(n + distinct ordered pairs compared).

Not thread-safe: call it from one thread (e.g. the event loop), or guard it
with a lock.  :meth:`PairSelector.refit` is CPU-bound (≈ 0.4 s at 1 000
proposals and 1 000 000 votes); pass ``auto_refit=False`` to schedule refits
yourself, e.g. as the backend does (``api/selection.py``): when
:attr:`PairSelector.needs_refit`, :meth:`PairSelector.begin_refit` takes a
snapshot, :meth:`RefitJob.compute` runs in a worker thread while the selector
keeps serving and recording, and :meth:`PairSelector.finish_refit` installs
the result.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .bradley_terry import PRIOR_STRENGTH, BradleyTerryFit, compact_comparisons, fit_bradley_terry
from .pair_ranking import PairRanking, map_ids_to_indices, rankings_from_fit
from .proposal_selection import ProposalSelector
from .selection_inputs import RandomLike, SeenPairs, as_random, pair_seen_predicate
from .slot_pool import SlotPool

Unseen = Callable[[int, int], bool]
"""Whether the participant has not seen the pair of these two slots yet."""

__all__ = ["PairSelector", "ProposalSelector", "RefitJob", "RefitResult"]

SELECTION_PRIOR_STRENGTH: float = 1.0
"""Virtual wins (and losses) against an average proposal in the selector's working strengths (see above)."""
MIN_COMPARISONS: int = 20
"""Decisive comparisons a proposal gets before it competes on equal terms."""
EXPLORATION: float = 0.1
"""Share of rule-2 pairs drawn uniformly at random."""
MIN_ESTABLISHED_POOL: int = 4
"""Below this many established proposals, a newcomer's opponent may be any proposal."""
NEWCOMER_WINDOW_SE: float = 2.0
"""A newcomer's opponent is drawn among established proposals within this many standard errors of its strength."""
COMPETITOR_WINDOW_SE: float = 2.0
"""Rule 2's competitor is drawn among proposals within this many standard errors of the focus proposal."""
COMPETITOR_MIN_WINDOW: float = 0.25
"""Floor (θ units) of that window, so very well known proposals still meet more than their immediate neighbours."""
REFIT_MIN_RECORDS: int = 50
REFIT_FRACTION: float = 0.05
MAX_ATTEMPTS: int = 24
"""Random draws per ``choose`` before the exhaustive search for an unseen pair."""
_NEWCOMER_CANDIDATES: int = 8
_OPPONENT_DRAWS: int = 8
_PROVISIONAL_NEWTON_STEPS: int = 8


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _pick_in_window(
    sorted_theta: list[float], slots: list[int], centre: float, half_width: float, exclude: int, rnd: random.Random
) -> int:
    """A slot drawn uniformly among those with strength in ``centre ± half_width`` (O(log n)).

    Uniform in rank within the window, so ties (e.g. no data yet) are broken at
    random and proposals at the ends of the ranking are not favoured.  An
    empty window falls back to the nearest proposals; ``exclude`` (the focus
    itself) is swapped for a window neighbour when possible.
    """
    lo = bisect.bisect_left(sorted_theta, centre - half_width)
    hi = bisect.bisect_right(sorted_theta, centre + half_width)
    if hi - lo < 2:
        pos = bisect.bisect_left(sorted_theta, centre)
        lo, hi = max(0, pos - 1), min(len(slots), pos + 1)
        if hi - lo < 2:
            lo, hi = max(0, hi - 2), min(len(slots), lo + 2)
    idx = lo + int(rnd.random() * (hi - lo))
    if slots[idx] == exclude and hi - lo >= 2:
        idx = idx + 1 if idx + 1 < hi else idx - 1
    return slots[idx]


@dataclass(frozen=True, eq=False)
class RefitResult:
    """What :meth:`RefitJob.compute` returns: the compacted votes (indices into ``job.active``) and the fit."""

    winners: np.ndarray
    losers: np.ndarray
    counts: np.ndarray
    fit: BradleyTerryFit


@dataclass(frozen=True, eq=False)
class RefitJob:
    """A snapshot for one refit (see :meth:`PairSelector.begin_refit`); ``compute`` is pure and thread-safe."""

    active: np.ndarray
    n_slots: int
    rows: int
    winners: np.ndarray
    losers: np.ndarray
    counts: np.ndarray
    initial_theta: np.ndarray
    prior_strength: float
    interval: str = "wald"
    """The selector needs strengths and standard errors only; its published ranking asks for the better one."""

    def compute(self) -> RefitResult:
        k = int(self.active.size)
        index_of = np.full(self.n_slots, -1, dtype=np.int64)
        index_of[self.active] = np.arange(k)
        wi = index_of[self.winners]
        li = index_of[self.losers]
        keep = (wi >= 0) & (li >= 0)
        cw, cl, cc = compact_comparisons(k, wi[keep], li[keep], self.counts[keep])
        fit = fit_bradley_terry(
            k, cw, cl, cc, prior_strength=self.prior_strength, initial_theta=self.initial_theta, interval=self.interval
        )
        return RefitResult(winners=cw, losers=cl, counts=cc.astype(float), fit=fit)


class PairSelector(SlotPool):
    """In-memory pair chooser for one pairs item; see the module docstring for the rules."""

    def __init__(
        self,
        proposal_ids: Iterable[int] = (),
        *,
        min_comparisons: int = MIN_COMPARISONS,
        max_hearing_exposures: int | None = None,
        exploration: float = EXPLORATION,
        prior_strength: float = SELECTION_PRIOR_STRENGTH,
        ranking_prior_strength: float = PRIOR_STRENGTH,
        refit_min_records: int = REFIT_MIN_RECORDS,
        refit_fraction: float = REFIT_FRACTION,
        auto_refit: bool = True,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if min_comparisons < 0:
            raise ValueError("min_comparisons must be non-negative")
        if not 0.0 <= exploration <= 1.0:
            raise ValueError("exploration must be within [0, 1]")
        if not (prior_strength > 0 and ranking_prior_strength > 0):
            raise ValueError("prior strengths must be positive")
        self.min_comparisons = int(min_comparisons)
        self.max_hearing_exposures = (
            3 * self.min_comparisons if max_hearing_exposures is None else int(max_hearing_exposures)
        )
        self.exploration = float(exploration)
        self.prior_strength = float(prior_strength)
        self.ranking_prior_strength = float(ranking_prior_strength)
        self.refit_min_records = int(refit_min_records)
        self.refit_fraction = float(refit_fraction)
        self.auto_refit = bool(auto_refit)
        self.max_attempts = int(max_attempts)

        # Per slot (see SlotPool: slots are never reused; slot order = order of arrival).
        self._init_pool(self.min_comparisons)
        self._wins: list[int] = []
        self._losses: list[int] = []
        self._theta: list[float] = []
        self._info: list[float] = []
        self._prior_info = self.prior_strength / 2.0  # 2α·σ(0)·σ(0)
        self._hearing_log: dict[int, list[tuple[int, bool]]] = {}

        # Decisive outcomes as slot indices (compacted at every refit).
        self._buf_w = np.zeros(1024, dtype=np.int64)
        self._buf_l = np.zeros(1024, dtype=np.int64)
        self._buf_c = np.zeros(1024, dtype=float)
        self._buf_len = 0
        self._records_total = 0
        self._records_since_fit = 0

        # Ranking snapshot from the last refit (sorted by strength).
        self._order_slots: list[int] = []
        self._order_theta: list[float] = []
        self._est_slots: list[int] = []
        self._est_theta: list[float] = []
        self._fit: BradleyTerryFit | None = None
        self._fit_pids: list[int] = []
        self._fit_active = np.zeros(0, dtype=np.int64)
        self._fit_rows = 0
        self._ranking: tuple[BradleyTerryFit, BradleyTerryFit] | None = None
        """(working fit, the published fit of the same votes), computed on demand by :meth:`results`."""

        for pid in proposal_ids:
            self.add_proposal(pid)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_counts(
        cls,
        proposal_ids: Sequence[int],
        winners: ArrayLike,
        losers: ArrayLike,
        counts: ArrayLike | None = None,
        *,
        exposures: Mapping[int, int] | None = None,
        **options: Any,
    ) -> PairSelector:
        """Rebuild a selector from the database at start-up.

        ``proposal_ids``: the item's live proposals, **oldest first** (ties
        between newcomers go to the oldest).  ``winners``/``losers``/``counts``:
        decisive outcomes as proposal ids (raw rows or ``GROUP BY`` counts);
        outcomes naming other ids are ignored.  ``exposures``: times each
        proposal was served (defaults to its decisive count).  ``options`` are
        the constructor's keyword arguments.  Ends with a refit.
        """
        selector = cls(proposal_ids, **options)
        n = len(selector._pids)
        w_idx, w_known = map_ids_to_indices(selector._pids, winners)
        l_idx, l_known = map_ids_to_indices(selector._pids, losers)
        keep = w_known & l_known
        c = None if counts is None else np.asarray(counts, dtype=float).ravel()[keep]
        cw, cl, cc = compact_comparisons(n, w_idx[keep], l_idx[keep], c)
        selector._buf_w = cw.astype(np.int64)
        selector._buf_l = cl.astype(np.int64)
        selector._buf_c = cc.astype(float)
        selector._buf_len = int(cw.size)
        wins = np.bincount(cw, cc, n).round().astype(np.int64).tolist()
        losses = np.bincount(cl, cc, n).round().astype(np.int64).tolist()
        selector._wins = wins
        selector._losses = losses
        selector._records_total = int(round(float(cc.sum())))
        for slot in range(n):
            served = wins[slot] + losses[slot]
            if exposures is not None:
                served = max(served, int(exposures.get(selector._pids[slot], 0)))
            selector._exposures[slot] = served
        # Hearing logs of proposals still below the quota (at most quota rows each).
        hungry = np.array([wins[s] + losses[s] < selector.min_comparisons for s in range(n)], dtype=bool)
        if hungry.any():
            rows = np.flatnonzero(hungry[cw] | hungry[cl])
            for r in rows.tolist():
                w, lo, k = int(cw[r]), int(cl[r]), int(round(float(cc[r])))
                if hungry[w]:
                    selector._hearing_log.setdefault(w, []).extend([(lo, True)] * k)
                if hungry[lo]:
                    selector._hearing_log.setdefault(lo, []).extend([(w, False)] * k)
        selector._reset_hearing(selector.min_comparisons)  # drop the entries made by add_proposal
        for slot in range(n):
            selector._requeue(slot)
        selector.refit()
        return selector

    # ------------------------------------------------------------------ pool (see SlotPool)
    def add_proposal(self, pid: int) -> None:
        """Add a proposal (or bring back a removed one); it is heard first. O(log n).

        (:meth:`remove_proposal` takes it out; its comparisons stop counting at the next refit, as after a
        restart from the database.)
        """
        slot = self._slot_of.get(pid)
        if slot is None:
            slot = self._new_slot(pid)
            self._wins.append(0)
            self._losses.append(0)
            self._theta.append(0.0)
            self._info.append(self._prior_info)
        if not self._active[slot]:
            self._activate(slot)

    def _activate(self, slot: int) -> None:
        super()._activate(slot)
        self._weights.set(slot, 1.0 / math.sqrt(self._info[slot]))
        self._requeue(slot)

    def comparisons(self, pid: int) -> int:
        """Decisive comparisons recorded for a proposal."""
        slot = self._slot_of[pid]
        return self._wins[slot] + self._losses[slot]

    def _requeue(self, slot: int) -> None:
        count = self._wins[slot] + self._losses[slot]
        if self._active[slot] and count < self.min_comparisons and self._exposures[slot] < self.max_hearing_exposures:
            self._queue.update(slot, count)
        else:
            self._queue.discard(slot)

    # ------------------------------------------------------------------ votes
    def record_served(self, a: int, b: int) -> None:
        """Count that the pair was shown (call for every served pair, whatever the answer)."""
        for pid in (a, b):
            slot = self._slot_of.get(pid)
            if slot is not None:
                self._exposures[slot] += 1
                if self._exposures[slot] >= self.max_hearing_exposures:
                    self._queue.discard(slot)

    def record(self, winner: int, loser: int) -> bool:
        """Record a decisive outcome (left/right). Skips and "can't decide" are not recorded.

        Returns False (and ignores the vote) if either proposal is no longer
        live.  Raises KeyError for ids never added.
        """
        w = self._slot_of[winner]
        lo = self._slot_of[loser]
        if w == lo:
            raise ValueError("a proposal cannot beat itself")
        if not (self._active[w] and self._active[lo]):
            return False
        if self._buf_len == self._buf_w.size:
            size = max(1024, 2 * self._buf_w.size)  # the buffer may be empty after from_counts
            self._buf_w = np.resize(self._buf_w, size)
            self._buf_l = np.resize(self._buf_l, size)
            self._buf_c = np.resize(self._buf_c, size)
        self._buf_w[self._buf_len] = w
        self._buf_l[self._buf_len] = lo
        self._buf_c[self._buf_len] = 1.0
        self._buf_len += 1
        self._records_total += 1
        self._records_since_fit += 1

        p = _sigmoid(self._theta[w] - self._theta[lo])
        gain = p * (1.0 - p)
        for slot, opponent, won in ((w, lo, True), (lo, w, False)):
            in_hearing = self._wins[slot] + self._losses[slot] < self.min_comparisons
            if won:
                self._wins[slot] += 1
            else:
                self._losses[slot] += 1
            self._info[slot] += gain
            if in_hearing:
                log = self._hearing_log.setdefault(slot, [])
                log.append((opponent, won))
                if self._wins[slot] + self._losses[slot] >= self.min_comparisons:
                    del self._hearing_log[slot]
                else:
                    self._provisional_estimate(slot, log)
            self._weights.set(slot, 1.0 / math.sqrt(self._info[slot]))
            self._requeue(slot)

        if self.auto_refit and self.needs_refit:
            self.refit()
        return True

    def _provisional_estimate(self, slot: int, log: list[tuple[int, bool]]) -> None:
        """One-dimensional MAP strength of a newcomer against its opponents' current strengths."""
        alpha = self.prior_strength
        theta = self._theta[slot]
        opponents = [(self._theta[o], won) for o, won in log]
        info = self._prior_info
        for _ in range(_PROVISIONAL_NEWTON_STEPS):
            s = _sigmoid(theta)
            grad = alpha * (1.0 - 2.0 * s)
            info = 2.0 * alpha * s * (1.0 - s)
            for opp_theta, won in opponents:
                p = _sigmoid(theta - opp_theta)
                grad += (1.0 if won else 0.0) - p
                info += p * (1.0 - p)
            step = max(-2.0, min(2.0, grad / info))
            theta += step
            if abs(step) < 1e-6:
                break
        self._theta[slot] = theta
        self._info[slot] = info

    # ------------------------------------------------------------------ refit
    @property
    def needs_refit(self) -> bool:
        """Enough new decisive votes since the last refit (the ``auto_refit`` rule)."""
        return self._records_since_fit >= max(self.refit_min_records, self.refit_fraction * self._records_total)

    def refit(self) -> BradleyTerryFit | None:
        """Refit strengths on all decisive votes among live proposals (warm start); returns the fit."""
        job = self.begin_refit()
        if job is None:
            return None
        return self.finish_refit(job, job.compute())

    def begin_refit(self) -> RefitJob | None:
        """Snapshot what a refit needs (O(live proposals)); run :meth:`RefitJob.compute` anywhere, then
        :meth:`finish_refit` on the selector's own thread.

        Splitting the refit lets a server fit in a worker thread while the selector keeps serving:
        ``compute`` only reads the buffer rows that exist now, and the selector only ever appends after
        them until ``finish_refit``.  Start at most one job at a time.  Returns None (and clears the
        ranking) when no proposal is live.
        """
        active = np.array(sorted(self._active_slots), dtype=np.int64)
        self._records_since_fit = 0
        if active.size == 0:
            self._fit, self._fit_pids = None, []
            self._order_slots, self._order_theta = [], []
            self._est_slots, self._est_theta = [], []
            return None
        m = self._buf_len
        start = np.asarray(self._theta)[active]
        return RefitJob(
            active=active,
            n_slots=len(self._pids),
            rows=m,
            winners=self._buf_w[:m],
            losers=self._buf_l[:m],
            counts=self._buf_c[:m],
            initial_theta=start - start.mean(),
            prior_strength=self.prior_strength,
        )

    def finish_refit(self, job: RefitJob, result: RefitResult) -> BradleyTerryFit:
        """Install a computed refit.  Votes recorded since :meth:`begin_refit` stay in the buffer (and
        count towards the next refit); proposals added since keep their provisional strength."""
        active = job.active
        fit = result.fit
        since = self._buf_len - job.rows
        self._buf_w = np.concatenate([active[result.winners], self._buf_w[job.rows : self._buf_len]])
        self._buf_l = np.concatenate([active[result.losers], self._buf_l[job.rows : self._buf_len]])
        self._buf_c = np.concatenate([result.counts, self._buf_c[job.rows : self._buf_len]])
        self._buf_len = int(self._buf_w.size)
        self._records_since_fit = since

        theta_all = np.asarray(self._theta)
        theta_all[active] = fit.theta
        info_all = np.asarray(self._info)
        info_all[active] = 1.0 / fit.theta_se**2
        self._theta = theta_all.tolist()
        self._info = info_all.tolist()
        live = np.asarray(self._active, dtype=bool)
        weights = np.zeros(len(self._pids))
        weights[live] = 1.0 / np.sqrt(info_all[live])
        self._weights.rebuild(weights.tolist())

        order = np.argsort(fit.theta, kind="stable")
        self._order_slots = active[order].tolist()
        self._order_theta = fit.theta[order].tolist()
        counts = np.asarray(self._wins)[active] + np.asarray(self._losses)[active]
        established = order[counts[order] >= self.min_comparisons]
        self._est_slots = active[established].tolist()
        self._est_theta = fit.theta[established].tolist()
        self._fit = fit
        self._fit_pids = [self._pids[s] for s in active.tolist()]
        self._fit_active, self._fit_rows = active, int(result.winners.size)
        return fit

    @property
    def last_fit(self) -> BradleyTerryFit | None:
        """The latest refit (items in the order of :attr:`fit_proposal_ids`)."""
        return self._fit

    @property
    def fit_proposal_ids(self) -> list[int]:
        return list(self._fit_pids)

    def results(self, refresh: bool = True) -> list[PairRanking]:
        """Ranking of the live proposals, best first (refits first if votes arrived since)."""
        if refresh and (self._records_since_fit or self._fit is None or len(self._fit_pids) != len(self)):
            self.refit()
        fit = self.ranking_fit()
        if fit is None:
            return []
        return rankings_from_fit(self._fit_pids, fit)

    def ranking_fit(self) -> BradleyTerryFit | None:
        """The last refit's votes fitted with the published (light) prior; items as :attr:`fit_proposal_ids`."""
        fit = self._fit
        if fit is None:
            return None
        if self._ranking is None or self._ranking[0] is not fit:
            m = self._fit_rows  # the buffer's first rows are the refit's compacted votes
            job = RefitJob(
                active=self._fit_active,
                n_slots=len(self._pids),
                rows=m,
                winners=self._buf_w[:m],
                losers=self._buf_l[:m],
                counts=self._buf_c[:m],
                initial_theta=fit.theta,
                prior_strength=self.ranking_prior_strength,
                interval="likelihood_ratio",
            )
            self._ranking = (fit, job.compute().fit)
        return self._ranking[1]

    # ------------------------------------------------------------------ choice
    def choose(self, seen: SeenPairs = None, rng: RandomLike = None) -> tuple[int, int] | None:
        """Next pair ``(left, right)`` of proposal ids for a participant, or None if they have seen every pair.

        ``seen``: the participant's history (predicate ``seen(low, high)`` or
        set of frozensets).  The order of the returned pair is random, so it
        can be shown as is (no left/right bias).
        """
        if len(self._active_slots) < 2:
            return None
        rnd = as_random(rng)
        seen_ids = pair_seen_predicate(seen)
        pids = self._pids

        def unseen(s: int, t: int) -> bool:
            return not seen_ids(pids[s], pids[t])

        if len(self._queue):
            for c in self._queue.peek(_NEWCOMER_CANDIDATES):
                opponent = self._opponent_for_newcomer(c, unseen, rnd)
                if opponent is not None:
                    return self._present(c, opponent, rnd)

        for _ in range(self.max_attempts):
            s, explored = self._draw_focus(rnd)
            if s is None:
                continue
            t = self._uniform(rnd) if explored else self._competitor(s, rnd)
            if t is not None and s != t and self._active[s] and self._active[t] and unseen(s, t):
                return self._present(s, t, rnd)
        return self._any_unseen_pair(unseen, rnd)

    def _present(self, s: int, t: int, rnd: random.Random) -> tuple[int, int]:
        a, b = self._pids[s], self._pids[t]
        return (a, b) if rnd.random() < 0.5 else (b, a)

    def _opponent_for_newcomer(self, c: int, unseen: Unseen, rnd: random.Random) -> int | None:
        if len(self._est_slots) >= MIN_ESTABLISHED_POOL:
            pool_theta, pool_slots = self._est_theta, self._est_slots
        else:  # early phase: any fitted proposal
            pool_theta, pool_slots = self._order_theta, self._order_slots
        if len(pool_slots) >= 2:
            half_width = NEWCOMER_WINDOW_SE / math.sqrt(self._info[c])
            for _ in range(_OPPONENT_DRAWS):
                t = _pick_in_window(pool_theta, pool_slots, self._theta[c], half_width, c, rnd)
                if self._active[t] and t != c and unseen(c, t):
                    return t
        for _ in range(_OPPONENT_DRAWS):
            t = self._uniform(rnd)
            if t != c and unseen(c, t):
                return t
        return None

    def _competitor(self, s: int, rnd: random.Random) -> int | None:
        if len(self._order_theta) < 2:
            return self._uniform(rnd)
        half_width = max(COMPETITOR_WINDOW_SE / math.sqrt(self._info[s]), COMPETITOR_MIN_WINDOW)
        return _pick_in_window(self._order_theta, self._order_slots, self._theta[s], half_width, s, rnd)

    def _any_unseen_pair(self, unseen: Unseen, rnd: random.Random) -> tuple[int, int] | None:
        """Exhaustive fallback: O(pairs the participant has seen + n)."""
        order = list(self._walk(rnd))
        k = len(order)
        for i, s in enumerate(order):
            for j in range(1, k):
                t = order[(i + j) % k]
                if unseen(s, t):
                    return self._present(s, t, rnd)
        return None
