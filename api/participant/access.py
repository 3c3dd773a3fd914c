"""Who may answer: the participant, their enrolment in a consultation, their consent, and whether it is open.

Enrolment, consent and profile answers only while a consultation is open: a forged button or an old deep link
must not add participants to a closed one and change its figures after the close.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from api import schemas
from api.content import localized
from api.content_cache import ContentCache
from api.errors import conflict, not_found
from storage.models import Consultation, Enrolment, Item, Participant, utcnow
from storage.rows import execute_core, insert_new_row


def is_open(consultation: Consultation) -> bool:
    """Open by status, and within its opening and closing times when the file sets them."""
    now = utcnow()
    if consultation.status != "open":
        return False
    if consultation.opens_at is not None and now < _aware(consultation.opens_at):
        return False
    return consultation.closes_at is None or now < _aware(consultation.closes_at)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def brief(consultation: Consultation, language: str | None) -> schemas.ConsultationBrief:
    return schemas.ConsultationBrief(
        slug=consultation.slug,
        title=localized(consultation.title, language, consultation.default_language),
        status=consultation.status,
        default_language=consultation.default_language,
        languages=consultation.languages,
        time_zone=consultation.time_zone or "UTC",
        closes_at=_aware(consultation.closes_at) if consultation.closes_at is not None else None,
    )


async def require_participant(session: AsyncSession, participant_id: str) -> Participant:
    participant = await session.get(Participant, participant_id)
    if participant is None:
        raise not_found("participant")
    return participant


async def participant_out(
    content: ContentCache, participant: Participant, created: bool = False
) -> schemas.ParticipantOut:
    current_id = participant.current_consultation_id
    current = await content.by_id(current_id) if current_id else None
    return schemas.ParticipantOut(
        id=participant.id,
        language=participant.language,
        created=created,
        current_consultation=current.slug if current else None,
    )


async def visible_consultation(content: ContentCache, slug: str) -> Consultation:
    """A consultation a participant may see (any but a draft), or 404."""
    consultation = await content.by_slug(slug)
    if consultation is None or consultation.status == "draft":
        raise not_found(f"consultation {slug!r}")
    return consultation


async def open_consultation(content: ContentCache, slug: str) -> Consultation:
    """A consultation that takes enrolments, consents and answers now (see the module docstring)."""
    consultation = await visible_consultation(content, slug)
    if not is_open(consultation):
        raise conflict("not_open", f"consultation {slug!r} is not open ({consultation.status})")
    return consultation


async def item_in_open_consultation(content: ContentCache, item_id: int) -> tuple[Item, Consultation]:
    item = await content.item(item_id)
    if item is None:
        raise not_found("item")
    consultation = await content.by_id(item.consultation_id)
    if not is_open(consultation):
        raise conflict("not_open", f"consultation {consultation.slug!r} is not open ({consultation.status})")
    return item, consultation


# ---- the enrolment: read once per request ------------------------------------------------------------------

# Built once: read on every request of a participant (building a statement costs about as much as running it).
_ENROLMENT = select(Enrolment).where(
    Enrolment.participant_id == bindparam("participant"), Enrolment.consultation_id == bindparam("consultation")
)


async def enrolment_of(session: AsyncSession, participant_id: str, consultation_id: int) -> Enrolment | None:
    # A write and the next screen in one request both need it: found once, then kept with the session
    # (the same instance its identity map holds, so changes made in the request are seen).
    key = ("enrolment", participant_id, consultation_id)
    known = session.info.get(key)
    if known is not None and known in session and not sa_inspect(known).expired_attributes:  # a rollback expires
        return known
    enrolment = (
        await session.execute(_ENROLMENT, {"participant": participant_id, "consultation": consultation_id})
    ).scalar_one_or_none()
    keep_enrolment(session, enrolment)
    return enrolment


def keep_enrolment(session: AsyncSession, enrolment: Enrolment | None) -> None:
    """For :func:`enrolment_of`, when a statement of the request read it along with something else."""
    if enrolment is not None:
        session.info[("enrolment", enrolment.participant_id, enrolment.consultation_id)] = enrolment


def with_enrolment(statement: Select[Any], item_id: Any) -> Select[Any]:
    """``statement`` with the participant's enrolment in the item's consultation (or None) as a last column:
    the write's own look-up also brings what the consent check and the next screen read (one round trip)."""
    return (
        statement.add_columns(Enrolment)
        .join(Item, Item.id == item_id)
        .outerjoin(
            Enrolment,
            (Enrolment.consultation_id == Item.consultation_id)
            & (Enrolment.participant_id == bindparam("participant")),
        )
    )


async def require_consent(session: AsyncSession, participant_id: str, consultation: Consultation) -> Enrolment:
    """The participant's consented enrolment. Also proves that the participant exists (an enrolment belongs to
    one), so the write routes need not read the participant first; only a refusal looks them up, to tell
    "unknown" (404) from "no consent" (409)."""
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        await require_participant(session, participant_id)
        raise conflict("no_consent", "the participant has not consented to this consultation")
    return enrolment


# ---- enrolling and consenting ---------------------------------------------------------------------------------

_ADD_SOURCE = (
    update(Enrolment)
    .where(Enrolment.id == bindparam("enrolment"), Enrolment.source.is_(None))
    .values(source=bindparam("new_source"))
    .execution_options(synchronize_session=False)
)
_CONSENT = (
    update(Enrolment)
    .where(Enrolment.id == bindparam("enrolment"), Enrolment.consented_at.is_(None))
    .values(consented_at=bindparam("now"))
    .returning(Enrolment.consented_at)
    .execution_options(synchronize_session=False)
)
_MOVE = (
    update(Participant)
    .where(Participant.id == bindparam("participant"))
    .values(current_consultation_id=bindparam("consultation"))
    .execution_options(synchronize_session=False)
)


async def enrol(
    db: AsyncSession, participant: Participant, consultation: Consultation, source: str | None
) -> Enrolment:
    """The participant's enrolment, created when missing, and the participant moved to the consultation; not
    committed. Race-free without a rollback: the INSERT skips a row that a concurrent request wrote first (it
    waits for that one to commit), and the UPDATEs hold no ORM object that a failed flush would expire."""
    enrolment = await enrolment_of(db, participant.id, consultation.id)
    if enrolment is None:
        await insert_new_row(
            db, Enrolment(participant_id=participant.id, consultation_id=consultation.id, source=source)
        )
        enrolment = await enrolment_of(db, participant.id, consultation.id)  # ours or theirs
        assert enrolment is not None
    elif source and not enrolment.source:
        await execute_core(db, _ADD_SOURCE, {"enrolment": enrolment.id, "new_source": source})
        await db.refresh(enrolment, ["source"])
    await execute_core(db, _MOVE, {"participant": participant.id, "consultation": consultation.id})
    return enrolment


def moved(participant: Participant, consultation: Consultation) -> None:
    """After :func:`enrol`'s commit: the participant object as :func:`enrol` wrote it, without a refresh."""
    set_committed_value(participant, "current_consultation_id", consultation.id)


async def give_consent(db: AsyncSession, enrolment: Enrolment) -> bool:
    """Consent, given by this request (True) or found given already (False); not committed.
    Only the request that finds no consent gives it: a second press (or a concurrent one) says so."""
    given = (await execute_core(db, _CONSENT, {"enrolment": enrolment.id, "now": utcnow()})).first()
    if given is not None:
        set_committed_value(enrolment, "consented_at", given.consented_at)
    elif enrolment.consented_at is None:  # given by a concurrent request since we read the row
        await db.refresh(enrolment, ["consented_at"])
    return given is not None


def enrolment_out(
    consultation: Consultation, enrolment: Enrolment, consented_now: bool = False
) -> schemas.EnrolmentOut:
    return schemas.EnrolmentOut(
        slug=consultation.slug,
        consented=enrolment.consented_at is not None,
        completed=enrolment.completed_at is not None,
        source=enrolment.source,
        consented_now=consented_now,
    )
