"""Where a participant stands among the consultation's opinion groups (``api/opinion_groups.py`` stores them).

What is said, for digests (``api/broadcast/content.py``) and for the participant's "How do I compare?" button
(``GET /participant/{id}/standing``):

- each group is named by what it agrees on: its most representative statement among those it agrees with more
  than the others do (never a letter or a number), with up to ``DISTINCTIVE`` more such statements;
- the statements every group agrees on: a majority of each group's voters agree, ranked by group-informed
  consensus;
- an accepted proposal's author hears how it fared: its votes, its agreement, whether every group agrees.

The disclosure rule (:mod:`api.disclosure`): a group smaller than the consultation's ``min_segment_size`` is never
named nor described; its members hear only what every group agrees on. A statement with fewer voters than that is
not shown, and a group is only described by statements at least that many of its members voted on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api import disclosure
from storage.models import Consultation, Item, Proposal, ProposalVote
from storage.models_groups import OpinionGroupMember, OpinionGroups

DISTINCTIVE = 3
COMMON = 3
CHUNK = 2_000
"""Participant ids named in one statement: a digest asks for all its recipients at once, and a statement holds at
most 32 767 parameters (asyncpg; SQLite's default limit is the same)."""


async def group_view(session: AsyncSession, consultation: Consultation) -> dict[str, Any] | None:
    """The released groups, named and described, and the statements all groups agree on; None before the
    consultation has two groups or more."""
    stored = await session.get(OpinionGroups, consultation.id)
    if stored is None or stored.k < 2:
        return None
    k = disclosure.threshold(consultation)
    texts: dict[int, dict[str, str]] = {
        int(pid or 0): dict(text)
        for pid, text in (
            await session.execute(
                select(col(Proposal.id), col(Proposal.text))
                .join(Item, col(Item.id) == col(Proposal.item_id))
                .where(col(Item.consultation_id) == consultation.id, col(Proposal.status) == "accepted")
            )
        ).all()
    }
    voters: dict[int, int] = (
        dict(
            (
                await session.execute(
                    select(col(ProposalVote.proposal_id), func.count(func.distinct(col(ProposalVote.participant_id))))
                    .where(col(ProposalVote.proposal_id).in_(list(texts)))
                    .group_by(col(ProposalVote.proposal_id))
                )
            ).all()
        )
        if texts
        else {}
    )
    shown = {pid for pid in texts if disclosure.enough(int(voters.get(pid, 0)), k)}
    per_statement = {int(s["proposal_id"]): s for s in stored.statements or []}

    def agrees(statement: dict[str, Any], group: int) -> bool:
        """Most of the group's voters on it agree (``group_agree`` is Polis's smoothed share (A + 1) / (S + 2))."""
        return statement["group_seen"][group] > 0 and float(statement["group_agree"][group]) > 0.5

    groups: dict[str, Any] = {}
    for group, size in enumerate(stored.sizes or []):
        if not disclosure.enough(int(size), k):
            continue  # never named, never described
        candidates = [
            int(r["proposal_id"])
            for r in (stored.representative[group] if group < len(stored.representative or []) else [])
            if r.get("direction") == "agree" and int(r["proposal_id"]) in shown
        ]
        described = [
            pid
            for pid in candidates
            if pid in per_statement
            and disclosure.enough(int(per_statement[pid]["group_seen"][group]), k)
            and agrees(per_statement[pid], group)
        ]
        if not described:
            continue  # nothing this group agrees on can be said about it: it is not named
        groups[str(group)] = {
            "name": {"id": described[0], "text": dict(texts[described[0]])},
            "distinctive": [{"id": pid, "text": dict(texts[pid])} for pid in described[1 : 1 + DISTINCTIVE]],
        }
    common = [
        s for pid, s in per_statement.items() if pid in shown and all(agrees(s, g) for g in range(len(stored.sizes)))
    ]
    common.sort(key=lambda s: (-float(s["consensus_agree"]), int(s["proposal_id"])))
    return {
        "groups": groups,
        "common": [{"id": int(s["proposal_id"]), "text": dict(texts[int(s["proposal_id"])])} for s in common[:COMMON]],
        "bridging": sorted(
            int(s["proposal_id"]) for s in per_statement.values() if all(agrees(s, g) for g in range(len(stored.sizes)))
        ),
    }


async def groups_of(session: AsyncSession, consultation_id: int, participant_ids: list[str]) -> dict[str, int]:
    """Each listed participant's opinion group (those not clustered are absent)."""
    found: dict[str, int] = {}
    for chunk in _chunks(participant_ids):
        rows = await session.execute(
            select(col(OpinionGroupMember.participant_id), col(OpinionGroupMember.group)).where(
                col(OpinionGroupMember.consultation_id) == consultation_id,
                col(OpinionGroupMember.participant_id).in_(chunk),
            )
        )
        found.update({pid: int(group) for pid, group in rows.all()})
    return found


def _chunks(participant_ids: list[str]) -> list[list[str]]:
    return [participant_ids[start : start + CHUNK] for start in range(0, len(participant_ids), CHUNK)]


def standing_of(view: dict[str, Any] | None, group: int | None) -> dict[str, Any]:
    """What one participant is told: their group (when it is released) and what every group agrees on."""
    if view is None:
        return {"groups": False}
    mine = view["groups"].get(str(group)) if group is not None else None
    return {"groups": True, "group": mine, "common": view["common"]}


async def authored(
    session: AsyncSession, consultation: Consultation, view: dict[str, Any] | None, participant_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per author among ``participant_ids``: their accepted proposals voted on by at least k people, with their
    votes, agreement and whether every opinion group agrees (None before there are groups)."""
    if not participant_ids:
        return {}
    k = disclosure.threshold(consultation)
    bridging = set(view["bridging"]) if view else set()
    rows: list[Any] = []
    for chunk in _chunks(participant_ids):
        rows += (
            await session.execute(
                select(col(Proposal.id), col(Proposal.author_id), col(Proposal.text))
                .join(Item, col(Item.id) == col(Proposal.item_id))
                .where(
                    col(Item.consultation_id) == consultation.id,
                    col(Proposal.status) == "accepted",
                    col(Proposal.author_id).in_(chunk),
                )
            )
        ).all()
    rows.sort(key=lambda row: row[0])  # each author's proposals in the order they were made
    if not rows:
        return {}
    counts: dict[int, dict[str, int]] = {}
    for pid, choice, count in (
        await session.execute(
            select(col(ProposalVote.proposal_id), col(ProposalVote.choice), func.count())
            .where(col(ProposalVote.proposal_id).in_([row[0] for row in rows]))
            .group_by(col(ProposalVote.proposal_id), col(ProposalVote.choice))
        )
    ).all():
        counts.setdefault(pid, {})[choice] = int(count)
    fared: dict[str, list[dict[str, Any]]] = {}
    for proposal_id, author, text in rows:
        pid = int(proposal_id or 0)
        votes = sum(counts.get(pid, {}).values())
        if author is None or not disclosure.enough(votes, k):
            continue
        fared.setdefault(author, []).append(
            {
                "id": pid,
                "text": dict(text),
                "votes": votes,
                "agree": round(counts[pid].get("agree", 0) / votes, 4),
                "bridging": (pid in bridging) if view else None,
            }
        )
    return fared
