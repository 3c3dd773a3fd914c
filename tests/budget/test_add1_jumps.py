"""add1 counts only at the shares where the count may change, and funds exactly what the plain +1 loop funds.

The reference here is add1 as it was written first: count MES at B/n, B/n + 1, B/n + 2, … one unit at a time
(MES counted afresh at every share).  The jumping add1 must fund the same projects in the same order on random
small elections (both utilities, approval and cumulative ballots, ties, free projects, both stops), never skip a
share whose count differs, agree with pabutools' iterated MES on a sample, and agree with the +1 loop on every
shared Pabulib file and with pabutools on more of them (the Pabulib library of PB data, pabulib.org; Stolicki,
Szufa, Talmon, "Pabulib: a participatory budgeting library", arXiv 2012.06539; read from ../shared/data/pabulib,
not copied).
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
from pabutools.election import Project as PabuProject
from pabutools.rules import completion_by_rule_combination, method_of_equal_shares

from api.scoring.budget import Election, Project, pabulib
from api.scoring.budget.add1 import count_with_steps
from api.scoring.budget.equal_shares import _Prepared, equal_shares
from tests.budget.conftest import WITH_RESULT, pabulib_file
from tests.budget.test_city_results import PointsTimesCost, _pabutools


def plus_one(election: Election, utility: str = "cost", stop_when_exhaustive: bool = False) -> list[str]:
    """add1 one unit at a time: the reference."""
    costs = {p.id: p.cost for p in election.projects}
    supported = {pid for ballot in election.ballots for pid, points in ballot.items() if points > 0}
    per_voter = Fraction(election.budget, len(election.ballots))
    count = _Prepared(election, utility).count  # MES at one share (equal_shares_fixed without preparing again)
    outcome = count(per_voter)
    while set(outcome) != supported:
        left = election.budget - sum(costs[pid] for pid in outcome)
        if stop_when_exhaustive and all(cost > left for pid, cost in costs.items() if pid not in outcome):
            break
        per_voter += 1
        bigger = count(per_voter)
        if sum(costs[pid] for pid in bigger) > election.budget:
            break
        outcome = bigger
    return outcome


def random_election(rng: random.Random) -> Election:
    n_projects = rng.randint(1, 6)
    costs = {f"p{i}": 0 if rng.random() < 0.1 else rng.randint(1, 60) for i in range(n_projects)}
    cumulative = rng.random() < 0.3
    ballots = []
    for _ in range(rng.randint(1, 8)):
        chosen = rng.sample(sorted(costs), rng.randint(0, n_projects))
        ballots.append({pid: rng.randint(1, 3) if cumulative else 1 for pid in chosen})
    tie_order = rng.sample(sorted(costs), n_projects) if rng.random() < 0.5 else None
    budget = rng.randint(1, sum(costs.values()) + 10)
    return Election(budget, tuple(Project(pid, c) for pid, c in costs.items()), tuple(ballots), tie_order)


@pytest.mark.parametrize("seed", range(4))
def test_add1_funds_what_the_plus_one_loop_funds_on_random_elections(seed):
    rng = random.Random(seed)
    for _ in range(100):
        election = random_election(rng)
        utility = rng.choice(["cost", "cardinality"])
        stop = rng.random() < 0.5
        expected = plus_one(election, utility, stop)
        assert equal_shares(election, utility=utility, stop_when_exhaustive=stop) == expected, (election, utility)


def assert_no_share_skipped_counts_differently(prepared: _Prepared, share: Fraction, jumps: int = 6) -> None:
    """Every share a jump passes over gives the very count the jump started from (funded projects and their order)."""
    for _ in range(jumps):
        outcome, steps = count_with_steps(prepared, share)
        assert outcome == prepared.count(share)
        if steps is None:  # nothing in the count ever changes: look well ahead
            steps = 200
            assert all(prepared.count(share + k) == outcome for k in (1, 10, 100, 1000))
        for k in range(1, steps):
            assert prepared.count(share + k) == outcome, (prepared.election, share, k, steps)
        share += steps


def test_no_skipped_share_counts_differently():
    rng = random.Random(2026)
    for _ in range(150):
        election = random_election(rng)
        prepared = _Prepared(election, rng.choice(["cost", "cardinality"]))
        assert_no_share_skipped_counts_differently(
            prepared, Fraction(election.budget, len(election.ballots)) + rng.randint(0, 20)
        )


def test_a_tie_reached_exactly_on_a_share_goes_to_the_project_earlier_in_the_tie_order():
    # At 15/2 each, p0 is funded before p2 (after p1); at 17/2 their prices meet, and p2, earlier in the tie order,
    # goes first: the jump from 15/2 must stop at 17/2, not pass it as a share where p0 still leads.
    costs = {"p0": 1, "p1": 8, "p2": 9}
    ballots = ({"p2": 1}, {"p1": 1}, {"p2": 1, "p0": 1, "p1": 1}, {"p0": 1})
    election = Election(22, tuple(Project(p, c) for p, c in costs.items()), ballots, ["p1", "p2", "p0"])
    prepared = _Prepared(election, "cost")
    assert prepared.count(Fraction(15, 2)) != prepared.count(Fraction(17, 2))
    assert_no_share_skipped_counts_differently(prepared, Fraction(15, 2))


def test_few_voters_and_a_large_budget_jump_over_nearly_every_count():
    # 24 voters and a budget of 60 000: the +1 loop counts thousands of times; the jumps count where something may
    # change, and end where the loop ends.
    rng = random.Random(24)
    costs = {f"p{i}": rng.randint(3_000, 24_000) for i in range(8)}
    ballots = tuple(dict.fromkeys(rng.sample(sorted(costs), rng.randint(1, 4)), 1) for _ in range(24))
    election = Election(60_000, tuple(Project(pid, c) for pid, c in costs.items()), ballots)
    expected = plus_one(election)
    prepared = _Prepared(election, "cost")
    share = start = Fraction(election.budget, 24)
    counts, last = 0, share
    while True:
        outcome, steps = count_with_steps(prepared, share)
        counts += 1
        if set(outcome) == prepared.supported or sum(costs[p] for p in outcome) > election.budget:
            break
        last = share
        share += steps or 1
    assert equal_shares(election) == expected
    assert last - start > 1_000 and counts < 100, (last - start, counts)


def pabutools_election(election: Election) -> tuple[Instance, ApprovalProfile]:
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(projects[pid] for pid in b) for b in election.ballots], instance=instance)
    return instance, profile


def test_add1_agrees_with_pabutools_iterated_mes_on_random_approval_elections():
    # pabutools' add1 (completion_by_rule_combination of MES with voter_budget_increment=1) stops at the first
    # exhaustive outcome: our stop_when_exhaustive=True. Ties by project id on both sides (our default order).
    rng = random.Random(7)
    compared = 0
    while compared < 60:
        election = random_election(rng)
        if election.tie_order is not None or any(len(set(b.values()) - {1}) for b in election.ballots):
            continue
        if any(p.cost == 0 for p in election.projects):
            continue
        instance, profile = pabutools_election(election)
        theirs = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares], [{"sat_class": Cost_Sat, "voter_budget_increment": 1}]
        )
        ours = equal_shares(election, stop_when_exhaustive=True)
        assert sorted(ours) == sorted(p.name for p in theirs), election
        compared += 1


SHARED = sorted([*WITH_RESULT, "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb"])


def test_every_shared_file_is_counted_here():
    assert {path.name for path in pabulib_file("README.md").parent.glob("*.pb")} == set(SHARED)


@pytest.mark.parametrize("name", SHARED)
def test_every_shared_file_counts_as_the_plus_one_loop(name):
    election = pabulib.to_election(pabulib.read(pabulib_file(name)))
    for stop in (False, True):
        assert equal_shares(election, stop_when_exhaustive=stop) == plus_one(election, stop_when_exhaustive=stop)


@pytest.mark.parametrize(
    "name", ["Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb", "Poland_Czestochowa_2025_Bleszno.pb"]
)
def test_add1_equals_pabutools_on_more_shared_files(name):
    # Assen and Gdynia are compared in test_city_results.py; Warszawa and Łódź agree too, pabutools taking 9–25 s
    # on them; Kraków's ordinal ballots have no pabutools counterpart.
    instance, profile, approval = _pabutools(name)
    sat = Cost_Sat if approval else PointsTimesCost
    theirs = completion_by_rule_combination(
        instance, profile, [method_of_equal_shares], [{"sat_class": sat, "voter_budget_increment": 1}]
    )
    election = pabulib.to_election(pabulib.read(pabulib_file(name)))
    assert sorted(equal_shares(election, stop_when_exhaustive=True)) == sorted(p.name for p in theirs)
