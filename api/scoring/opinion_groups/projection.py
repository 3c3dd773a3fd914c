"""Polis's 2-D map of the participants: PCA of the mean-imputed vote matrix, then a sparsity-aware projection.

The principal components come from every participant's votes, missing ones imputed by the statement's mean (so
they pull nothing). A participant is then projected from the statements they voted on only, and pushed out from
the centre by √(statements / votes cast): someone who voted on a quarter of the statements would otherwise sit
near the middle of the map for lack of votes, not for lack of opinion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA


@dataclass(frozen=True)
class Projection:
    points: np.ndarray  # participants × 2
    center: np.ndarray  # per statement: its mean vote
    components: np.ndarray  # 2 × statements


def column_means(values: np.ndarray) -> np.ndarray:
    seen = ~np.isnan(values)
    counts = seen.sum(axis=0)
    sums = np.where(seen, values, 0.0).sum(axis=0)
    return np.asarray(np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0))


def project(values: np.ndarray, *, random_state: int = 0) -> Projection:
    """``values``: participants × statements, NaN where no vote (moderated-out statements already zeroed)."""
    center = column_means(values)
    seen = ~np.isnan(values)
    centred = np.where(seen, values - center, 0.0)  # the imputed cells are exactly the mean: 0 once centred
    n_rows, n_cols = values.shape
    components = np.zeros((2, n_cols))
    if n_rows >= 2 and n_cols >= 1 and np.any(centred):  # everyone voting alike: no direction to find
        n = min(2, n_rows, n_cols)
        pca = PCA(n_components=n, svd_solver="auto", random_state=random_state).fit(centred)
        components[:n] = pca.components_
    scale = np.sqrt(n_cols / np.maximum(seen.sum(axis=1), 1))
    return Projection(points=(centred @ components.T) * scale[:, None], center=center, components=components)
