"""The participant × statement vote matrix Polis clusters, built from plain (participant, statement, vote) rows.

Votes are +1 agree, -1 disagree, 0 pass (viche's "neutral"); a missing vote is NaN. Statements moderated out
stay as columns but are zeroed for the projection, as Polis does (its ``mod-out``): they still count for who has
voted enough to be clustered.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

# A participant is clustered once they have voted on this many statements, or on all of them when there are fewer.
MIN_VOTES = 7


@dataclass(frozen=True)
class VoteMatrix:
    participants: tuple[Hashable, ...]
    statements: tuple[Hashable, ...]
    values: np.ndarray  # float, participants × statements, NaN where no vote
    moderated_out: frozenset[Hashable] = frozenset()

    @property
    def votes_cast(self) -> np.ndarray:
        return np.asarray(np.count_nonzero(~np.isnan(self.values), axis=1))

    def clusterable(self, min_votes: int = MIN_VOTES) -> np.ndarray:
        """Rows of the participants Polis puts "in the conversation": min(7, statements) votes at least."""
        return np.flatnonzero(self.votes_cast >= min(min_votes, len(self.statements)))

    def canonical(self) -> VoteMatrix:
        """The rows sorted by their votes: k-means starts from the same points whatever order the participants came
        in (their ids are random), so the same votes always give the same groups."""
        codes = np.where(np.isnan(self.values), 3, self.values + 1).astype(np.int8)  # 0 1 2: votes, 3: none
        order = np.lexsort(codes.T[::-1]) if codes.size else np.arange(len(self.participants))
        return VoteMatrix(
            tuple(self.participants[i] for i in order), self.statements, self.values[order], self.moderated_out
        )

    def for_projection(self) -> np.ndarray:
        """The values with moderated-out statements zeroed for everyone (a vote there says nothing)."""
        if not self.moderated_out:
            return self.values
        values = self.values.copy()
        out = [j for j, s in enumerate(self.statements) if s in self.moderated_out]
        values[:, out] = 0.0
        return values


def build_matrix(
    votes: Iterable[tuple[Hashable, Hashable, int]],
    *,
    statements: Iterable[Hashable] | None = None,
    moderated_out: Iterable[Hashable] = (),
) -> VoteMatrix:
    """One row per participant who voted, one column per statement (given ones first, in their order, then any
    other voted on in order of appearance); a participant's last row for a statement wins."""
    people: dict[Hashable, int] = {}
    columns: dict[Hashable, int] = {s: j for j, s in enumerate(statements or ())}
    rows, cols, vals = [], [], []
    for participant, statement, vote in votes:
        if vote not in (1, -1, 0):
            raise ValueError(f"vote {vote!r} is not 1, -1 or 0")
        rows.append(people.setdefault(participant, len(people)))
        cols.append(columns.setdefault(statement, len(columns)))
        vals.append(float(vote))
    values = np.full((len(people), len(columns)), np.nan)
    values[np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)] = vals
    return VoteMatrix(tuple(people), tuple(columns), values, frozenset(moderated_out) & frozenset(columns))
