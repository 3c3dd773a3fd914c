"""viche's opinion groups on the two real Polis conversations agree with the groups Polis published."""

from __future__ import annotations

import pytest

from api.scoring.opinion_groups import build_matrix, consensus_statements, describe, opinion_groups
from tests.groups.conftest import CONVERSATIONS, agreement_with_polis, polis_folder, read_conversation


def groups_of(name: str):
    conversation = read_conversation(polis_folder(name))
    matrix = build_matrix(
        conversation.votes, statements=conversation.statements, moderated_out=conversation.moderated_out
    )
    return conversation, matrix, opinion_groups(matrix)


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_the_groups_are_polis_groups(name):
    conversation, _, result = groups_of(name)
    assert result.k == len(set(conversation.polis_groups.values())) == 2
    # Who is clustered: those with min(7, statements) votes, as Polis (it keeps a participant once in: 2 more there).
    assert len(conversation.polis_groups) - 2 <= len(result.groups) <= len(conversation.polis_groups)
    assert agreement_with_polis(result.groups, conversation.polis_groups) >= 0.9
    assert sum(result.sizes) == len(result.groups)


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_what_the_groups_think_matches_what_polis_groups_think(name):
    conversation, matrix, result = groups_of(name)
    _, polis_reps, polis_views = describe(matrix, conversation.polis_groups)
    # The statements agreed across the groups (group-informed consensus) are Polis's groups' own.
    ours, theirs = (consensus_statements(views, pick=5) for views in (result.statements, polis_views))
    assert set(ours) == set(theirs)
    top = [sorted(views, key=lambda v: -v.consensus_agree)[:5] for views in (result.statements, polis_views)]
    assert len({v.statement for v in top[0]} & {v.statement for v in top[1]}) >= 4
    # Each group's representative statements overlap those of the Polis group it matches.
    for mine in result.representative:
        best = max(len({r.statement for r in mine} & {r.statement for r in theirs}) for theirs in polis_reps)
        assert best >= 3
    # The most divisive statements are the same.
    divisive = [
        {v.statement for v in sorted(views, key=lambda v: -v.divisiveness)[:5]}
        for views in (result.statements, polis_views)
    ]
    assert len(divisive[0] & divisive[1]) >= 3


def test_the_biodiversity_consensus():
    """Where every group agrees: the five bridging statements of the NZ biodiversity conversation."""
    _, _, result = groups_of("scoop-hivemind.biodiversity")
    assert set(consensus_statements(result.statements, pick=5)) == {"290", "81", "243", "45", "23"}
