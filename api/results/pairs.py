"""Results of pairs items: the accepted proposals ranked by a Bradley–Terry fit of the counted comparisons
(:func:`api.scoring.rank_pairs`), each with its chance to beat a random other proposal and All Our Ideas' score,
and the tally of what was served: counted comparisons, can't-decide answers, skips and the answers given right
after a skip (stored, not counted)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from api.results.context import ALL, Context, in_threads
from api.scoring import rank_pairs
from storage.models import Item, PairPrompt


async def pairs_results(session: AsyncSession, ctx: Context, item: Item, answered: dict[Any, int]) -> dict[Any, Any]:
    texts = await ctx.accepted(session, item)
    ids = list(texts)
    low_won = or_(
        and_(PairPrompt.outcome == "left", PairPrompt.left_id == PairPrompt.low_id),
        and_(PairPrompt.outcome == "right", PairPrompt.right_id == PairPrompt.low_id),
    )
    decisive = await ctx.grouped(
        session,
        PairPrompt.participant_id,
        [PairPrompt.low_id, PairPrompt.high_id, func.sum(case((low_won, 1), else_=0)), func.count()],
        [PairPrompt.item_id == item.id, PairPrompt.outcome.in_(("left", "right")), PairPrompt.after_skip.is_(False)],
        [PairPrompt.low_id, PairPrompt.high_id],
    )
    outcomes = await ctx.grouped(
        session,
        PairPrompt.participant_id,
        [PairPrompt.outcome, PairPrompt.after_skip, func.count()],
        [PairPrompt.item_id == item.id],
        [PairPrompt.outcome, PairPrompt.after_skip],
    )

    def build(group: Any) -> dict[str, Any]:
        table = np.array(decisive.get(group, []), dtype=np.int64).reshape(-1, 4)
        low, high, low_wins, total = table.T
        winners, losers = np.concatenate([low, high]), np.concatenate([high, low])
        ranking = rank_pairs(ids, winners, losers, np.concatenate([low_wins, total - low_wins])) if ids else []
        tally: dict[str, int] = defaultdict(int)
        for outcome, after_skip, n in outcomes.get(group, []):
            tally["served"] += int(n)
            if outcome is None:
                continue
            if after_skip and outcome != "skip":
                tally["after_skip"] += int(n)
            elif outcome in ("left", "right"):
                tally["comparisons"] += int(n)
            elif outcome == "cant_decide":
                tally["cant_decide"] += int(n)
            elif outcome == "skip":
                tally["skips"] += int(n)
        return {
            "answered": answered.get(group, 0),
            "comparisons": tally["comparisons"],
            "cant_decide": tally["cant_decide"],
            "skips": tally["skips"],
            "after_skip": tally["after_skip"],
            "served": tally["served"],
            "method": "bradley_terry",
            "proposals": [
                {
                    "id": row.proposal_id,
                    "text": texts[row.proposal_id],
                    "rank": row.rank,
                    "score": round(100 * row.p_beat, 2),
                    "interval": [round(100 * row.p_low, 2), round(100 * row.p_high, 2)],
                    "strength": round(row.theta, 4),
                    "wins": row.wins,
                    "losses": row.losses,
                    "comparisons": row.wins + row.losses,
                    "aoi_score": round(row.aoi_score, 2),
                }
                for row in ranking
            ],
        }

    out: dict[Any, Any] = await in_threads({g: (lambda g=g: build(g)) for g in {ALL, *decisive, *outcomes}})
    out[None] = build
    return out
