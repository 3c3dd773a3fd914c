"""The steps of Polis's method, each on data where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from api.scoring.opinion_groups import KSmoother, agreement, build_matrix, consensus_statements, opinion_groups
from api.scoring.opinion_groups.projection import project
from bench.bench_groups import planted_votes


def test_planted_camps_are_found():
    votes, camp = planted_votes(600, 60, 12_000, groups=3, seed=4)
    result = opinion_groups(build_matrix(votes, statements=range(60)))
    assert result.k == 3 and result.best_k == 3
    people = sorted(result.groups)
    # Sparse voters (4 to 40 votes of 60) sit between camps on a 2-D map: a few land in a neighbouring group.
    assert agreement(np.array([result.groups[p] for p in people]), camp[people]) >= 0.9
    voted = np.bincount([p for p, _, _ in votes])
    assert sum(result.sizes) == len(people) == np.count_nonzero(voted >= 7) < 600


def test_who_is_clustered():
    # 20 statements: 7 votes make a participant count, 6 do not; with 3 statements, 3 votes are enough.
    votes = [(p, s, 1 if (p + s) % 3 else -1) for p in range(40) for s in range(7 if p % 2 else 6)]
    matrix = build_matrix(votes, statements=range(20))
    assert [matrix.participants[r] for r in matrix.clusterable()] == list(range(1, 40, 2))
    small = build_matrix([(p, s, 1) for p in range(5) for s in range(3 if p else 2)], statements=range(3))
    assert list(small.clusterable()) == [1, 2, 3, 4]


def test_a_sparse_voter_is_pushed_out_by_the_square_root_of_what_they_skipped():
    rng = np.random.default_rng(2)
    values = rng.choice([-1.0, 0.0, 1.0], size=(50, 20))
    values[7, 5:] = np.nan  # participant 7 voted on 5 statements of 20
    projection = project(values)
    voted = slice(0, 5)
    unscaled = (values[7, voted] - projection.center[voted]) @ projection.components[:, voted].T
    assert projection.points[7] == pytest.approx(unscaled * np.sqrt(20 / 5))
    # The statement means impute the missing votes: a column with a hole has the mean of those who voted.
    assert projection.center[10] == pytest.approx(np.mean(np.delete(values[:, 10], 7)))


def test_moderated_out_statements_say_nothing_but_count_as_voted():
    votes = [(p, s, 1) for p in range(3) for s in range(8)]
    matrix = build_matrix(votes, moderated_out=[0, 99])
    assert matrix.moderated_out == {0}
    assert (matrix.for_projection()[:, 0] == 0).all() and (matrix.values[:, 0] == 1).all()
    with pytest.raises(ValueError, match="not 1, -1 or 0"):
        build_matrix([("a", 1, 2)])


def test_the_number_of_groups_changes_only_after_four_updates_in_a_row():
    smoother = KSmoother()
    ks = []
    for best in [2, 3, 3, 3, 2, 3, 3, 3, 3, 4]:
        smoother = smoother.update(best)
        ks.append(smoother.smoothed_k)
    assert ks == [2, 2, 2, 2, 2, 2, 2, 2, 3, 3]
    assert smoother.update(None) == smoother


def test_groups_keep_their_labels_from_one_run_to_the_next():
    votes, _ = planted_votes(300, 40, 6_000, groups=2, seed=5)
    matrix = build_matrix(votes, statements=range(40))
    first = opinion_groups(matrix)
    swapped = {p: 1 - g for p, g in first.groups.items()}
    again = opinion_groups(matrix, smoother=first.smoother, previous=swapped)
    assert again.groups == swapped and again.stability == 1.0
    assert again.smoother.last_k_count == 2
    # Half of the participants change camp: the stability says how many stayed.
    moved = {p: (g if p % 2 else 1 - g) for p, g in first.groups.items()}
    assert opinion_groups(matrix, previous=moved).stability == pytest.approx(
        np.mean([p % 2 == 1 for p in first.groups]), abs=0.05
    )


def test_consensus_divisiveness_and_representative_statements():
    # Two camps of 30. Statement 0: everyone agrees. Statement 1: camp A agrees, camp B disagrees.
    # Statements 2 … 9 separate the camps too; statement 10: everyone disagrees.
    votes = []
    for p in range(60):
        a = p < 30
        votes += [(p, 0, 1), (p, 1, 1 if a else -1), (p, 10, -1)]
        votes += [(p, s, (1 if a else -1) * (1 if s % 2 else -1)) for s in range(2, 10)]
    result = opinion_groups(build_matrix(votes, statements=range(11)))
    assert result.k == 2 and result.sizes == (30, 30)
    views = {v.statement: v for v in result.statements}
    assert max(views.values(), key=lambda v: v.consensus_agree).statement == 0
    assert max(views.values(), key=lambda v: v.consensus_disagree).statement == 10
    assert views[0].divisiveness == pytest.approx(0) and views[1].divisiveness > 0.9
    assert consensus_statements(result.statements, pick=3) == [0]
    for group in result.representative:
        # Polis puts the group's best agreed statement first, even one every group agrees with (here statement 0);
        # the others pass both 90 % tests: the group agrees (or disagrees) more than not, and more than the others.
        assert len(group) == 5 and all(r.statement != 10 for r in group)
        assert all(r.repness > 1 and r.repness_test > 1.2816 and r.p_test > 1.2816 for r in group[1:])
        assert [r.direction for r in group] == sorted((r.direction for r in group), key=("agree", "disagree").index)


def test_the_same_votes_give_the_same_groups_whatever_order_they_come_in():
    votes, _ = planted_votes(400, 50, 8_000, groups=3, seed=6)
    first = opinion_groups(build_matrix(votes, statements=range(50)))
    shuffled = [votes[i] for i in np.random.default_rng(1).permutation(len(votes))]
    renamed = {p: f"x{(p * 7919) % 400:03d}" for p in range(400)}  # other ids, in another order
    again = opinion_groups(build_matrix([(renamed[p], s, v) for p, s, v in shuffled], statements=range(50)))
    assert again.sizes == first.sizes
    assert {renamed[p]: g for p, g in first.groups.items()} == again.groups


@pytest.mark.filterwarnings("error")  # no division by a zero variance either
def test_everyone_voting_alike_makes_no_groups():
    result = opinion_groups(build_matrix([(p, s, 1) for p in range(20) for s in range(8)]))
    assert result.k == 0 and result.groups == {}
