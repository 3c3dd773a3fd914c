"""The greedy rules most cities count with: fund the best-scored projects while money lasts.

Projects are taken in descending total score (approvals, or points for
cumulative and ordinal ballots), a tie going to the project earlier in the
election's tie order.  Three variants, as Pabulib's ``rule`` names them:

* ``greedy`` — a project that no longer fits in what is left of the budget
  is skipped and the next one is tried.  Every project is looked at once, in
  that order, and taken iff its cost ≤ the money left, so the outcome is
  feasible (money left never goes negative) and exhaustive in the order's
  sense: no skipped project fits once the pass ends, since money left only
  shrinks.
* ``greedy-no-skip`` — the count stops at the first project that does not
  fit; the ones after it are not funded even when cheaper.
* ``greedy-threshold`` — ``greedy`` over the projects whose score reaches
  ``threshold`` (Pabulib META ``min_project_score_threshold``: a project
  with a score *below* it is not funded; one exactly at it is).

Integers throughout: scores and costs are whole numbers, the comparisons
exact.
"""

from __future__ import annotations

from .election import Election


def ranking(election: Election) -> list[str]:
    """Project ids, best score first, ties by the election's tie order."""
    scores = election.scores()
    return sorted(scores, key=lambda pid: (-scores[pid], election.tie_rank(pid)))


def greedy(election: Election, *, threshold: int = 0, skip: bool = True) -> list[str]:
    """Funded project ids in the order they were funded.

    ``threshold``: the least total score a project needs to be funded.
    ``skip``: False stops at the first project that does not fit (greedy-no-skip).
    A project nobody voted for is never funded.
    """
    scores = election.scores()
    costs = {p.id: p.cost for p in election.projects}
    left = election.budget
    funded = []
    for pid in ranking(election):
        if scores[pid] <= 0 or scores[pid] < threshold:
            continue
        if costs[pid] > left:
            if skip:
                continue
            break
        funded.append(pid)
        left -= costs[pid]
    return funded


def greedy_no_skip(election: Election, *, threshold: int = 0) -> list[str]:
    return greedy(election, threshold=threshold, skip=False)


def greedy_threshold(election: Election, threshold: int) -> list[str]:
    return greedy(election, threshold=threshold)
