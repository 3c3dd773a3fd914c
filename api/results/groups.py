"""A consultation's opinion groups as they may be published: what ``/v1/…/groups`` and ``/organiser/…/groups``
answer, from the row :mod:`api.opinion_groups` stored, through the disclosure rule (:mod:`api.disclosure`).

What is withheld, and why (docs/privacy.md says the same for readers):

* a group of fewer than k (``min_segment_size``) participants is **withheld**: no size, no statements, no
  figures (:func:`api.disclosure.released_groups`). Pooling it into "other" would make a group no method
  found and whose statements say nothing; fewer than two groups of k or more publish no groups at all (one
  group compared with "the rest" would be compared with the withheld ones alone);
* a group's figures on a statement seen by fewer than k of its members are null (rule 4: counts inside a
  group), and so are that statement's consensus and divisiveness, which would give them back;
* consensus and divisiveness are computed over the published groups only: over all groups, dividing by the
  published groups' shares would give a withheld group's back.

Statements are the accepted proposals (as in every partner read): pending and rejected ones never appear.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api import disclosure
from api.partner.formats import text_of, utc
from storage.models import Consultation, Item, Proposal
from storage.models_groups import OpinionGroups

PICK = 5  # statements in each of the bridging / majority-only / divisive lists


def _share(agree: float, seen: int) -> tuple[int, float]:
    """The agree count behind a smoothed share pa = (A+1)/(S+2), and the plain share A/S."""
    count = max(0, round(agree * (seen + 2) - 1))
    return count, (count / seen if seen else 0.0)


async def _texts(session: AsyncSession, consultation: Consultation, language: str) -> dict[int, str]:
    rows = await session.execute(
        select(col(Proposal.id), col(Proposal.text))
        .join(Item, col(Item.id) == Proposal.item_id)
        .where(
            col(Item.consultation_id) == consultation.id,
            col(Item.kind) == "proposal",
            col(Proposal.status) == "accepted",
        )
    )
    return {pid: text_of(text, language) for pid, text in rows.tuples() if pid is not None}


def _empty(consultation: Consultation, language: str, stored: OpinionGroups | None, withheld: int) -> dict[str, Any]:
    return {
        "slug": consultation.slug,
        "language": language,
        "min_segment_size": disclosure.threshold(consultation),
        "computed_at": utc(stored.computed_at) if stored else None,
        "k": stored.k if stored else 0,
        "seconds": round(stored.seconds, 4) if stored else None,
        "stability": stored.stability if stored else None,
        "withheld_groups": withheld,
        "groups": [],
        "statements": [],
        "bridging": [],
        "majority_only": [],
        "divisive": [],
    }


async def published_groups(
    session: AsyncSession, consultation: Consultation, language: str | None = None
) -> dict[str, Any]:
    """The consultation's groups as the routes answer them (the structure of ``api.partner.group_models``)."""
    language = language or consultation.default_language
    stored = await session.get(OpinionGroups, consultation.id)
    k = disclosure.threshold(consultation)
    released = disclosure.released_groups(stored.sizes if stored else [], k)
    if stored is None or not released:
        return _empty(consultation, language, stored, len(stored.sizes) if stored else 0)
    texts = await _texts(session, consultation, language)

    def cells(view: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for g in released:
            seen = int(view["group_seen"][g])
            if disclosure.enough(seen, k):
                agreed, share = _share(float(view["group_agree"][g]), seen)
                out.append({"group": g, "seen": seen, "agree": agreed, "agree_share": round(share, 4)})
            else:
                out.append({"group": g, "seen": None, "agree": None, "agree_share": None})
        return out

    statements, votes_of = [], {}
    for view in stored.statements:
        pid = view["proposal_id"]
        if pid not in texts:
            continue
        groups = cells(view)
        votes_of[pid] = groups
        complete = all(c["seen"] is not None for c in groups)
        agree = [float(view["group_agree"][g]) for g in released]
        disagree = view.get("group_disagree")
        statements.append(
            {
                "proposal_id": pid,
                "text": texts[pid],
                "consensus_agree": round(_product(agree), 6) if complete else None,
                "consensus_disagree": round(_product([float(disagree[g]) for g in released]), 6)
                if complete and disagree
                else None,
                "divisiveness": round(max(agree) - min(agree), 4) if complete else None,
                "bridging": complete and min(c["agree_share"] for c in groups) > 0.5,
                "majority": complete and sum(c["agree"] for c in groups) * 2 > sum(c["seen"] for c in groups),
                "groups": groups,
            }
        )
    best = sorted((s for s in statements if s["consensus_agree"] is not None), key=lambda s: -s["consensus_agree"])
    divisive = sorted((s for s in statements if s["divisiveness"] is not None), key=lambda s: -s["divisiveness"])
    body = _empty(consultation, language, stored, len(stored.sizes) - len(released))
    body.update(
        groups=[
            {
                "id": g,
                "size": stored.sizes[g],
                "representative": [
                    {
                        "proposal_id": r["proposal_id"],
                        "text": texts[r["proposal_id"]],
                        "direction": r["direction"],
                        "votes": r["n_trials"],
                        "in_direction": r["n_success"],
                        "share": round(float(r["p_success"]), 4),
                        "repness": round(float(r["repness"]), 4),
                        "repness_test": round(float(r["repness_test"]), 4),
                        "others": [c for c in votes_of[r["proposal_id"]] if c["group"] != g],
                    }
                    for r in stored.representative[g]
                    if r["proposal_id"] in texts and disclosure.enough(int(r["n_trials"]), k)
                ],
            }
            for g in released
        ],
        statements=statements,
        bridging=[s["proposal_id"] for s in best if s["bridging"]][:PICK],
        majority_only=[s["proposal_id"] for s in best if s["majority"] and not s["bridging"]][:PICK],
        divisive=[s["proposal_id"] for s in divisive if s["divisiveness"] > 0][:PICK],
    )
    return body


def _product(values: list[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out
