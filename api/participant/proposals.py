"""Proposals as a participant meets them: votes on a statement, the "why?" (qualification) after a vote, and
the participant's own proposals, which wait for moderation. The write rules are those of ``recording``.

Whether a vote gets a "why?" follow-up is decided here only (``VoteOut.asks_qualification``); front ends render
the question when told to, and answer it through :func:`qualify`, which touches the vote's qualification alone.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import schemas, selection
from api.answers import clean_text, visible_length
from api.content import localized
from api.content_cache import ContentCache
from api.errors import bad_request, conflict, not_found
from api.participant.access import (
    item_in_open_consultation,
    keep_enrolment,
    require_consent,
    require_participant,
    with_enrolment,
)
from api.selection import SelectionRegistry
from core.definition import PROPOSAL_MAX, PROPOSAL_MIN
from core.vocabulary import QUALIFICATIONS
from storage.db import after_commit
from storage.models import Item, Proposal, ProposalVote
from storage.rows import execute_core, insert_new_row
from storage.text import normalize_proposal


def asks_qualification(item: Item) -> bool:
    """Does a new vote in this item get the optional "why?" (the item's ``qualifications``, on by default)?"""
    return bool(item.config.get("qualifications", True))


def _vote_out(vote: ProposalVote, created: bool, asks: bool = False, qualified: bool = False) -> schemas.VoteOut:
    return schemas.VoteOut(
        id=vote.id,
        proposal_id=vote.proposal_id,
        choice=vote.choice,
        qualification=vote.qualification,
        created=created,
        asks_qualification=asks,
        qualified_now=qualified,
    )


def _check_qualification(choice: str, qualification: str | None) -> None:
    if qualification is not None and qualification not in QUALIFICATIONS[choice]:
        raise bad_request(
            "invalid_qualification",
            f"{qualification!r} does not qualify {choice!r}; use one of {sorted(QUALIFICATIONS[choice])}",
        )


_PROPOSAL_STATUS = with_enrolment(
    select(Proposal.item_id, Proposal.status).where(Proposal.id == bindparam("proposal")), Proposal.item_id
)
_VOTE = select(ProposalVote).where(
    ProposalVote.participant_id == bindparam("participant"), ProposalVote.proposal_id == bindparam("proposal")
)


async def record_vote(
    session: AsyncSession, content: ContentCache, registry: SelectionRegistry, participant_id: str, body: schemas.VoteIn
) -> schemas.VoteOut:
    """Agree / disagree / neutral on an accepted statement, with its qualification when the front end has it
    already. The same vote again is stored once; another choice on a voted statement is refused."""
    proposal = (
        await session.execute(_PROPOSAL_STATUS, {"proposal": body.proposal_id, "participant": participant_id})
    ).first()
    if proposal is None or proposal.status != "accepted":
        raise not_found("proposal")
    keep_enrolment(session, proposal.Enrolment)
    item, consultation = await item_in_open_consultation(content, proposal.item_id)
    if item.kind != "proposal":
        raise bad_request("wrong_route", "pair proposals are answered through their pair token")
    await require_consent(session, participant_id, consultation)
    _check_qualification(body.choice, body.qualification)
    vote = ProposalVote(
        participant_id=participant_id,
        item_id=item.id,
        proposal_id=body.proposal_id,
        choice=body.choice,
        qualification=body.qualification,
    )
    if await insert_new_row(session, vote) is not None:
        after_commit(session, lambda: selection.vote_recorded(registry, vote))
        return _vote_out(
            vote,
            True,
            asks=body.qualification is None and asks_qualification(item),
            qualified=body.qualification is not None,
        )
    # Voted before (a button pressed twice, two presses at once, a copy of the screen shown twice after a crash):
    # the same vote is stored once. A vote still without its "why?" asks it again, so that the front end shows
    # the question where this press came from rather than nothing (a copy's buttons would otherwise lead nowhere).
    out = await qualify(
        session,
        content,
        participant_id,
        body.proposal_id,
        schemas.QualificationIn(choice=body.choice, qualification=body.qualification),
    )
    out.asks_qualification = out.qualification is None and body.qualification is None and asks_qualification(item)
    return out


_QUALIFY = (
    update(ProposalVote)
    .where(
        ProposalVote.participant_id == bindparam("participant"),
        ProposalVote.proposal_id == bindparam("proposal"),
        ProposalVote.choice == bindparam("choice_given"),
        ProposalVote.qualification.is_(None),
    )
    .values(qualification=bindparam("new_qualification"))
    .returning(ProposalVote.id, ProposalVote.item_id)
    .execution_options(synchronize_session=False)
)  # no vote object in the session to update


async def qualify(
    session: AsyncSession, content: ContentCache, participant_id: str, proposal_id: int, body: schemas.QualificationIn
) -> schemas.VoteOut:
    """The "why?" after a vote: the participant's own vote on the proposal gets its qualification, and nothing
    else changes. Found by participant and proposal, so a forged press can only qualify the presser's own vote
    (and casts none: a vote they never gave is 404). ``qualification`` None (the "why?" skipped) writes nothing.
    Only the request that finds the vote unqualified gives the qualification (``qualified_now``); the same "why?"
    again is answered as stored, another one is refused."""
    _check_qualification(body.choice, body.qualification)
    if body.qualification is not None:
        qualified = (
            await execute_core(
                session,
                _QUALIFY,
                {
                    "participant": participant_id,
                    "proposal": proposal_id,
                    "choice_given": body.choice,
                    "new_qualification": body.qualification,
                },
            )
        ).first()
        if qualified is not None:
            await item_in_open_consultation(content, qualified.item_id)  # closed: refused, and the update undone
            return schemas.VoteOut(
                id=qualified.id,
                proposal_id=proposal_id,
                choice=body.choice,
                qualification=body.qualification,
                created=False,
                qualified_now=True,
            )
    vote = (await session.execute(_VOTE, {"participant": participant_id, "proposal": proposal_id})).scalar_one_or_none()
    if vote is None:
        await require_participant(session, participant_id)
        raise not_found("vote")
    await item_in_open_consultation(content, vote.item_id)
    if vote.choice != body.choice:
        raise conflict("already_voted", "this proposal already has the participant's vote", vote_id=vote.id)
    if body.qualification and vote.qualification != body.qualification:
        raise conflict("already_qualified", "this vote already has a qualification", vote_id=vote.id)
    return _vote_out(vote, False)


async def submit_proposal(
    session: AsyncSession, content: ContentCache, participant_id: str, body: schemas.ProposalIn
) -> schemas.SubmittedProposalOut:
    """A participant's own proposal: checked for length and exact duplicates, then queued for moderation."""
    item, consultation = await item_in_open_consultation(content, body.item_id)
    enrolment = await require_consent(session, participant_id, consultation)
    if item.kind not in ("proposal", "pairs") or not item.config.get("allow_citizen_proposals"):
        raise bad_request("proposals_closed", f"item {item.key!r} does not take citizen proposals")
    text = " ".join(clean_text(body.text).split())
    # The minimum counts what a reader sees: 15 zero-width spaces (format characters, Unicode category Cf)
    # are not a 15-character idea. The maximum counts everything stored.
    visible = visible_length(text)
    if visible < PROPOSAL_MIN or len(text) > PROPOSAL_MAX:
        length = visible if visible < PROPOSAL_MIN else len(text)
        raise bad_request(
            "invalid_length",
            f"a proposal has {PROPOSAL_MIN} to {PROPOSAL_MAX} characters (this one has {length})",
            min=PROPOSAL_MIN,
            max=PROPOSAL_MAX,
            length=length,
        )
    normalized = normalize_proposal(text)
    pool = (
        await session.execute(select(Proposal).where(Proposal.item_id == item.id, Proposal.status != "rejected"))
    ).scalars()
    for existing in pool:
        if normalized in {existing.normalized, *(normalize_proposal(t) for t in existing.text.values())}:
            raise conflict(
                "duplicate",
                "this proposal is already in the consultation",
                proposal_id=existing.id,
                text=localized(existing.text, body.language, consultation.default_language),
                proposal_status=existing.status,
            )
    proposal = Proposal(
        item_id=item.id, text={body.language: text}, status="pending", normalized=normalized, author_id=participant_id
    )
    session.add(proposal)
    enrolment.awaiting = None
    await session.commit()
    return schemas.SubmittedProposalOut(id=proposal.id, status=proposal.status, text=text)
