"""Counting participatory-budgeting ballots: pure functions over plain data (no database, no web).

Modules: :mod:`.election` (the data, the tie order), :mod:`.greedy` (greedy,
greedy-no-skip, greedy-threshold), :mod:`.equal_shares` (the Method of Equal
Shares, add1 completion, comparison with greedy), :mod:`.pabulib` (the
``.pb`` reader).  :func:`count` runs a rule by its Pabulib name so that every
rule can be shown side by side.
"""

from __future__ import annotations

from collections.abc import Mapping

from .election import Election, Project
from .equal_shares import equal_shares as _equal_shares
from .greedy import greedy as _greedy

RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "equalshares", "equalshares/add1")


def count(election: Election, rule: str, *, threshold: int = 0, comparison: bool = False) -> list[str]:
    """Funded project ids, in the order the rule funded them.

    ``threshold``: least total score for ``greedy-threshold``.  ``comparison``:
    equalshares.net's comparison step for the ``equalshares`` rules.
    """
    if rule == "greedy":
        return _greedy(election)
    if rule == "greedy-no-skip":
        return _greedy(election, skip=False)
    if rule == "greedy-threshold":
        return _greedy(election, threshold=threshold)
    if rule == "equalshares":
        return _equal_shares(election, completion=None, comparison=comparison)
    if rule == "equalshares/add1":
        return _equal_shares(election, completion="add1", comparison=comparison)
    raise ValueError(f"unknown rule {rule!r}; one of {RULES}")


def count_by_meta(election: Election, meta: Mapping[str, str]) -> list[str]:
    """Count with the rule a Pabulib file's META names (``rule``, ``min_project_score_threshold``)."""
    threshold = int(meta.get("min_project_score_threshold", "0") or 0)
    rule = meta.get("rule", "").strip()
    return count(election, rule, threshold=threshold if rule == "greedy-threshold" else 0)


__all__ = ["RULES", "Election", "Project", "count", "count_by_meta"]
