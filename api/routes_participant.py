"""Bot-facing routes. Any front end (the Telegram bot, a web form) records participation through them."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from api import participation, schemas
from api.deps import require_service_token, session
from api.content_cache import content_for
from api.error_docs import SERVICE, errors
from api.errors import conflict, not_found
from storage.models import Consultation, Contact, Enrolment, Participant, utcnow
from storage.rows import insert_new_row

router = APIRouter(prefix="/participant", tags=["participant"], dependencies=[Depends(require_service_token)],
                   responses=SERVICE)


async def _consultation(db: AsyncSession, slug: str) -> Consultation:
    consultation = await content_for(db).by_slug(slug)
    if consultation is None or consultation.status == "draft":
        raise not_found(f"consultation {slug!r}")
    return consultation


async def _out(db: AsyncSession, participant: Participant, created: bool = False) -> schemas.ParticipantOut:
    current_id = participant.current_consultation_id
    current = await content_for(db).by_id(current_id) if current_id else None
    return schemas.ParticipantOut(id=participant.id, language=participant.language, created=created,
                                  current_consultation=current.slug if current else None)


@router.post("/identify", response_model=schemas.ParticipantOut, responses=errors(400),
             summary="Find or create the participant behind a channel identity")
async def identify(body: schemas.IdentifyIn, db: AsyncSession = Depends(session)) -> schemas.ParticipantOut:
    query = select(Participant).join(Contact, Contact.participant_id == Participant.id).where(
        Contact.channel == body.channel, Contact.external_id == body.external_id)
    participant = (await db.execute(query)).scalar_one_or_none()
    if participant is not None:
        return await _out(db, participant)
    participant = Participant()
    db.add(participant)
    await db.flush()
    db.add(Contact(participant_id=participant.id, channel=body.channel, external_id=body.external_id))
    try:
        await db.commit()
        return await _out(db, participant, created=True)
    except IntegrityError:
        # The same person's first two messages raced; the other request created them.
        await db.rollback()
        return await _out(db, (await db.execute(query)).scalar_one())


@router.get("/{participant_id}", response_model=schemas.ParticipantOut, responses=errors(404))
async def get_participant(participant_id: str, db: AsyncSession = Depends(session)) -> schemas.ParticipantOut:
    return await _out(db, await participation.require_participant(db, participant_id))


@router.patch("/{participant_id}", response_model=schemas.ParticipantOut, responses=errors(400, 404))
async def patch_participant(participant_id: str, body: schemas.ParticipantPatch,
                            db: AsyncSession = Depends(session)) -> schemas.ParticipantOut:
    participant = await participation.require_participant(db, participant_id)
    if body.language is not None:
        participant.language = body.language
    await db.commit()
    return await _out(db, participant)


@router.get("/consultations/open", response_model=list[schemas.ConsultationBrief])
async def open_consultations(lang: str | None = None,
                             db: AsyncSession = Depends(session)) -> list[schemas.ConsultationBrief]:
    rows = (await db.execute(select(Consultation).where(Consultation.status == "open")
                             .order_by(Consultation.id.desc()))).scalars()
    return [participation.brief(c, lang) for c in rows]


async def _open_consultation(db: AsyncSession, slug: str) -> Consultation:
    """Enrolment, consent and profile answers only while a consultation is open: a forged button or an old
    deep link must not add participants to a closed one and change its figures after the close."""
    consultation = await _consultation(db, slug)
    if not participation.is_open(consultation):
        raise conflict("not_open", f"consultation {slug!r} is not open ({consultation.status})")
    return consultation


_ADD_SOURCE = (update(Enrolment).where(Enrolment.id == bindparam("enrolment"), Enrolment.source.is_(None))
               .values(source=bindparam("new_source")).execution_options(synchronize_session=False))
_CONSENT = (update(Enrolment).where(Enrolment.id == bindparam("enrolment"), Enrolment.consented_at.is_(None))
            .values(consented_at=bindparam("now")).returning(Enrolment.consented_at)
            .execution_options(synchronize_session=False))
_MOVE = (update(Participant).where(Participant.id == bindparam("participant"))
         .values(current_consultation_id=bindparam("consultation")).execution_options(synchronize_session=False))


async def _enrolment(db: AsyncSession, participant_id: str, consultation: Consultation,
                     source: str | None) -> Enrolment:
    """The participant's enrolment, created when missing, and the participant moved to the consultation; not
    committed. Race-free without a rollback: the INSERT skips a row that a concurrent request wrote first (it
    waits for that one to commit), and the UPDATEs hold no ORM object that a failed flush would expire."""
    enrolment = await participation.enrolment_of(db, participant_id, consultation.id)
    if enrolment is None:
        await insert_new_row(db, Enrolment(participant_id=participant_id, consultation_id=consultation.id,
                                           source=source))
        enrolment = await participation.enrolment_of(db, participant_id, consultation.id)  # ours or theirs
    elif source and not enrolment.source:
        await db.execute(_ADD_SOURCE, {"enrolment": enrolment.id, "new_source": source})
        await db.refresh(enrolment, ["source"])
    await db.execute(_MOVE, {"participant": participant_id, "consultation": consultation.id})
    return enrolment


def _enrolment_out(consultation: Consultation, enrolment: Enrolment,
                   consented_now: bool = False) -> schemas.EnrolmentOut:
    return schemas.EnrolmentOut(slug=consultation.slug, consented=enrolment.consented_at is not None,
                                completed=enrolment.completed_at is not None, source=enrolment.source,
                                consented_now=consented_now)


@router.post("/{participant_id}/enrol", response_model=schemas.EnrolmentOut, responses=errors(400, 404, 409),
             summary="Open a consultation for the participant (deep link), recording the outreach source")
async def enrol(participant_id: str, body: schemas.EnrolIn, db: AsyncSession = Depends(session)) -> schemas.EnrolmentOut:
    participant = await participation.require_participant(db, participant_id)
    consultation = await _open_consultation(db, body.slug)
    enrolment = await _enrolment(db, participant.id, consultation, body.source)
    await db.commit()
    set_committed_value(participant, "current_consultation_id", consultation.id)  # as written by _enrolment
    return _enrolment_out(consultation, enrolment)


NEXT = Query(default=None, min_length=1, max_length=64, alias="next",
             description="A consultation's slug: include the participant's next screen there in the response.")
LANG = Query(default=None, max_length=16, description="The language of the included next screen.")


async def _with_next(db: AsyncSession, out, participant_id: str, slug: str | None, lang: str | None):  # noqa: ANN001, ANN202
    """The response, with the participant's next screen when the front end asked for it (``?next=slug``),
    once the write and the screen (a pair served is written too) are committed, in one transaction.
    The participant is read only when the front end did not say which language to show."""
    if slug is not None:
        if lang is None:
            lang = (await participation.require_participant(db, participant_id)).language
        out.next = await participation.next_screen(db, participant_id, await _consultation(db, slug), lang)
    await db.commit()
    return out


@router.post("/{participant_id}/consent", response_model=schemas.EnrolmentOut, responses=errors(400, 404, 409))
async def consent(participant_id: str, body: schemas.EnrolIn, then: str | None = NEXT, lang: str | None = LANG,
                  db: AsyncSession = Depends(session)) -> schemas.EnrolmentOut:
    participant = await participation.require_participant(db, participant_id)
    lang = lang or participant.language
    consultation = await _open_consultation(db, body.slug)
    enrolment = await _enrolment(db, participant.id, consultation, body.source)
    # Only the request that finds no consent gives it: a second press (or a concurrent one) says so.
    given = (await db.execute(_CONSENT, {"enrolment": enrolment.id, "now": utcnow()})).first()
    if given is not None:
        set_committed_value(enrolment, "consented_at", given.consented_at)
    elif enrolment.consented_at is None:  # given by a concurrent request since we read the row
        await db.refresh(enrolment, ["consented_at"])
    await db.commit()
    set_committed_value(participant, "current_consultation_id", consultation.id)
    out = _enrolment_out(consultation, enrolment, consented_now=given is not None)
    return await _with_next(db, out, participant_id, then, lang)


@router.get("/{participant_id}/next", response_model=schemas.NextOut, responses=errors(404, 409),
            summary="What the participant should see next in a consultation")
async def next_item(participant_id: str, slug: str = Query(min_length=1, max_length=64), lang: str | None = None,
                    db: AsyncSession = Depends(session)) -> schemas.NextOut:
    participant = await participation.require_participant(db, participant_id)
    screen = await participation.next_screen(db, participant_id, await _consultation(db, slug),
                                             lang or participant.language)
    await db.commit()  # a pair it served
    return screen


@router.post("/{participant_id}/answers", response_model=schemas.AnswerOut, responses=errors(400, 404, 409),
             summary="Answer a question item (idempotent: the same answer twice is stored once)")
async def answer(participant_id: str, body: schemas.AnswerIn, then: str | None = NEXT, lang: str | None = LANG,
                 db: AsyncSession = Depends(session)) -> schemas.AnswerOut:
    out = await participation.record_answer(db, participant_id, body)  # an unknown participant: 404 there
    return await _with_next(db, out, participant_id, then, lang)


@router.post("/{participant_id}/votes", response_model=schemas.VoteOut, responses=errors(400, 404, 409),
             summary="Agree / disagree / neutral on a proposal (idempotent)")
async def vote(participant_id: str, body: schemas.VoteIn, then: str | None = NEXT, lang: str | None = LANG,
               db: AsyncSession = Depends(session)) -> schemas.VoteOut:
    out = await participation.record_vote(db, participant_id, body)  # an unknown participant: 404 there
    if out.created and out.asks_qualification and body.qualification is None:
        # The "why?" comes first; serving the next statement now would count an exposure never shown.
        return await _with_next(db, out, participant_id, None, lang)
    return await _with_next(db, out, participant_id, then, lang)


@router.post("/{participant_id}/pairs/{token}", response_model=schemas.PairAnswerOut, responses=errors(400, 404, 409),
             summary="Answer a served pair; its token counts once")
async def pair(participant_id: str, token: str, body: schemas.PairAnswerIn, then: str | None = NEXT,
               lang: str | None = LANG, db: AsyncSession = Depends(session)) -> schemas.PairAnswerOut:
    out = await participation.record_pair(db, participant_id, token, body)  # an unknown participant: 404 there
    return await _with_next(db, out, participant_id, then, lang)


@router.post("/{participant_id}/profile", status_code=204, responses=errors(400, 404, 409),
             summary="Answer (or skip, with value null) one optional profile question")
async def profile(participant_id: str, body: schemas.ProfileIn, db: AsyncSession = Depends(session)) -> None:
    participant = await participation.require_participant(db, participant_id)
    await participation.record_profile(db, participant, await _open_consultation(db, body.slug), body)


@router.post("/{participant_id}/awaiting", status_code=204, responses=errors(400, 404, 409),
             summary="Say what the participant's next typed message is for (a proposal, a place comment)")
async def awaiting(participant_id: str, body: schemas.AwaitIn, db: AsyncSession = Depends(session)) -> None:
    await participation.require_participant(db, participant_id)
    await participation.set_awaiting(db, participant_id, await _open_consultation(db, body.slug), body.awaiting)


@router.post("/{participant_id}/proposals", response_model=schemas.SubmittedProposalOut, status_code=201,
              responses=errors(400, 404, 409),
             summary="Submit a citizen proposal (12–280 characters); it waits for moderation")
async def propose(participant_id: str, body: schemas.ProposalIn,
                  db: AsyncSession = Depends(session)) -> schemas.SubmittedProposalOut:
    await participation.require_participant(db, participant_id)
    return await participation.submit_proposal(db, participant_id, body)


@router.post("/{participant_id}/answers/{item_id}/comment", response_model=schemas.AnswerOut,
              responses=errors(400, 404, 409),
             summary="Add a short comment to a place answer")
async def comment(participant_id: str, body: schemas.CommentIn,
                  item_id: int = Path(ge=1, le=2_147_483_647),
                  db: AsyncSession = Depends(session)) -> schemas.AnswerOut:
    await participation.require_participant(db, participant_id)
    return await participation.comment_place(db, participant_id, item_id, body.text)
