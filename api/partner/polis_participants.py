"""The Polis open-data ``participants-votes.csv`` of a consultation: one row per voter with their opinion group and
their vote on every statement, in Polis's exact columns (``participant,group-id,n-comments,n-votes,n-agree,
n-disagree``, then one column per comment id).

Statements are the accepted proposals of the consultation's agree/disagree items (``comment-id`` is the proposal
id, as in the other Polis exports); a vote is 1 agree, -1 disagree, 0 pass, empty: not voted. ``participant`` is
the id a participant had in an imported conversation's files (so the export compares with the original) and the
export pseudonym otherwise. ``group-id`` follows the disclosure rule (:func:`api.disclosure.released_groups`): a
participant of a withheld group, or not clustered, has it empty, as Polis writes an unclustered participant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from api import disclosure
from api.partner import formats
from api.partner.export_definitions import VOTE_KINDS, load_scope
from api.partner.export_stream import csv_chunks
from api.partner.pseudonym import Pseudonymizer, secret_for
from storage.db import Database
from storage.models import Consultation, Proposal, ProposalVote
from storage.models_groups import OpinionGroupMember, OpinionGroups
from storage.models_partner import ImportedRef

FIXED_COLUMNS = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
ROWS_PER_CHUNK = 500


def _order(name: str) -> tuple[int, int, str]:
    """Imported numeric ids in numeric order (as Polis sorts them), then everything else."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


async def participants_votes(db: Database, consultation: Consultation, settings: object | None) -> AsyncIterator[bytes]:
    """The CSV in chunks (columns, then rows in participant order)."""
    async with db.session() as session:
        scope = await load_scope(session, consultation, proposals_of=VOTE_KINDS)
        pseudonym = Pseudonymizer(await secret_for(session, settings), consultation.slug)
        statements = sorted(scope.proposals)
        votes: dict[str, dict[int, int]] = defaultdict(dict)
        if statements:
            result = await session.stream(
                select(col(ProposalVote.participant_id), col(ProposalVote.proposal_id), col(ProposalVote.choice)).where(
                    col(ProposalVote.proposal_id).in_(statements)
                )
            )
            async for participant, proposal, choice in result:
                votes[participant][proposal] = formats.POLIS_VOTE.get(choice, 0)
        authored: dict[str | None, int] = dict(
            (
                await session.execute(
                    select(col(Proposal.author_id), func.count())
                    .where(
                        col(Proposal.item_id).in_(scope.item_ids(VOTE_KINDS) or [-1]),
                        col(Proposal.author_id).is_not(None),
                    )
                    .group_by(col(Proposal.author_id))
                )
            )
            .tuples()
            .all()
        )
        imported: dict[str, str] = dict(
            (
                await session.execute(
                    select(col(ImportedRef.local_id), col(ImportedRef.external_id)).where(
                        col(ImportedRef.consultation_id) == consultation.id, col(ImportedRef.kind) == "participant"
                    )
                )
            )
            .tuples()
            .all()
        )
        stored = await session.get(OpinionGroups, consultation.id)
        released = set(disclosure.released_groups(stored.sizes if stored else [], disclosure.threshold(consultation)))
        groups = {
            pid: group
            for pid, group in (
                await session.execute(
                    select(col(OpinionGroupMember.participant_id), col(OpinionGroupMember.group)).where(
                        col(OpinionGroupMember.consultation_id) == consultation.id
                    )
                )
            ).all()
            if group in released
        }

    rows: list[tuple[str, list[Any]]] = []
    for participant, own in votes.items():
        name = imported.get(participant) or pseudonym(participant)
        values = list(own.values())
        rows.append(
            (
                name,
                [
                    name,
                    groups.get(participant, ""),
                    authored.get(participant, 0),
                    len(values),
                    values.count(1),
                    values.count(-1),
                    *(own.get(s, "") for s in statements),
                ],
            )
        )
    rows.sort(key=lambda r: _order(r[0]))

    async def batches() -> AsyncIterator[list[Any]]:
        for start in range(0, len(rows), ROWS_PER_CHUNK):
            yield [row for _, row in rows[start : start + ROWS_PER_CHUNK]]

    async for chunk in csv_chunks(FIXED_COLUMNS + [str(s) for s in statements], batches()):
        yield chunk
