import random
from collections import Counter

import pytest

from api.scoring import ProposalSelector, VoteCounts


def _vote_everyone(selector, participants, rnd, choices=("agree", "disagree", "neutral")):
    for _ in range(participants):
        voted: set[int] = set()
        while (pid := selector.choose(voted, rnd)) is not None:
            voted.add(pid)
            selector.record_served(pid)
            selector.record(pid, rnd.choice(choices))
            if len(voted) >= 10:
                break


def test_newcomers_are_served_first_fewest_votes_then_oldest():
    selector = ProposalSelector.from_counts(dict.fromkeys(range(20), (20, 10, 5)))
    selector.add_proposal(100)
    selector.add_proposal(101)
    rnd = random.Random(1)
    assert selector.choose(set(), rnd) == 100  # both at 0 votes: the older one
    selector.record(100, "agree")
    assert selector.choose(set(), rnd) == 101  # now 101 has fewer votes
    assert selector.choose({101}, rnd) == 100  # this participant already voted on 101


def test_a_late_statement_reaches_min_votes_with_the_next_participants():
    selector = ProposalSelector(range(200))
    rnd = random.Random(2)
    _vote_everyone(selector, 250, rnd)  # 2 500 votes over 200 statements
    selector.add_proposal(999)
    served = 0
    while selector.votes(999) < selector.min_votes:
        voted: set[int] = set()  # a new participant each time
        pid = selector.choose(voted, rnd)
        served += 1
        selector.record(pid, "agree")
    assert served == selector.min_votes


def test_a_participant_never_gets_the_same_statement_twice():
    selector = ProposalSelector(range(12))
    rnd = random.Random(3)
    voted: set[int] = set()
    while (pid := selector.choose(voted, rnd)) is not None:
        assert pid not in voted
        voted.add(pid)
        selector.record(pid, "neutral")
    assert voted == set(range(12))


def test_after_the_hearing_less_certain_statements_are_served_more():
    counts = dict.fromkeys(range(10), (30, 30, 0))
    counts.update(dict.fromkeys(range(10, 20), (300, 300, 0)))
    selector = ProposalSelector.from_counts(counts)
    rnd = random.Random(4)
    served = Counter(selector.choose(None, rnd) for _ in range(4000))
    few = sum(served[p] for p in range(10))
    many = sum(served[p] for p in range(10, 20))
    assert few > 2 * many  # ~1/sqrt(60) vs ~1/sqrt(600) interval widths
    assert many > 0  # exploration keeps everybody in play


def test_removed_statements_are_not_served():
    selector = ProposalSelector.from_counts(dict.fromkeys(range(3), (10, 5, 0)))
    selector.remove_proposal(1)
    rnd = random.Random(5)
    assert {selector.choose(None, rnd) for _ in range(100)} == {0, 2}
    assert selector.record(1, "agree") is False
    assert ProposalSelector().choose() is None


def test_from_counts_accepts_vote_counts_and_rejects_unknown_choices():
    selector = ProposalSelector.from_counts({7: VoteCounts(agree=2, disagree=1), 8: (0, 0, 0)})
    assert selector.counts(7) == (2, 1, 0)
    assert selector.choose(None, random.Random(0)) == 8
    with pytest.raises(ValueError):
        selector.record(7, "maybe")


def test_voted_may_be_a_predicate():
    selector = ProposalSelector(range(4))
    assert selector.choose(lambda pid: pid != 3, random.Random(0)) == 3
