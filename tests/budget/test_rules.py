"""Each counting rule on small elections where the rules part ways, so each rule's own step is seen to matter."""

from __future__ import annotations

import pytest

from api.scoring.budget import Election, Project, count
from api.scoring.budget.equal_shares import equal_shares
from api.scoring.budget.greedy import greedy


def election(budget, costs, ballots, tie_order=None):
    return Election(
        budget=budget,
        projects=tuple(Project(pid, cost) for pid, cost in costs.items()),
        ballots=tuple(ballots),
        tie_order=tie_order,
    )


def approvals(*voters: str):
    return [dict.fromkeys(voter, 1) for voter in voters]


# a: 3 votes, cost 6; b: 2 votes, cost 6; c: 1 vote, cost 2; budget 10
SMALL = election(10, {"a": 6, "b": 6, "c": 2}, approvals("abc", "ab", "a"))


def test_greedy_skips_what_does_not_fit_and_no_skip_stops_there():
    assert count(SMALL, "greedy") == ["a", "c"]
    assert count(SMALL, "greedy-no-skip") == ["a"]


def test_the_threshold_leaves_out_projects_below_it_and_keeps_one_exactly_at_it():
    assert count(SMALL, "greedy-threshold", threshold=2) == ["a"]
    assert count(SMALL, "greedy-threshold", threshold=1) == ["a", "c"]


def test_a_tie_goes_as_the_organiser_ordered():
    tied = approvals("xy", "xy")
    assert greedy(election(5, {"x": 5, "y": 5}, tied)) == ["x"]  # default: ids in string order
    assert greedy(election(5, {"x": 5, "y": 5}, tied, tie_order=["y", "x"])) == ["y"]
    assert equal_shares(election(5, {"x": 5, "y": 5}, tied), completion=None) == ["x"]
    assert equal_shares(election(5, {"x": 5, "y": 5}, tied, tie_order=["y", "x"]), completion=None) == ["y"]


def test_the_default_tie_order_is_pabulib_string_order():
    # "10" before "9", as pabutools' lexicographic tie-breaking does
    assert greedy(election(5, {"9": 5, "10": 5}, [{"9": 1, "10": 1}])) == ["10"]


def test_equal_shares_is_proportional_where_greedy_is_not():
    # 6 voters want p and q (cost 6 each), 4 want r (cost 4); budget 10. Greedy funds p then r; MES gives the
    # minority its share: the 4 hold 4 × 10/10 = 4 and buy r, the 6 hold 6 and buy p.
    votes = approvals(*["pq"] * 6, *["r"] * 4)
    e = election(10, {"p": 6, "q": 6, "r": 4}, votes)
    assert sorted(equal_shares(e, completion=None)) == ["p", "r"]
    unfair = election(12, {"p": 6, "q": 6, "r": 4}, votes)
    assert greedy(unfair) == ["p", "q"]
    assert sorted(equal_shares(unfair, completion=None)) == ["p", "r"]


def test_equal_shares_spends_the_budget_to_the_last_unit_exactly():
    # Six voters hold 16/6 each (utility 1 per approved project). b and c (4 each) are bought by three voters each
    # at 4/3; the five who approve a then hold exactly 8 together, a's cost, and buy it. Counted in floats, the
    # thirds leave them 7.999…, and a (the voters' favourite) would be dropped: a float version of this very code
    # returns ["b", "c"].
    e = election(16, {"a": 8, "b": 4, "c": 4}, approvals("a", "ac", "ab", "abc", "a", "bc"))
    assert equal_shares(e, utility="cardinality", completion=None) == ["b", "c", "a"]


def test_add1_goes_on_while_the_outcome_fits_not_only_until_it_is_exhaustive():
    # Two voters, budget 15 (7.5 each). The first count funds b (4) and d (5): 9 spent, and neither a (11) nor c
    # fits in the 6 left, so the outcome is exhaustive. Raising the shares further, voter 2 can buy a (11) instead
    # of d: a and b cost exactly 15 and still fit, so add1 as cities use it ends there.
    e = election(15, {"a": 11, "b": 4, "c": 8, "d": 5}, approvals("b", "ad"))
    assert sorted(equal_shares(e, completion=None)) == ["b", "d"]
    assert sorted(equal_shares(e, completion="add1", stop_when_exhaustive=True)) == ["b", "d"]
    assert sorted(equal_shares(e, completion="add1")) == ["a", "b"]


def test_add1_never_exceeds_the_real_budget():
    e = election(15, {"a": 11, "b": 4, "c": 8, "d": 5}, approvals("b", "ad", "abcd", "c"))
    funded = equal_shares(e, completion="add1")
    assert sum({"a": 11, "b": 4, "c": 8, "d": 5}[pid] for pid in funded) <= 15


def test_the_comparison_step_takes_greedy_when_more_voters_prefer_it():
    # Two voters want a (10); one wants b and c (5 each); budget 10. MES (no completion) funds nothing the two can
    # afford alone (they hold 20/3 < 10) nor b or c (the third holds 10/3 < 5); greedy funds a, which two of three
    # prefer.
    e = election(10, {"a": 10, "b": 5, "c": 5}, approvals("a", "a", "bc"))
    assert equal_shares(e, completion=None) == []
    assert equal_shares(e, completion=None, comparison=True) == ["a"]
    assert count(e, "equalshares", comparison=True) == ["a"]


def test_the_comparison_counts_funded_projects_a_voter_wanted_not_their_cost():
    # MES funds d (2), greedy a (6). The voter who wants a, c and d gets one project either way: indifferent,
    # although a costs more. One voter prefers greedy, one MES: no majority for greedy, MES stays.
    e = election(6, {"a": 6, "b": 9, "c": 5, "d": 2}, approvals("ab", "", "bd", "acd"))
    assert equal_shares(e, completion=None) == ["d"] and greedy(e) == ["a"]
    assert equal_shares(e, completion=None, comparison=True) == ["d"]


def test_cumulative_points_weigh_in_equal_shares():
    # The same voters, but one voter puts all their points on y: MES with points as utility buys y first.
    e = election(6, {"x": 3, "y": 3}, [{"x": 1, "y": 9}, {"x": 5, "y": 5}])
    assert equal_shares(e, completion=None)[0] == "y"


def test_unknown_rule_and_bad_tie_order_are_refused():
    with pytest.raises(ValueError):
        count(SMALL, "borda")
    with pytest.raises(ValueError):
        election(10, {"a": 1, "b": 2}, [], tie_order=["a"])
