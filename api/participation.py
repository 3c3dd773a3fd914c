"""A participant's path through a consultation: what comes next, and recording what they answered.

Every write is idempotent. The database's unique constraints decide races: when two identical
requests arrive together, one insert wins, the other sees the winner's row and returns it.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import schemas, selection
from api.content import localized
from api.errors import ApiError, bad_request, conflict, not_found
from storage.models import (
    Answer,
    Consultation,
    Enrolment,
    Item,
    Option,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    utcnow,
)

QUALIFICATIONS = {
    "agree": {"like_it", "doable", "platitude"},
    "disagree": {"no_way", "impossible", "platitude"},
    "neutral": {"dont_understand", "no_opinion", "dont_care"},
}


def brief(consultation: Consultation, language: str | None) -> schemas.ConsultationBrief:
    return schemas.ConsultationBrief(
        slug=consultation.slug,
        title=localized(consultation.title, language, consultation.default_language),
        status=consultation.status,
        default_language=consultation.default_language,
        languages=consultation.languages,
    )


async def enrolment_of(session: AsyncSession, participant_id: str, consultation_id: int) -> Enrolment | None:
    return (
        await session.execute(
            select(Enrolment).where(
                Enrolment.participant_id == participant_id, Enrolment.consultation_id == consultation_id
            )
        )
    ).scalar_one_or_none()


async def answers_count(session: AsyncSession, participant_id: str, consultation_id: int) -> int:
    item_ids = select(Item.id).where(Item.consultation_id == consultation_id).scalar_subquery()
    answers = await session.scalar(
        select(func.count()).select_from(Answer).where(Answer.participant_id == participant_id,
                                                        Answer.item_id.in_(item_ids))
    )
    votes = await session.scalar(
        select(func.count()).select_from(ProposalVote).where(ProposalVote.participant_id == participant_id,
                                                              ProposalVote.item_id.in_(item_ids))
    )
    pairs = await session.scalar(
        select(func.count()).select_from(PairPrompt).where(
            PairPrompt.participant_id == participant_id, PairPrompt.item_id.in_(item_ids),
            PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip",
        )
    )
    return int(answers or 0) + int(votes or 0) + int(pairs or 0)


def proposal_out(proposal: Proposal, language: str | None, default_language: str) -> schemas.ProposalOut:
    return schemas.ProposalOut(id=proposal.id, text=localized(proposal.text, language, default_language))


async def next_screen(
    session: AsyncSession, participant: Participant, consultation: Consultation, language: str | None
) -> schemas.NextOut:
    language = language or participant.language
    base = {
        "consultation": brief(consultation, language),
        "intro": localized(consultation.intro, language, consultation.default_language),
    }
    if consultation.status != "open":
        return schemas.NextOut(status="not_open", **base)
    enrolment = await enrolment_of(session, participant.id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        return schemas.NextOut(status="consent", **base)

    items = (
        await session.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position))
    ).scalars().all()
    for number, item in enumerate(items, start=1):
        screen = await _pending_screen(session, participant, consultation, item, language)
        if screen is not None:
            screen.item = schemas.ItemOut(
                id=item.id, key=item.key, kind=item.kind, number=number, total=len(items), config=item.config,
                prompt=localized(item.prompt, language, consultation.default_language),
            )
            return schemas.NextOut(status="item", **base, **screen.model_dump(exclude={"item"}), item=screen.item)

    if enrolment.completed_at is None:
        enrolment.completed_at = utcnow()
        await session.commit()
    return schemas.NextOut(
        status="done", answers_count=await answers_count(session, participant.id, consultation.id), **base
    )


class _Screen(schemas.BaseModel):
    item: schemas.ItemOut | None = None
    options: list[schemas.OptionOut] = []
    proposal: schemas.ProposalOut | None = None
    pair: schemas.PairOut | None = None


async def _pending_screen(
    session: AsyncSession, participant: Participant, consultation: Consultation, item: Item, language: str | None
) -> _Screen | None:
    """The screen this item still needs from the participant, or None when they are done with it."""
    default = consultation.default_language
    if item.kind == "proposal":
        proposal = await selection.next_proposal(session, participant.id, item)
        return None if proposal is None else _Screen(proposal=proposal_out(proposal, language, default))
    if item.kind == "pairs":
        prompt = await _pending_pair(session, participant.id, item)
        if prompt is None:
            return None
        left, right = await session.get(Proposal, prompt.left_id), await session.get(Proposal, prompt.right_id)
        return _Screen(pair=schemas.PairOut(token=prompt.token, left=proposal_out(left, language, default),
                                            right=proposal_out(right, language, default)))
    answered = await session.scalar(
        select(Answer.id).where(Answer.participant_id == participant.id, Answer.item_id == item.id)
    )
    if answered is not None:
        return None
    options = (await session.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))).scalars()
    return _Screen(options=[
        schemas.OptionOut(id=o.id, key=o.key, label=localized(o.label, language, default), cost=o.cost) for o in options
    ])


async def _pending_pair(session: AsyncSession, participant_id: str, item: Item) -> PairPrompt | None:
    """The pair already on the participant's screen, else a fresh one while they have pairs left."""
    open_prompt = (
        await session.execute(
            select(PairPrompt).where(PairPrompt.participant_id == participant_id, PairPrompt.item_id == item.id,
                                     PairPrompt.outcome.is_(None))
        )
    ).scalars().first()
    if open_prompt is not None:
        return open_prompt
    answered = await session.scalar(
        select(func.count()).select_from(PairPrompt).where(PairPrompt.participant_id == participant_id,
                                                           PairPrompt.item_id == item.id)
    )
    if answered >= int(item.config.get("max_pairs", 5)):
        return None
    for _attempt in range(3):
        pair = await selection.choose_pair(session, participant_id, item)
        if pair is None:
            return None
        left, right = pair
        prompt = PairPrompt(token=secrets.token_urlsafe(9), participant_id=participant_id, item_id=item.id,
                            left_id=left, right_id=right, low_id=min(left, right), high_id=max(left, right))
        session.add(prompt)
        try:
            await session.commit()
            return prompt
        except IntegrityError:
            # A concurrent request served this participant the same pair first; show theirs.
            await session.rollback()
            return await _pending_pair(session, participant_id, item)
    return None


async def _item_in_open_consultation(session: AsyncSession, item_id: int) -> tuple[Item, Consultation]:
    item = await session.get(Item, item_id)
    if item is None:
        raise not_found("item")
    consultation = await session.get(Consultation, item.consultation_id)
    if consultation.status != "open":
        raise conflict("not_open", f"consultation {consultation.slug!r} is {consultation.status}")
    return item, consultation


async def _require_consent(session: AsyncSession, participant_id: str, consultation: Consultation) -> None:
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        raise conflict("no_consent", "the participant has not consented to this consultation")


def _answer_out(answer: Answer, created: bool) -> schemas.AnswerOut:
    return schemas.AnswerOut(id=answer.id, item_id=answer.item_id, option_id=answer.option_id, value=answer.value,
                             created=created)


async def record_answer(session: AsyncSession, participant_id: str, body: schemas.AnswerIn) -> schemas.AnswerOut:
    item, consultation = await _item_in_open_consultation(session, body.item_id)
    await _require_consent(session, participant_id, consultation)
    if item.kind in ("proposal", "pairs"):
        raise bad_request("wrong_route", f"item {item.key!r} is a {item.kind} item; use its own route")
    value = await _validated_value(session, item, body)
    item_id, item_key = item.id, item.key  # a rollback expires the objects; keep what the reply needs
    answer = Answer(participant_id=participant_id, item_id=item_id, option_id=body.option_id, value=value)
    session.add(answer)
    try:
        await session.commit()
        return _answer_out(answer, True)
    except IntegrityError:
        await session.rollback()
    existing = (
        await session.execute(select(Answer).where(Answer.participant_id == participant_id, Answer.item_id == item_id))
    ).scalar_one()
    if existing.option_id == body.option_id and existing.value == value:
        return _answer_out(existing, False)
    raise conflict("already_answered", f"item {item_key!r} was already answered", answer_id=existing.id)


async def _validated_value(session: AsyncSession, item: Item, body: schemas.AnswerIn) -> object:
    if item.kind == "single_choice":
        option = await session.get(Option, body.option_id) if body.option_id is not None else None
        if option is None or option.item_id != item.id:
            raise bad_request("invalid_option", f"option {body.option_id} is not an option of item {item.key!r}")
        return None
    raise bad_request("unsupported_item", f"items of kind {item.kind!r} cannot be answered here")


def _vote_out(vote: ProposalVote, created: bool) -> schemas.VoteOut:
    return schemas.VoteOut(id=vote.id, proposal_id=vote.proposal_id, choice=vote.choice,
                           qualification=vote.qualification, created=created)


async def record_vote(session: AsyncSession, participant_id: str, body: schemas.VoteIn) -> schemas.VoteOut:
    proposal = await session.get(Proposal, body.proposal_id)
    if proposal is None or proposal.status != "accepted":
        raise not_found("proposal")
    item, consultation = await _item_in_open_consultation(session, proposal.item_id)
    if item.kind != "proposal":
        raise bad_request("wrong_route", "pair proposals are answered through their pair token")
    await _require_consent(session, participant_id, consultation)
    if body.qualification is not None and body.qualification not in QUALIFICATIONS[body.choice]:
        raise bad_request("invalid_qualification",
                          f"{body.qualification!r} does not qualify {body.choice!r}; "
                          f"use one of {sorted(QUALIFICATIONS[body.choice])}")
    proposal_id = proposal.id
    vote = ProposalVote(participant_id=participant_id, item_id=item.id, proposal_id=proposal_id,
                        choice=body.choice, qualification=body.qualification)
    session.add(vote)
    try:
        await session.commit()
        return _vote_out(vote, True)
    except IntegrityError:
        await session.rollback()
    existing = (
        await session.execute(select(ProposalVote).where(ProposalVote.participant_id == participant_id,
                                                         ProposalVote.proposal_id == proposal_id))
    ).scalar_one()
    if existing.choice != body.choice:
        raise conflict("already_voted", "this proposal already has the participant's vote", vote_id=existing.id)
    if body.qualification and existing.qualification is None:
        # The follow-up "why?" arrives as a second request with the same choice.
        await session.execute(update(ProposalVote).where(ProposalVote.id == existing.id,
                                                         ProposalVote.qualification.is_(None))
                              .values(qualification=body.qualification))
        await session.commit()
        await session.refresh(existing)
    if body.qualification and existing.qualification != body.qualification:
        raise conflict("already_qualified", "this vote already has a qualification", vote_id=existing.id)
    return _vote_out(existing, False)


def _counts(outcome: str, after_skip: bool) -> bool:
    """Skips and "can't decide" never move scores; nor does an answer given right after a skip,
    which is kept but marked, since it is often a click-through."""
    return outcome in ("left", "right") and not after_skip


async def record_pair(
    session: AsyncSession, participant_id: str, token: str, body: schemas.PairAnswerIn
) -> schemas.PairAnswerOut:
    prompt = await session.get(PairPrompt, token)
    if prompt is None or prompt.participant_id != participant_id:
        raise not_found("pair")
    _item, consultation = await _item_in_open_consultation(session, prompt.item_id)
    previous = (
        await session.execute(
            select(PairPrompt.outcome).where(PairPrompt.participant_id == participant_id,
                                             PairPrompt.item_id == prompt.item_id,
                                             PairPrompt.outcome.is_not(None))
            .order_by(PairPrompt.answered_at.desc()).limit(1)
        )
    ).scalar_one_or_none()
    after_skip = previous == "skip" and body.outcome != "skip"
    # The token is single-use: only the update that finds it unanswered counts.
    result = await session.execute(
        update(PairPrompt).where(PairPrompt.token == token, PairPrompt.outcome.is_(None))
        .values(outcome=body.outcome, reason=body.reason, after_skip=after_skip, answered_at=utcnow())
    )
    await session.commit()
    if result.rowcount == 1:
        await session.refresh(prompt)
        return schemas.PairAnswerOut(token=token, outcome=body.outcome, after_skip=after_skip, created=True,
                                     counted=_counts(body.outcome, after_skip))
    await session.refresh(prompt)
    if prompt.outcome == body.outcome:
        return schemas.PairAnswerOut(token=token, outcome=prompt.outcome, after_skip=prompt.after_skip,
                                     created=False, counted=_counts(prompt.outcome, prompt.after_skip))
    raise conflict("already_answered", "this pair was already answered", outcome=prompt.outcome)


__all__ = ["ApiError", "next_screen", "record_answer", "record_vote", "record_pair", "brief"]
