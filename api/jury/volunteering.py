"""Volunteering in the chat: at the end of a consultation whose definition has a ``jury`` section, a participant
reads what the jury is (dates, place, compensation), answers its categories one by one (each explained; "rather
not say" only where the organiser allows it), and confirms they may be contacted. Until then their row is a draft
(``contact_consent`` false) that no draw reads. They can withdraw at any time, and volunteer again.

The answers so far live in the row, so any front end can resume where the participant stopped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.content import localized
from api.errors import ApiError, conflict, not_found
from api.jury.store import jury_of
from core.definition.jury import UNDISCLOSED, JuryDef
from storage.models import Consultation, Enrolment, utcnow
from storage.models_jury import HOLDING_SEAT, Jury, JuryMember, JuryVolunteer


def jury_definition(consultation: Consultation) -> JuryDef | None:
    """The consultation's jury as its definition describes it (checked when the definition was stored)."""
    raw = (consultation.definition or {}).get("jury")
    if not raw:
        return None
    try:
        return JuryDef.model_validate(raw)
    except ValidationError:  # a definition stored before a rule was added: no jury rather than a 500
        return None


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def ended(jury: Jury, now: datetime | None = None) -> bool:
    return jury.ends_at is not None and aware(jury.ends_at) <= (now or utcnow())  # type: ignore[operator]


async def ensure_jury(session: AsyncSession, consultation: Consultation, definition: JuryDef) -> Jury:
    """The consultation's jury row, made on first use; its end is the definition's unless an organiser ended
    it earlier (retention counts from there)."""
    jury = await jury_of(session, consultation, create=True)
    assert jury is not None
    if jury.ends_at is None:
        jury.ends_at = definition.ends_at
        await session.flush()
    return jury


async def _volunteer(session: AsyncSession, jury: Jury, participant_id: str) -> JuryVolunteer | None:
    return (
        await session.execute(
            select(JuryVolunteer).where(
                col(JuryVolunteer.jury_id) == jury.id, col(JuryVolunteer.participant_id) == participant_id
            )
        )
    ).scalar_one_or_none()


async def _member(session: AsyncSession, volunteer: JuryVolunteer | None) -> JuryMember | None:
    if volunteer is None:
        return None
    return (
        await session.execute(select(JuryMember).where(col(JuryMember.volunteer_id) == volunteer.id))
    ).scalar_one_or_none()


async def _context(
    session: AsyncSession, consultation: Consultation, participant_id: str
) -> tuple[JuryDef, Jury, JuryVolunteer | None]:
    definition = jury_definition(consultation)
    if definition is None:
        raise not_found(f"a jury of {consultation.slug!r}")
    consented = await session.scalar(
        select(col(Enrolment.consented_at)).where(
            col(Enrolment.participant_id) == participant_id, col(Enrolment.consultation_id) == consultation.id
        )
    )
    if consented is None:
        raise conflict("no_consent", "the participant has not taken part in this consultation")
    jury = await ensure_jury(session, consultation, definition)
    return definition, jury, await _volunteer(session, jury, participant_id)


def _status(jury: Jury, definition: JuryDef, volunteer: JuryVolunteer | None) -> str:
    if volunteer is None:
        return "ended" if ended(jury) else "offer"
    if volunteer.withdrawn_at is not None:
        return "withdrawn"
    if volunteer.contact_consent:
        return "volunteered"
    if ended(jury):
        return "ended"
    answered = volunteer.categories or {}
    return "question" if any(c.key not in answered for c in definition.categories) else "confirm"


async def screen(
    session: AsyncSession, consultation: Consultation, participant_id: str, language: str | None
) -> dict[str, Any]:
    """What the participant sees of the jury now, in ``language``: the offer, the next question, the
    confirmation, or that they volunteered (and, once drawn, their seat)."""
    definition, jury, volunteer = await _context(session, consultation, participant_id)
    return await _screen(session, consultation, definition, jury, volunteer, language)


async def _screen(
    session: AsyncSession,
    consultation: Consultation,
    definition: JuryDef,
    jury: Jury,
    volunteer: JuryVolunteer | None,
    language: str | None,
) -> dict[str, Any]:
    default = consultation.default_language

    def text(texts: dict[str, str]) -> str:
        return localized(texts, language, default)

    status = _status(jury, definition, volunteer)
    answered = dict(volunteer.categories or {}) if volunteer else {}
    out: dict[str, Any] = {
        "slug": consultation.slug,
        "title": text(consultation.title),
        "status": status,
        "time_zone": (consultation.definition or {}).get("time_zone"),
        "dates": text(definition.dates),
        "place": text(definition.place),
        "compensation": text(definition.compensation),
        "questions": len(definition.categories),
        "answered": sum(1 for c in definition.categories if c.key in answered),
        "question": None,
        "answers": [],
        "seat": None,
    }
    if status == "question":
        index, category = next((i, c) for i, c in enumerate(definition.categories) if c.key not in answered)
        out["question"] = {
            "index": index,
            "key": category.key,
            "text": text(category.question),
            "explanation": text(category.explanation),
            "options": [text(option.label) for option in category.options],
            "optional": category.optional,
        }
    if status in ("confirm", "volunteered"):
        for category in definition.categories:
            value = str(answered.get(category.key))
            labels = {option.key: text(option.label) for option in category.options}
            out["answers"].append({"question": text(category.question), "answer": labels.get(value)})
    member = await _member(session, volunteer)
    if member is not None:
        out["seat"] = {
            "state": member.state,
            "deadline": deadline.isoformat() if (deadline := aware(member.deadline)) else None,
        }
    return out


async def begin(
    session: AsyncSession, consultation: Consultation, participant_id: str, language: str | None
) -> dict[str, Any]:
    """Start volunteering (or again, after a withdrawal): a draft row with no answers. Commits."""
    definition, jury, volunteer = await _context(session, consultation, participant_id)
    if ended(jury):
        raise conflict("jury_ended", "this jury's work has ended")
    if volunteer is None:
        assert jury.id is not None
        volunteer = JuryVolunteer(jury_id=jury.id, participant_id=participant_id, categories={})
        session.add(volunteer)
    elif volunteer.withdrawn_at is not None:
        if await _member(session, volunteer) is not None:
            raise conflict("already_drawn", "a volunteer drawn once is not drawn again for this jury")
        volunteer.withdrawn_at, volunteer.contact_consent, volunteer.categories = None, False, {}
    await session.commit()
    return await _screen(session, consultation, definition, jury, volunteer, language)


async def answer(
    session: AsyncSession,
    consultation: Consultation,
    participant_id: str,
    category: int,
    option: int | None,
    language: str | None,
) -> dict[str, Any]:
    """One category's answer (``option`` None: "rather not say", where allowed). Answers are fixed once the
    participant confirmed: a draw may have read them. Commits."""
    definition, jury, volunteer = await _context(session, consultation, participant_id)
    if volunteer is None or volunteer.withdrawn_at is not None:
        raise conflict("not_volunteering", "start volunteering first")
    if volunteer.contact_consent:
        raise conflict("already_answered", "the answers of a confirmed volunteer are fixed")
    if not 0 <= category < len(definition.categories):
        raise ApiError(422, "no_such_category", f"the jury has {len(definition.categories)} categories")
    asked = definition.categories[category]
    if option is None and not asked.optional:
        raise ApiError(422, "answer_required", f"{asked.key!r} must be answered")
    if option is not None and not 0 <= option < len(asked.options):
        raise ApiError(422, "no_such_option", f"{asked.key!r} has {len(asked.options)} options")
    answers = dict(volunteer.categories or {})
    answers[asked.key] = UNDISCLOSED if option is None else asked.options[option].key
    volunteer.categories = answers
    await session.commit()
    return await _screen(session, consultation, definition, jury, volunteer, language)


async def confirm(
    session: AsyncSession, consultation: Consultation, participant_id: str, language: str | None
) -> dict[str, Any]:
    """The participant may be contacted: from now on draws read them. Commits."""
    definition, jury, volunteer = await _context(session, consultation, participant_id)
    if volunteer is None or _status(jury, definition, volunteer) not in ("confirm", "volunteered"):
        raise conflict("not_ready", "every question must be answered first")
    volunteer.contact_consent = True
    await session.commit()
    return await _screen(session, consultation, definition, jury, volunteer, language)


async def withdraw(
    session: AsyncSession, consultation: Consultation, participant_id: str, language: str | None
) -> dict[str, Any]:
    """The volunteer leaves the pool: no draw reads them, and a seat they held is drawn again (by the delivery
    engine's schedule). Commits."""
    definition, jury, volunteer = await _context(session, consultation, participant_id)
    if volunteer is not None and volunteer.withdrawn_at is None:
        volunteer.withdrawn_at, volunteer.contact_consent = utcnow(), False
        member = await _member(session, volunteer)
        if member is not None and member.state in HOLDING_SEAT:
            member.state, member.answered_at = "withdrawn", utcnow()
            await session.execute(update(Jury).where(col(Jury.id) == jury.id).values(refill_due=True))
        await session.commit()
    return await _screen(session, consultation, definition, jury, volunteer, language)


def offers_jury(consultation: Consultation) -> bool:
    """Does the consultation end with the invitation to volunteer (its definition has a jury)?"""
    return bool((consultation.definition or {}).get("jury"))
