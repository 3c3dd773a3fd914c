"""Helpers of the broadcast tests: a crowd of participants who took part, written straight to the database."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import insert, select

from storage.consultations import by_slug
from storage.models import Contact, Enrolment, Item, PairPrompt, Participant, Proposal, ProposalVote

CHOICES = ("agree", "disagree", "neutral")


async def crowd(
    db, slug: str, chat_ids: list[int], *, languages: tuple[str, ...] = ("uk", "en"), votes: bool = True, seed: int = 7
) -> dict[int, str]:
    """Participants with a Telegram chat, consented to ``slug``, who voted on its proposals and pairs.

    Returns chat id → participant id. Proposal k gets agree with probability falling with k, so the
    ranking is predictable: the first proposal is the most supported."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        items = (await session.execute(select(Item).where(Item.consultation_id == consultation.id))).scalars().all()
        proposal_items = [i.id for i in items if i.kind == "proposal"]
        pair_items = [i.id for i in items if i.kind == "pairs"]
        proposals = (
            await session.execute(
                select(Proposal.id, Proposal.item_id)
                .where(Proposal.item_id.in_(proposal_items + pair_items))
                .order_by(Proposal.id)
            )
        ).all()
        ids = {chat: f"p{chat:030d}"[-32:] for chat in chat_ids}
        await session.execute(
            insert(Participant),
            [
                {"id": pid, "language": languages[n % len(languages)], "created_at": now}
                for n, pid in enumerate(ids.values())
            ],
        )
        await session.execute(
            insert(Contact),
            [
                {"participant_id": pid, "channel": "telegram", "external_id": str(chat), "created_at": now}
                for chat, pid in ids.items()
            ],
        )
        await session.execute(
            insert(Enrolment),
            [
                {
                    "participant_id": pid,
                    "consultation_id": consultation.id,
                    "consented_at": now,
                    "completed_at": now,
                    "profile_done": [],
                    "created_at": now,
                }
                for pid in ids.values()
            ],
        )
        if votes:
            rows, pairs = [], []
            voting = [(pid, item) for pid, item in proposals if item in proposal_items]
            pooled = [pid for pid, item in proposals if item in pair_items]
            for pid in ids.values():
                for rank, (proposal, item) in enumerate(voting):
                    agree = 0.9 - 0.12 * rank
                    draw = rng.random()
                    choice = (
                        "agree" if draw < agree else ("disagree" if draw < agree + (1 - agree) * 0.8 else "neutral")
                    )
                    rows.append(
                        {
                            "participant_id": pid,
                            "item_id": item,
                            "proposal_id": proposal,
                            "choice": choice,
                            "created_at": now,
                        }
                    )
                if len(pooled) >= 2:
                    for k in range(min(3, len(pooled) - 1)):
                        left, right = pooled[k], pooled[k + 1]
                        outcome = "left" if rng.random() < 0.75 else "right"
                        pairs.append(
                            {
                                "token": f"{pid[-12:]}{k:02d}{rng.randrange(10**8):08d}",
                                "participant_id": pid,
                                "item_id": pair_items[0],
                                "left_id": left,
                                "right_id": right,
                                "low_id": min(left, right),
                                "high_id": max(left, right),
                                "served_at": now,
                                "outcome": outcome,
                                "after_skip": False,
                                "answered_at": now,
                            }
                        )
            if rows:
                await session.execute(insert(ProposalVote), rows)
            if pairs:
                await session.execute(insert(PairPrompt), pairs)
        await session.commit()
    return ids


async def min_group(db, slug: str, k: int) -> None:
    """Set the consultation's ``min_segment_size`` (tests about rounds with a handful of people, not about it)."""
    async with db.session() as session:
        consultation = await by_slug(session, slug)
        consultation.min_segment_size = k
        await session.commit()
