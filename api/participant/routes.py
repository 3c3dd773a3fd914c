"""The participant routes (``/participant/...``). Any front end (the Telegram bot, a web form) records
participation through them. Thin: the modules of this package do the work; a route commits once.

A write asked with ``?next=<slug>`` returns the participant's next screen too, so that a front end needs one
request per button press.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import eligibility, schemas, standing
from api.content_cache import ContentCache
from api.deps import content_cache, require_service_token, selection_registry, session
from api.error_docs import SERVICE, errors
from api.participant import access, ballots, proposals, recording
from api.participant import profile as profiles
from api.participant.next_screen import ballot_screen, next_screen
from api.selection import SelectionRegistry
from storage.models import Consultation, Contact, Participant

Content = Annotated[ContentCache, Depends(content_cache)]
Selection = Annotated[SelectionRegistry, Depends(selection_registry)]

router = APIRouter(
    prefix="/participant", tags=["participant"], dependencies=[Depends(require_service_token)], responses=SERVICE
)


@router.post(
    "/identify",
    response_model=schemas.ParticipantOut,
    responses=errors(400),
    summary="Find or create the participant behind a channel identity",
)
async def identify(
    body: schemas.IdentifyIn, content: Content, db: AsyncSession = Depends(session)
) -> schemas.ParticipantOut:
    query = (
        select(Participant)
        .join(Contact, Contact.participant_id == Participant.id)
        .where(Contact.channel == body.channel, Contact.external_id == body.external_id)
    )
    participant = (await db.execute(query)).scalar_one_or_none()
    if participant is not None:
        return await access.participant_out(content, participant)
    participant = Participant()
    db.add(participant)
    await db.flush()
    db.add(Contact(participant_id=participant.id, channel=body.channel, external_id=body.external_id))
    try:
        await db.commit()
        return await access.participant_out(content, participant, created=True)
    except IntegrityError:
        # The same person's first two messages raced; the other request created them.
        await db.rollback()
        return await access.participant_out(content, (await db.execute(query)).scalar_one())


@router.get("/{participant_id}", response_model=schemas.ParticipantOut, responses=errors(404))
async def get_participant(
    participant_id: str, content: Content, db: AsyncSession = Depends(session)
) -> schemas.ParticipantOut:
    return await access.participant_out(content, await access.require_participant(db, participant_id))


@router.patch("/{participant_id}", response_model=schemas.ParticipantOut, responses=errors(400, 404))
async def patch_participant(
    participant_id: str, body: schemas.ParticipantPatch, content: Content, db: AsyncSession = Depends(session)
) -> schemas.ParticipantOut:
    participant = await access.require_participant(db, participant_id)
    if body.language is not None:
        participant.language = body.language
    await db.commit()
    return await access.participant_out(content, participant)


@router.get("/consultations/open", response_model=list[schemas.ConsultationBrief])
async def open_consultations(
    lang: str | None = None, db: AsyncSession = Depends(session)
) -> list[schemas.ConsultationBrief]:
    rows = (
        await db.execute(select(Consultation).where(Consultation.status == "open").order_by(Consultation.id.desc()))
    ).scalars()
    return [access.brief(c, lang) for c in rows]


@router.post(
    "/{participant_id}/enrol",
    response_model=schemas.EnrolmentOut,
    responses=errors(400, 404, 409),
    summary="Open a consultation for the participant (deep link), recording the outreach source",
)
async def enrol(
    participant_id: str, body: schemas.EnrolIn, content: Content, db: AsyncSession = Depends(session)
) -> schemas.EnrolmentOut:
    participant = await access.require_participant(db, participant_id)
    consultation = await access.open_consultation(content, body.slug)
    enrolment = await access.enrol(db, participant, consultation, body.source)
    await db.commit()
    access.moved(participant, consultation)
    return access.enrolment_out(consultation, enrolment)


NEXT = Query(
    default=None,
    min_length=1,
    max_length=64,
    alias="next",
    description="A consultation's slug: include the participant's next screen there in the response.",
)
LANG = Query(default=None, max_length=16, description="The language of the included next screen.")

WithNext = TypeVar(
    "WithNext",
    schemas.EnrolmentOut,
    schemas.AnswerOut,
    schemas.VoteOut,
    schemas.PairAnswerOut,
    schemas.EligibilityOut,
)


async def _with_next(
    db: AsyncSession,
    content: ContentCache,
    registry: SelectionRegistry,
    out: WithNext,
    participant_id: str,
    slug: str | None,
    lang: str | None,
) -> WithNext:
    """The response, with the participant's next screen when the front end asked for it (``?next=slug``),
    once the write and the screen (a pair served is written too) are committed, in one transaction.
    The participant is read only when the front end did not say which language to show."""
    if slug is not None:
        if lang is None:
            lang = (await access.require_participant(db, participant_id)).language
        out.next = await next_screen(
            db, content, registry, participant_id, await access.visible_consultation(content, slug), lang
        )
    await db.commit()
    return out


@router.post("/{participant_id}/consent", response_model=schemas.EnrolmentOut, responses=errors(400, 404, 409))
async def consent(
    participant_id: str,
    body: schemas.EnrolIn,
    content: Content,
    registry: Selection,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.EnrolmentOut:
    participant = await access.require_participant(db, participant_id)
    lang = lang or participant.language
    consultation = await access.open_consultation(content, body.slug)
    enrolment = await access.enrol(db, participant, consultation, body.source)
    given = await access.give_consent(db, enrolment)
    await db.commit()
    access.moved(participant, consultation)
    out = access.enrolment_out(consultation, enrolment, consented_now=given)
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.get(
    "/{participant_id}/next",
    response_model=schemas.NextOut,
    responses=errors(404, 409),
    summary="What the participant should see next in a consultation",
)
async def next_item(
    participant_id: str,
    content: Content,
    registry: Selection,
    slug: str = Query(min_length=1, max_length=64),
    lang: str | None = None,
    db: AsyncSession = Depends(session),
) -> schemas.NextOut:
    participant = await access.require_participant(db, participant_id)
    screen = await next_screen(
        db,
        content,
        registry,
        participant_id,
        await access.visible_consultation(content, slug),
        lang or participant.language,
    )
    await db.commit()  # a pair it served
    return screen


@router.post(
    "/{participant_id}/answers",
    response_model=schemas.AnswerOut,
    responses=errors(400, 404, 409),
    summary="Answer a question item (idempotent: the same answer twice is stored once)",
)
async def answer(
    participant_id: str,
    body: schemas.AnswerIn,
    content: Content,
    registry: Selection,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.AnswerOut:
    out = await recording.record_answer(db, content, participant_id, body)  # an unknown participant: 404 there
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.post(
    "/{participant_id}/eligibility",
    response_model=schemas.EligibilityOut,
    responses=errors(400, 403, 404, 409),
    summary="Pass a budget's check with the participant's own phone number or an invitation code (403: a "
    "number of a calling code not admitted; 409: a number or a code used already)",
)
async def eligible(
    participant_id: str,
    body: schemas.EligibilityIn,
    request: Request,
    content: Content,
    registry: Selection,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.EligibilityOut:
    item, consultation = await access.item_in_open_consultation(content, body.item_id)
    await access.require_consent(db, participant_id, consultation)
    await eligibility.require_admitted(db, participant_id, item, None)  # its district's participants only
    settings = request.app.state.settings
    if body.phone is not None:
        created = await eligibility.record_phone(db, settings, participant_id, item, body.phone)
    else:
        created = await eligibility.redeem_code(db, settings, participant_id, item, body.code or "")
    out = schemas.EligibilityOut(item_id=item.id, created=created)
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.post(
    "/{participant_id}/votes",
    response_model=schemas.VoteOut,
    responses=errors(400, 404, 409),
    summary="Agree / disagree / neutral on a proposal (idempotent)",
)
async def vote(
    participant_id: str,
    body: schemas.VoteIn,
    content: Content,
    registry: Selection,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.VoteOut:
    out = await proposals.record_vote(db, content, registry, participant_id, body)  # an unknown participant: 404 there
    # When the "why?" comes first, serving the next statement now would count an exposure never shown.
    then = None if out.asks_qualification else then
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.post(
    "/{participant_id}/votes/{proposal_id}/qualification",
    response_model=schemas.VoteOut,
    responses=errors(400, 404, 409),
    summary="Answer the 'why?' after a vote (or skip it, with qualification null): the participant's own "
    "vote gets its qualification, nothing else changes",
)
async def qualification(
    participant_id: str,
    body: schemas.QualificationIn,
    content: Content,
    registry: Selection,
    proposal_id: int = Path(ge=1, le=2_147_483_647),
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.VoteOut:
    out = await proposals.qualify(db, content, participant_id, proposal_id, body)  # an unknown participant: 404 there
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.post(
    "/{participant_id}/pairs/{token}",
    response_model=schemas.PairAnswerOut,
    responses=errors(400, 404, 409),
    summary="Answer a served pair; its token counts once",
)
async def pair(
    participant_id: str,
    token: str,
    body: schemas.PairAnswerIn,
    content: Content,
    registry: Selection,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.PairAnswerOut:
    # An unknown participant: 404 there.
    out = await recording.record_pair(db, content, registry, participant_id, token, body)
    return await _with_next(db, content, registry, out, participant_id, then, lang)


@router.post(
    "/{participant_id}/profile",
    status_code=204,
    responses=errors(400, 404, 409),
    summary="Answer (or skip, with value null) one optional profile question",
)
async def profile(
    participant_id: str, body: schemas.ProfileIn, content: Content, db: AsyncSession = Depends(session)
) -> None:
    participant = await access.require_participant(db, participant_id)
    await profiles.record_profile(db, participant, await access.open_consultation(content, body.slug), body)


@router.post(
    "/{participant_id}/awaiting",
    status_code=204,
    responses=errors(400, 404, 409),
    summary="Say what the participant's next typed message is for (a proposal, a place comment)",
)
async def awaiting(
    participant_id: str, body: schemas.AwaitIn, content: Content, db: AsyncSession = Depends(session)
) -> None:
    await access.require_participant(db, participant_id)
    await recording.set_awaiting(db, participant_id, await access.open_consultation(content, body.slug), body.awaiting)


@router.post(
    "/{participant_id}/proposals",
    response_model=schemas.SubmittedProposalOut,
    status_code=201,
    responses=errors(400, 404, 409),
    summary="Submit a participant's own proposal (12–280 characters); it waits for moderation",
)
async def propose(
    participant_id: str, body: schemas.ProposalIn, content: Content, db: AsyncSession = Depends(session)
) -> schemas.SubmittedProposalOut:
    await access.require_participant(db, participant_id)
    return await proposals.submit_proposal(db, content, participant_id, body)


@router.post(
    "/{participant_id}/answers/{item_id}/comment",
    response_model=schemas.AnswerOut,
    responses=errors(400, 404, 409),
    summary="Add a short comment to a place answer",
)
async def comment(
    participant_id: str,
    body: schemas.CommentIn,
    content: Content,
    item_id: int = Path(ge=1, le=2_147_483_647),
    db: AsyncSession = Depends(session),
) -> schemas.AnswerOut:
    await access.require_participant(db, participant_id)
    return await recording.comment_place(db, content, participant_id, item_id, body.text)


ITEM_ID = Path(ge=1, le=2_147_483_647)


@router.get(
    "/{participant_id}/ballots/{item_id}",
    response_model=schemas.NextOut,
    responses=errors(400, 404, 409),
    summary="A budget item's ballot as it stands (the picks not sent yet, else the ballot sent), to fill or change",
)
async def ballot(
    participant_id: str,
    content: Content,
    item_id: int = ITEM_ID,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.NextOut:
    item, consultation = await ballots.ballot_item(db, content, participant_id, item_id)
    lang = lang or (await access.require_participant(db, participant_id)).language
    return await ballot_screen(db, content, participant_id, consultation, item, lang)


@router.post(
    "/{participant_id}/ballots/{item_id}/picks",
    response_model=schemas.NextOut,
    responses=errors(400, 404, 409),
    summary="One pick on a budget ballot (kept server-side until sent); refused picks say why (api/ballot_rules.py)",
)
async def ballot_pick(
    participant_id: str,
    body: schemas.BallotPickIn,
    content: Content,
    item_id: int = ITEM_ID,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.NextOut:
    item, consultation = await ballots.ballot_item(db, content, participant_id, item_id)
    await ballots.pick(db, content, participant_id, item, body.action, body.option_id)
    lang = lang or (await access.require_participant(db, participant_id)).language
    screen = await ballot_screen(db, content, participant_id, consultation, item, lang)
    await db.commit()
    return screen


@router.post(
    "/{participant_id}/ballots/{item_id}/send",
    response_model=schemas.AnswerOut,
    responses=errors(400, 404, 409),
    summary="Send the budget ballot as picked: it becomes (or replaces) the participant's answer to the item",
)
async def ballot_send(
    participant_id: str,
    content: Content,
    registry: Selection,
    item_id: int = ITEM_ID,
    then: str | None = NEXT,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> schemas.AnswerOut:
    item, _ = await ballots.ballot_item(db, content, participant_id, item_id)
    out = await ballots.send(db, content, participant_id, item)
    return await _with_next(db, content, registry, out, participant_id, then, lang)


class StandingOut(BaseModel):
    """Where the participant stands among the consultation's opinion groups (api/standing.py). ``groups`` is false
    until the votes make two groups or more; ``group`` is null when the participant is in no group that may be
    described (not clustered, or a group under the consultation's minimum size); ``own``: how their accepted
    proposals fared."""

    slug: str
    title: dict[str, str]
    default_language: str
    groups: bool
    group: dict[str, Any] | None = None
    common: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []


@router.get(
    "/{participant_id}/standing",
    response_model=StandingOut,
    responses=errors(404),
    summary="Which opinion group the participant is in, and what every group agrees on",
)
async def where_they_stand(
    participant_id: str,
    content: Content,
    slug: str = Query(min_length=1, max_length=64),
    db: AsyncSession = Depends(session),
) -> StandingOut:
    await access.require_participant(db, participant_id)
    consultation = await access.visible_consultation(content, slug)
    view = await standing.group_view(db, consultation)
    group = (await standing.groups_of(db, consultation.id, [participant_id])).get(participant_id)
    own = (await standing.authored(db, consultation, view, [participant_id])).get(participant_id, [])
    return StandingOut(
        slug=consultation.slug,
        title=dict(consultation.title),
        default_language=consultation.default_language,
        **standing.standing_of(view, group),
        own=own,
    )
