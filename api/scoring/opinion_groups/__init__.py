"""Opinion groups as Pol.is computes them, from agree / disagree / pass votes on statements (pure, no database).

Pipeline (each step its own module): :mod:`.matrix` (the participant × statement matrix, who is clustered),
:mod:`.projection` (PCA, sparsity-aware map), :mod:`.clustering` (100 base clusters, groups for k = 2 … 5 by
silhouette), :mod:`.stability` (the k smoother, labels that follow the previous run, agreement between two
labellings), :mod:`.repness` (representative statements, group-informed consensus, divisiveness).

Runtime dependency: numpy, scikit-learn (PCA, k-means, silhouette) and scipy (Hungarian matching).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from .clustering import cluster
from .matrix import VoteMatrix, build_matrix
from .projection import project
from .repness import Representative, consensus, divisiveness, group_counts, group_stats, representative
from .stability import KSmoother, agreement, follow_labels, matching


@dataclass(frozen=True)
class StatementView:
    statement: Hashable
    consensus_agree: float
    consensus_disagree: float
    divisiveness: float
    group_agree: tuple[float, ...]  # per group: smoothed agreement share pa
    group_seen: tuple[int, ...]
    group_disagree: tuple[float, ...] = ()  # per group: smoothed disagreement share pd


@dataclass(frozen=True)
class OpinionGroups:
    k: int  # 0: not enough participants for groups
    groups: dict[Hashable, int]  # clustered participant → group
    sizes: tuple[int, ...]
    representative: tuple[tuple[Representative, ...], ...]  # per group
    statements: tuple[StatementView, ...]
    smoother: KSmoother
    best_k: int | None  # this run's best k by silhouette (``k`` may lag behind it)
    silhouettes: dict[int, float] = field(default_factory=dict)
    stability: float = 1.0  # share of the previous run's clustered participants still in their group
    seconds: float = 0.0


def opinion_groups(
    matrix: VoteMatrix,
    *,
    smoother: KSmoother = KSmoother(),  # noqa: B008 - frozen: update() returns a new one, the default is never changed
    previous: Mapping[Hashable, int] | None = None,
    random_state: int = 0,
) -> OpinionGroups:
    started = time.perf_counter()
    matrix = matrix.canonical()
    rows = matrix.clusterable()
    points = project(matrix.for_projection(), random_state=random_state).points[rows]
    clustering = cluster(points, random_state=random_state)
    smoother = smoother.update(clustering.best_k)
    k = smoother.smoothed_k if smoother.smoothed_k in clustering.groupings else clustering.best_k
    if k is None:
        return OpinionGroups(0, {}, (), (), (), smoother, None, seconds=time.perf_counter() - started)
    labels = clustering.labels(k)
    groups = {matrix.participants[r]: int(g) for r, g in zip(rows, labels, strict=False)}
    stability = 1.0
    if previous:
        groups, stability = follow_labels(groups, previous)
    dense = {label: i for i, label in enumerate(sorted(set(groups.values())))}  # 0 … k-1, in the followed order
    groups = {p: dense[g] for p, g in groups.items()}
    sizes, reps, views = describe(matrix, groups)
    return OpinionGroups(
        k=len(sizes),
        groups=groups,
        sizes=sizes,
        representative=reps,
        statements=views,
        smoother=smoother,
        best_k=clustering.best_k,
        silhouettes=clustering.silhouettes,
        stability=stability,
        seconds=time.perf_counter() - started,
    )


def describe(
    matrix: VoteMatrix, groups: Mapping[Hashable, int]
) -> tuple[tuple[int, ...], tuple[tuple[Representative, ...], ...], tuple[StatementView, ...]]:
    """Sizes, representative statements and per-statement views of any grouping of the matrix's participants
    (ours, or Polis's own ``group-id`` to compare); the i-th group is the i-th label in sorted order."""
    order = sorted(set(groups.values()))
    dense = {label: i for i, label in enumerate(order)}
    rows = np.array([r for r, p in enumerate(matrix.participants) if p in groups], dtype=np.intp)
    labels = np.array([dense[groups[matrix.participants[r]]] for r in rows], dtype=np.intp)
    counts = group_counts(matrix.values[rows], labels, len(order))
    stats = group_stats(counts)
    excluded = {j for j, s in enumerate(matrix.statements) if s in matrix.moderated_out}
    agree, disagree = consensus(counts)
    spread = divisiveness(stats)
    views = tuple(
        StatementView(
            s,
            float(agree[j]),
            float(disagree[j]),
            float(spread[j]),
            tuple(float(x) for x in stats.pa[:, j]),
            tuple(int(x) for x in counts.seen[:, j]),
            tuple(float(x) for x in stats.pd[:, j]),
        )
        for j, s in enumerate(matrix.statements)
    )
    sizes = tuple(int(x) for x in np.bincount(labels, minlength=len(order)))
    reps = tuple(
        tuple(dataclasses.replace(r, statement=matrix.statements[cast(int, r.statement)]) for r in group)
        for group in representative(stats, excluded)
    )
    return sizes, reps, views


def consensus_statements(
    statements: Iterable[StatementView], *, pick: int = 5, excluded: Iterable[Hashable] = ()
) -> list[Hashable]:
    """The statements agreed across all groups: the highest group-informed agree consensus among those that every
    group agrees with more often than not."""
    out = set(excluded)
    bridging = [v for v in statements if v.statement not in out and min(v.group_agree, default=0) > 0.5]
    return [v.statement for v in sorted(bridging, key=lambda v: -v.consensus_agree)[:pick]]


__all__ = [
    "KSmoother",
    "OpinionGroups",
    "Representative",
    "StatementView",
    "VoteMatrix",
    "agreement",
    "build_matrix",
    "consensus_statements",
    "describe",
    "matching",
    "opinion_groups",
]
