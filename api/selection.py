"""Which proposal or pair a participant sees next."""
from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Item, PairPrompt, Proposal, ProposalVote


async def next_proposal(session: AsyncSession, participant_id: str, item: Item) -> Proposal | None:
    """The accepted proposal with the fewest votes that this participant has not voted on yet."""
    voted = await session.scalar(
        select(func.count()).select_from(ProposalVote).where(ProposalVote.participant_id == participant_id,
                                                             ProposalVote.item_id == item.id)
    )
    limit = item.config.get("max_votes")
    if limit is not None and voted >= int(limit):
        return None
    mine = select(ProposalVote.proposal_id).where(ProposalVote.participant_id == participant_id,
                                                  ProposalVote.item_id == item.id)
    votes = (select(ProposalVote.proposal_id, func.count().label("n")).where(ProposalVote.item_id == item.id)
             .group_by(ProposalVote.proposal_id).subquery())
    query = (
        select(Proposal).outerjoin(votes, votes.c.proposal_id == Proposal.id)
        .where(Proposal.item_id == item.id, Proposal.status == "accepted", Proposal.id.not_in(mine))
        .order_by(func.coalesce(votes.c.n, 0), Proposal.id).limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def choose_pair(session: AsyncSession, participant_id: str, item: Item) -> tuple[int, int] | None:
    """A random pair of accepted proposals this participant has never been shown."""
    ids = (await session.execute(
        select(Proposal.id).where(Proposal.item_id == item.id, Proposal.status == "accepted")
    )).scalars().all()
    seen = {
        (low, high) for low, high in (await session.execute(
            select(PairPrompt.low_id, PairPrompt.high_id).where(PairPrompt.participant_id == participant_id,
                                                                PairPrompt.item_id == item.id)
        )).all()
    }
    candidates = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if (min(a, b), max(a, b)) not in seen]
    if not candidates:
        return None
    left, right = random.choice(candidates)
    return (left, right) if random.random() < 0.5 else (right, left)

