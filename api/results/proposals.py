"""Results of agree / disagree / neutral proposal items: each accepted proposal's votes and shares, its zone,
top score (the lower end of the 95 % interval of its support, the mean vote value 0..1), controversy score and the
shares of each qualification, scored by :mod:`api.scoring.proposals`; best first by top score. Votes on proposals
that left the pool are ignored."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from api.results.context import Context, in_threads
from api.results.shares import share_column
from api.scoring.proposals import COUNT_FIELDS, ZONE_CODES, score_table
from core.vocabulary import QUALIFICATIONS
from storage.models import Item, ProposalVote

CHOICE_COLUMN = {choice: COUNT_FIELDS.index(choice) for choice in QUALIFICATIONS}
QUALIFICATION_COLUMN = {
    (choice, name): COUNT_FIELDS.index(f"{choice}_{name}") for choice, names in QUALIFICATIONS.items() for name in names
}


async def proposal_results(session: AsyncSession, ctx: Context, item: Item, voters: dict[Any, int]) -> dict[Any, Any]:
    texts = await ctx.accepted(session, item)
    rows = await ctx.grouped(
        session,
        ProposalVote.participant_id,
        [ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification, func.count()],
        [ProposalVote.item_id == item.id],
        [ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification],
    )
    ids = list(texts)
    row_of = {pid: n for n, pid in enumerate(ids)}

    def build(group: Any, rs: list[tuple]) -> dict[str, Any]:
        table = np.zeros((len(ids), len(COUNT_FIELDS)), dtype=np.int64)
        for pid, choice, qualification, n in rs:
            i = row_of.get(pid)
            column = CHOICE_COLUMN.get(choice)
            if i is None or column is None:
                continue
            table[i, column] += n
            q = QUALIFICATION_COLUMN.get((choice, qualification))
            if q is not None:
                table[i, q] += n
        t = score_table(table)
        bases = np.empty_like(table)
        for column, name in enumerate(COUNT_FIELDS):
            bases[:, column] = t.votes if name in QUALIFICATIONS else table[:, CHOICE_COLUMN[name.split("_", 1)[0]]]
        shares = [share_column(t.count[:, c], bases[:, c], t.low[:, c], t.high[:, c]) for c in range(len(COUNT_FIELDS))]
        decided = share_column(table[:, 0], t.decided, t.agree_decided_low, t.agree_decided_high)
        top, controversy = np.round(t.top_score, 4).tolist(), np.round(t.controversy_score, 4).tolist()
        support = np.round(t.support, 4).tolist()
        support_interval = np.round(np.stack([t.support_low, t.support_high], axis=1), 4).tolist()
        controversy_rank = np.empty(len(ids), dtype=np.int64)
        controversy_rank[t.controversy_ranking()] = np.arange(1, len(ids) + 1)
        zones = {zone.value: 0 for zone in ZONE_CODES}
        proposals = []
        for rank, i in enumerate(t.ranking().tolist(), start=1):
            zone = ZONE_CODES[t.zone[i]].value
            zones[zone] += 1
            proposals.append(
                {
                    "id": ids[i],
                    "text": texts[ids[i]],
                    "rank": rank,
                    "controversy_rank": int(controversy_rank[i]),
                    "votes": int(t.votes[i]),
                    "agree": shares[0][i],
                    "disagree": shares[1][i],
                    "neutral": shares[2][i],
                    "agree_among_decided": decided[i],
                    "zone": zone,
                    "top_score": top[i],
                    "support": {"value": support[i], "interval": support_interval[i]},
                    "controversy_score": controversy[i],
                    "qualifications": {
                        choice: {name: shares[QUALIFICATION_COLUMN[choice, name]][i] for name in names}
                        for choice, names in QUALIFICATIONS.items()
                    },
                }
            )
        return {"answered": voters.get(group, 0), "votes": int(t.votes.sum()), "zones": zones, "proposals": proposals}

    out: dict[Any, Any] = await in_threads({g: (lambda g=g, rs=rs: build(g, rs)) for g, rs in rows.items()})
    out[None] = lambda g: build(g, [])
    return out
