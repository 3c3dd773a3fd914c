"""Polis's two-level clustering: k-means base clusters of the map, then k-means groups of those base clusters.

Base clusters (100 at most) make the groups cheap to recompute and stable: each group is a union of base
clusters. Groups are tried for k = 2 … min(5, 2 + base clusters / 12), each base cluster weighted by its members,
and the k with the best silhouette (of the base-cluster centres, unweighted, as Polis computes it) is proposed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

BASE_CLUSTERS = 100
MAX_GROUPS = 5


@dataclass(frozen=True)
class Clustering:
    base_labels: np.ndarray  # per clustered participant: their base cluster
    base_centers: np.ndarray  # base clusters × 2
    groupings: dict[int, np.ndarray]  # k → per base cluster: its group (0 … k-1)
    silhouettes: dict[int, float]

    @property
    def best_k(self) -> int | None:
        return max(self.silhouettes, key=lambda k: (self.silhouettes[k], -k)) if self.silhouettes else None

    def labels(self, k: int) -> np.ndarray:
        """Per clustered participant: their group for ``k`` groups."""
        return np.asarray(self.groupings[k][self.base_labels])


def max_groups(base_clusters: int, most: int = MAX_GROUPS) -> int:
    return min(most, 2 + base_clusters // 12)


def cluster(
    points: np.ndarray, *, base_clusters: int = BASE_CLUSTERS, most_groups: int = MAX_GROUPS, random_state: int = 0
) -> Clustering:
    """``points``: the map positions of the clustered participants only."""
    distinct = np.unique(points, axis=0) if len(points) else points
    n_base = min(base_clusters, len(distinct))
    if n_base < 2:  # everyone at one point: no groups
        labels = np.zeros(len(points), dtype=np.intp)
        centers = points.mean(axis=0, keepdims=True) if len(points) else np.zeros((0, 2))
        return Clustering(labels, centers, {}, {})
    base = KMeans(n_clusters=n_base, n_init=1, random_state=random_state).fit(points)
    base_labels = base.labels_
    weights = np.bincount(base_labels, minlength=n_base).astype(float)
    used = np.flatnonzero(weights)  # k-means may leave a centre without members: drop it
    remap = np.full(n_base, -1, dtype=np.intp)
    remap[used] = np.arange(len(used))
    base_labels, centers, weights = remap[base_labels], base.cluster_centers_[used], weights[used]
    groupings, silhouettes = {}, {}
    for k in range(2, max_groups(len(centers), most_groups) + 1):
        if k > len(centers):
            break
        grouping = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(centers, sample_weight=weights)
        found = len(set(grouping.labels_))
        if found < 2:
            continue
        groupings[k] = grouping.labels_.astype(np.intp)
        # Every base cluster alone in its group: Polis's silhouette of singletons, 0.
        silhouettes[k] = float(silhouette_score(centers, grouping.labels_)) if found < len(centers) else 0.0
    return Clustering(base_labels, centers, groupings, silhouettes)
