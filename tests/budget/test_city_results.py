"""Counting a real election with the rule its city used gives the projects the city funded, and pabutools agrees."""

from __future__ import annotations

from fractions import Fraction

import pytest

# pabutools is in the test extra (make test installs it): imported plainly, so a missing one fails, never skips.
from pabutools.election import AdditiveSatisfaction, Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.election.ballot import AbstractApprovalBallot
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from api.scoring.budget import count_by_meta, pabulib
from api.scoring.budget.equal_shares import equal_shares
from api.scoring.budget.greedy import greedy
from tests.budget.conftest import PABULIB, WITH_RESULT, pabulib_file


def test_every_file_with_a_result_is_counted():
    folder = pabulib_file("README.md").parent
    with_result = {path.name for path in folder.glob("*.pb") if pabulib.read(path).selected() is not None}
    assert with_result == set(WITH_RESULT), f"{PABULIB}: add the new files to WITH_RESULT"


@pytest.mark.parametrize("name", sorted(WITH_RESULT))
def test_the_city_rule_reproduces_the_funded_projects(name):
    pb = pabulib.read(pabulib_file(name))
    assert pb.rule == WITH_RESULT[name]
    funded = count_by_meta(pabulib.to_election(pb), pb.meta)
    assert sorted(funded) == sorted(pb.selected())
    assert len(funded) == len(set(funded))


def test_each_rule_matters_for_its_city():
    # Plain greedy would not reproduce Assen, nor would MES without add1, nor with cardinality utilities. (On the
    # Polish files greedy with and without skipping or threshold happen to fund the same projects; test_rules.py
    # shows those steps on elections where they matter.)
    assen = pabulib.read(pabulib_file("Netherlands_Assen_2024.pb"))
    election = pabulib.to_election(assen)
    assert set(greedy(election)) != assen.selected()
    assert set(equal_shares(election, completion=None)) != assen.selected()  # add1 is needed
    assert set(equal_shares(election, utility="cardinality")) != assen.selected()  # and cost utilities


def test_a_project_funded_outside_the_rule_is_not_counted_as_selected():
    # Gdynia 2020 marks project 5 with selected=2: funded from other money after the count stopped.
    pb = pabulib.read(pabulib_file("Poland_Gdynia_2020_Babie_Doly__small.pb"))
    assert pb.projects["5"]["selected"] == "2"
    assert "5" not in pb.selected()
    assert "5" not in count_by_meta(pabulib.to_election(pb), pb.meta)


def test_the_reader_keeps_what_an_importer_needs():
    pb = pabulib.read(pabulib_file("Poland_Warszawa_2019_Piaski.pb"))
    assert pb.meta["budget"] == "900000" and pb.meta["currency"] == "PLN"
    assert len(pb.projects) == int(pb.meta["num_projects"])
    assert len(pb.votes) == int(pb.meta["num_votes"])
    assert pb.projects["2233"]["name"] == "Iluminacja świąteczna osiedla Piaski"
    assert pb.projects["2233"]["category"] == "culture,public space"
    assert pb.votes["406"]["age"] == "46" and pb.votes["406"]["sex"] == "F"
    czestochowa = pabulib.read(pabulib_file("Poland_Czestochowa_2025_Bleszno.pb"))
    scores = pabulib.to_election(czestochowa).scores()
    assert all(scores[pid] == int(row["score"]) for pid, row in czestochowa.projects.items())
    krakow = pabulib.read(pabulib_file("Poland_Krakow_2019_Bienczyce.pb"))
    scores = pabulib.to_election(krakow).scores()  # ordinal: 3, 2, 1 points by position, as the file's score
    assert all(scores[pid] == int(row["score"]) for pid, row in krakow.projects.items())


# ---- the same instances counted by pabutools (read by pabutools' own parser) --------------------------------


class PointsTimesCost(AdditiveSatisfaction):
    """Cumulative ballots' counterpart of Cost_Sat: points × cost (so greedy's density is the points, as cities
    count)."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda _i, _p, b, project, _v: b.get(project, 0) * project.cost)


def _pabutools(name):
    instance, profile = parse_pabulib(str(pabulib_file(name)))
    approval = isinstance(next(iter(profile)), AbstractApprovalBallot)
    return instance, profile, approval


COMPARABLE = sorted(n for n in WITH_RESULT if n != "Poland_Krakow_2019_Bienczyce.pb")  # pabutools has no ordinal greedy
APPROVAL = sorted(n for n in COMPARABLE if n != "Poland_Czestochowa_2025_Bleszno.pb")


@pytest.mark.parametrize("name", COMPARABLE)
def test_greedy_equals_pabutools(name):
    instance, profile, approval = _pabutools(name)
    theirs = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat if approval else PointsTimesCost)
    ours = greedy(pabulib.to_election(pabulib.read(pabulib_file(name))))
    assert sorted(ours) == sorted(p.name for p in theirs)


@pytest.mark.parametrize(
    ("name", "utility"), [(n, "cost") for n in COMPARABLE] + [(n, "cardinality") for n in APPROVAL]
)
def test_equal_shares_equals_pabutools(name, utility):
    instance, profile, approval = _pabutools(name)
    sat = {"cost": Cost_Sat if approval else PointsTimesCost, "cardinality": Cardinality_Sat}[utility]
    theirs = method_of_equal_shares(instance, profile, sat_class=sat)
    ours = equal_shares(pabulib.to_election(pabulib.read(pabulib_file(name))), utility=utility, completion=None)
    assert sorted(ours) == sorted(p.name for p in theirs)


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Gdynia_2020_Babie_Doly__small.pb"])
def test_add1_equals_pabutools_budget_increments(name):  # (on Warszawa and Łódź too, pabutools taking 15 s and 11 s)
    # pabutools' iterated MES raises each voter's share by 1 and stops at the first exhaustive outcome or the last
    # that fits; ours does so with stop_when_exhaustive=True (the default goes on while the outcome fits).
    instance, profile, _ = _pabutools(name)
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    election = pabulib.to_election(pabulib.read(pabulib_file(name)))
    ours = equal_shares(election, completion="add1", stop_when_exhaustive=True)
    assert sorted(ours) == sorted(p.name for p in theirs)


def test_pabutools_reads_the_same_budget_and_costs():
    for name in WITH_RESULT:
        instance, _, _ = _pabutools(name)
        election = pabulib.to_election(pabulib.read(pabulib_file(name)))
        assert Fraction(instance.budget_limit) == election.budget
        assert {p.name: Fraction(p.cost) for p in instance} == {p.id: p.cost for p in election.projects}
