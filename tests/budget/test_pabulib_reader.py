"""The .pb reader: quoted fields, sections, ballots of each vote type, and clear refusals."""

from __future__ import annotations

import pytest

from api.scoring.budget import count_by_meta, pabulib

FILE = """META
key;value
description;"Park; playgrounds ""and"" more"
budget;100
vote_type;cumulative
rule;greedy
PROJECTS
project_id;cost;name;latitude;longitude;selected
1;60;"Swings; slides";52.1;21.0;1
2;50;Benches;52.2;21.1;0
3;40;Trees;52.3;21.2;1
VOTES
voter_id;vote;points;age;sex;neighborhood
a;1,2;3,2;31;F;North
b;2,3;2,4;;M;
c;1;1;70;;South
"""


def test_quoted_fields_and_every_column_are_kept():
    pb = pabulib.parses(FILE)
    assert pb.meta["description"] == 'Park; playgrounds "and" more'
    assert pb.projects["1"]["name"] == "Swings; slides"
    assert (pb.projects["3"]["latitude"], pb.projects["3"]["longitude"]) == ("52.3", "21.2")
    assert pb.votes["a"]["neighborhood"] == "North" and pb.votes["b"]["age"] == ""
    assert pb.selected() == {"1", "3"}


def test_cumulative_points_are_counted():
    pb = pabulib.parses(FILE)
    election = pabulib.to_election(pb)
    assert election.scores() == {"1": 4, "2": 4, "3": 4}  # a three-way tie: ids in string order decide
    assert count_by_meta(election, pb.meta) == ["1", "3"]  # 60 + 40; 2 (50) no longer fits


def test_ordinal_ballots_score_by_position():
    text = FILE.replace("cumulative", "ordinal").replace("voter_id;vote;points;age;sex;neighborhood", "voter_id;vote")
    text = text.split("VOTES")[0] + "VOTES\nvoter_id;vote\na;3,1\nb;1\n"
    election = pabulib.to_election(pabulib.parses(text))
    assert election.scores() == {"1": 3, "2": 0, "3": 2}  # max_length 2 from the longest ballot: 2, 1 points


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (FILE.replace("2;50;Benches;52.2;21.1;0", "2;50;Benches"), "line 10: 3 fields where the PROJECTS header has 6"),
        (FILE.replace("a;1,2;3,2", "a;1,9;3,2"), "unknown projects"),
        (FILE.replace("a;1,2;3,2", "a;1,2;3"), "points"),
        (FILE.replace("budget;100", "budget;lots"), "whole number"),
        (FILE.split("VOTES")[0], "no VOTES section"),
    ],
)
def test_a_broken_file_is_refused_with_where_and_why(text, says):
    with pytest.raises(pabulib.PabulibError, match=says):
        pabulib.to_election(pabulib.parses(text))
