"""What a digest says: the consultation's figures at one moment, and each recipient's own comparison.

Computed once, when a broadcast is created, and stored with it: every recipient of a round reads the same
figures, however long the broadcast takes, and a restarted delivery engine sends what the first one would have.
Texts stay in all their languages ({"uk": …, "en": …}); the bot picks the recipient's when it renders.

Figures come straight from the vote tables through :mod:`api.scoring` (Wilson intervals, zones, top and
controversy scores, Bradley–Terry for pairs).

The disclosure rule (:mod:`api.disclosure`) applies: a consultation whose figures are about fewer than its
``min_segment_size`` participants gets no digest at all (:func:`api.broadcast.outbox.create_digest` refuses),
and within a digest a proposal voted on by fewer than that many, or a pairs item compared by fewer, is left out.
"Most supported" lists only proposals a majority of their voters agree with; ``top_none`` says that proposals
were voted on but none reached that.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure, standing
from api.scoring import rank_pairs
from api.scoring.proposals import VoteCounts, Zone, controversy_ranking, score_proposals, top_ranking
from storage.models import Answer, Consultation, Enrolment, Item, PairPrompt, Proposal, ProposalVote

TOP = 3
CONSENSUS = 2
DIVISIVE = 2
PAIRS_TOP = 3
CHART_ROWS = 6
DIVISIVE_MIN_VOTES = 5


async def digest_content(session: AsyncSession, consultation: Consultation) -> dict[str, Any]:
    """Headline figures, top / consensus / divisive proposals, pairs leaders, and what the chart shows."""
    items = (
        (await session.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )
    item_ids = [item.id for item in items]
    enrolled = (
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.consultation_id == consultation.id, Enrolment.consented_at.is_not(None))
    )
    participants = int(await session.scalar(enrolled) or 0)
    completed = int(await session.scalar(enrolled.where(Enrolment.completed_at.is_not(None))) or 0)
    answers = await _answers(session, item_ids)

    k = disclosure.threshold(consultation)
    proposal_items = [item.id for item in items if item.kind == "proposal"]
    scored = await _proposal_scores(session, proposal_items)
    pairs = [await _pairs_item(session, item, k) for item in items if item.kind == "pairs"]
    pairs = [p for p in pairs if p["top"]]

    # A proposal's figures describe the people who voted on it: fewer than k, and it is not shown.
    voted = {pid: s for pid, (s, _) in scored.items() if s.votes > 0 and disclosure.enough(s.votes, k)}
    top_ids = [pid for pid in top_ranking(voted) if _majority_agrees(voted[pid])][:TOP]
    consensus_ids = sorted(
        (pid for pid, s in voted.items() if s.zone == Zone.CONSENSUS and pid not in top_ids),
        key=lambda pid: (-voted[pid].agree_among_decided.value, -voted[pid].votes, pid),
    )[:CONSENSUS]
    divisive_ids = [pid for pid in controversy_ranking(voted) if voted[pid].zone == Zone.CONTROVERSY][:DIVISIVE]
    if not divisive_ids:
        # Too few votes for a zone yet: the closest split among proposals with some votes on both sides.
        divisive_ids = [
            pid
            for pid in controversy_ranking(voted)
            if voted[pid].votes >= DIVISIVE_MIN_VOTES and voted[pid].controversy_score > 0
        ][:1]

    def entry(pid: int) -> dict[str, Any]:
        s, text = scored[pid]
        return {
            "id": pid,
            "text": text,
            "votes": s.votes,
            "agree": round(s.agree.value, 4),
            "disagree": round(s.disagree.value, 4),
            "neutral": round(s.neutral.value, 4),
        }

    chart_ids = list(top_ranking(voted))[:CHART_ROWS]
    chart: dict[str, Any] | None = None
    if chart_ids:
        chart = {"kind": "proposals", "rows": [entry(pid) for pid in chart_ids]}
    elif pairs:
        chart = {"kind": "pairs", "prompt": pairs[0]["prompt"], "rows": pairs[0]["top"][:CHART_ROWS]}
    return {
        "slug": consultation.slug,
        "title": dict(consultation.title),
        "default_language": consultation.default_language,
        "status": consultation.status,
        "participants": participants,
        "completed": completed,
        "answers": answers,
        "top": [entry(pid) for pid in top_ids],
        "top_none": bool(voted) and not top_ids,
        "consensus": [entry(pid) for pid in consensus_ids],
        "divisive": [entry(pid) for pid in divisive_ids],
        "pairs": [{**p, "top": p["top"][:PAIRS_TOP]} for p in pairs],
        "chart": chart,
        # The majority's choice on each proposal and each pairs item's strengths, for the personal figures.
        "majority": {str(pid): _majority(s) for pid, s in voted.items()},
        # Where each recipient stands among the opinion groups (api/standing.py): None before there are groups.
        "standing": await standing.group_view(session, consultation),
    }


async def _answers(session: AsyncSession, item_ids: list[int]) -> int:
    if not item_ids:
        return 0
    total = 0
    for query in (
        select(func.count()).select_from(Answer).where(Answer.item_id.in_(item_ids)),
        select(func.count()).select_from(ProposalVote).where(ProposalVote.item_id.in_(item_ids)),
        select(func.count())
        .select_from(PairPrompt)
        .where(PairPrompt.item_id.in_(item_ids), PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip"),
    ):
        total += int(await session.scalar(query) or 0)
    return total


async def _proposal_scores(session: AsyncSession, item_ids: list[int]) -> dict[int, tuple[Any, dict[str, str]]]:
    if not item_ids:
        return {}
    proposals = (
        await session.execute(
            select(Proposal.id, Proposal.text).where(Proposal.item_id.in_(item_ids), Proposal.status == "accepted")
        )
    ).all()
    rows = (
        await session.execute(
            select(ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification, func.count())
            .where(ProposalVote.item_id.in_(item_ids))
            .group_by(ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification)
        )
    ).all()
    grouped: dict[int, list[tuple[str, str | None, int]]] = defaultdict(list)
    for pid, choice, qualification, count in rows:
        grouped[pid].append((choice, qualification, count))
    counts = {pid: VoteCounts.from_rows(grouped.get(pid, [])) for pid, _ in proposals}
    scores = score_proposals(counts)
    return {pid: (scores[pid], dict(text)) for pid, text in proposals}


def _majority_agrees(score: Any) -> bool:
    """More than half of the proposal's voters agree (neutral votes count among the voters)."""
    return score.votes > 0 and 2 * score.agree.count > score.votes


def _majority(score: Any) -> str | None:
    """The most frequent choice; None on a tie for first place."""
    ranked = sorted(
        (("agree", score.agree.count), ("disagree", score.disagree.count), ("neutral", score.neutral.count)),
        key=lambda pair: -pair[1],
    )
    return None if ranked[0][1] == ranked[1][1] else ranked[0][0]


async def _pairs_item(session: AsyncSession, item: Item, k: int) -> dict[str, Any]:
    proposals = (
        await session.execute(
            select(Proposal.id, Proposal.text).where(Proposal.item_id == item.id, Proposal.status == "accepted")
        )
    ).all()
    decisive = (
        PairPrompt.item_id == item.id,
        PairPrompt.outcome.in_(("left", "right")),
        PairPrompt.after_skip.is_(False),
    )
    outcomes = (
        await session.execute(select(PairPrompt.left_id, PairPrompt.right_id, PairPrompt.outcome).where(*decisive))
    ).all()
    voters = int(
        await session.scalar(select(func.count(func.distinct(PairPrompt.participant_id))).where(*decisive)) or 0
    )
    texts = {pid: dict(text) for pid, text in proposals}
    result: dict[str, Any] = {"item": item.id, "prompt": dict(item.prompt), "top": [], "strength": {}}
    if not outcomes or len(texts) < 2 or not disclosure.enough(voters, k):
        return result
    winners = [left if outcome == "left" else right for left, right, outcome in outcomes]
    losers = [right if outcome == "left" else left for left, right, outcome in outcomes]
    ranking = rank_pairs(list(texts), winners, losers)
    result["top"] = [
        {
            "id": row.proposal_id,
            "text": texts[row.proposal_id],
            "p_beat": round(row.p_beat, 4),
            "wins": row.wins,
            "losses": row.losses,
        }
        for row in ranking
        if row.wins + row.losses > 0
    ]
    result["strength"] = {str(row.proposal_id): row.p_beat for row in ranking}
    return result


async def personal_figures(
    session: AsyncSession, consultation: Consultation, content: dict[str, Any], participant_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """For each recipient: how many proposals they voted on with a clear majority, and how many of those they
    voted like the majority; how many pairs they decided, and how many went the way of the overall ranking;
    their opinion group when it is released (``group``, a key of the content's ``standing.groups``); how their
    own accepted proposals fared (``own``)."""
    figures: dict[str, dict[str, Any]] = {
        pid: {"votes": 0, "with_majority": 0, "pairs": 0, "pairs_with_ranking": 0} for pid in participant_ids
    }
    if not participant_ids:
        return figures
    view = content.get("standing")
    if view:
        for pid, group in (await standing.groups_of(session, consultation.id, participant_ids)).items():
            if str(group) in view["groups"]:  # a group under the threshold is never told, even to its members
                figures[pid]["group"] = str(group)
    for pid, own in (await standing.authored(session, consultation, view, participant_ids)).items():
        figures[pid]["own"] = own
    items = select(Item.id).where(Item.consultation_id == consultation.id).scalar_subquery()
    majority = content.get("majority") or {}
    votes = await session.execute(
        select(ProposalVote.participant_id, ProposalVote.proposal_id, ProposalVote.choice).where(
            ProposalVote.item_id.in_(items)
        )
    )
    for participant_id, proposal_id, choice in votes.all():
        mine = figures.get(participant_id)
        expected = majority.get(str(proposal_id))
        if mine is None or expected is None:
            continue
        mine["votes"] += 1
        mine["with_majority"] += int(choice == expected)
    strength = {key: value for p in content.get("pairs") or [] for key, value in (p.get("strength") or {}).items()}
    if strength:
        pairs = await session.execute(
            select(PairPrompt.participant_id, PairPrompt.left_id, PairPrompt.right_id, PairPrompt.outcome).where(
                PairPrompt.item_id.in_(items), PairPrompt.outcome.in_(("left", "right"))
            )
        )
        for participant_id, left, right, outcome in pairs.all():
            mine = figures.get(participant_id)
            a, b = strength.get(str(left)), strength.get(str(right))
            if mine is None or a is None or b is None or a == b:
                continue
            mine["pairs"] += 1
            mine["pairs_with_ranking"] += int((a > b) == (outcome == "left"))
    return figures
