"""Creating broadcasts: who receives a round, with one delivery each; the automatic triggers.

Recipients of a digest are the consultation's consented participants who have a Telegram contact, have not
sent /stop, have digests on, and were not found unreachable (blocked the bot). Recipients of an invitation
are people who took part in an earlier consultation, under the same conditions (digests off does not
silence invitations; /stop does).

No digest is queued for a consultation whose figures are about fewer participants than its
``min_segment_size`` (:mod:`api.disclosure`): :func:`create_digest` raises :class:`BelowThreshold`, which the
organiser's route answers with 409 ``below_threshold`` and the automatic triggers record as an empty round.

A round is never queued twice for anyone: deliveries have a unique (participant, consultation, kind, round),
rows are inserted with ON CONFLICT DO NOTHING, and a second broadcast of the same round only lists the
people the earlier ones did not (late participants, someone who turned digests back on).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.broadcast.content import digest_content, personal_figures
from api.disclosure import BelowThreshold
from storage.models import Consultation, Contact, Enrolment, Participant, utcnow
from storage.models_broadcast import Broadcast, Delivery, MessagingPref
from storage.rows import insert_ignoring_duplicates

CHANNEL = "telegram"
JURY_CALL = "jury_call"
FINAL = "final"
LAUNCH = "launch"


def default_round(consultation: Consultation, now: datetime | None = None) -> str:
    """ "final" once closed; before that one update per day unless the organiser names the round."""
    if consultation.status == "closed" or _past(consultation.closes_at, now):
        return FINAL
    return f"update-{(now or utcnow()).strftime('%Y%m%d')}"


def _past(moment: datetime | None, now: datetime | None = None) -> bool:
    if moment is None:
        return False
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment <= (now or utcnow())


def _reachable(kind: str):
    """No preference row, or one that lets this kind of message through."""
    pref = MessagingPref
    allowed = and_(pref.stopped.is_(False), pref.unreachable_at.is_(None))
    if kind == "digest":
        allowed = and_(allowed, pref.digests.is_(True))
    return or_(
        ~exists().where(pref.participant_id == Participant.id),
        exists().where(pref.participant_id == Participant.id, allowed),
    )


def _not_queued(consultation_id: int, kind: str, round_: str):
    return ~exists().where(
        Delivery.participant_id == Participant.id,
        Delivery.consultation_id == consultation_id,
        Delivery.kind == kind,
        Delivery.round == round_,
    )


async def digest_recipients(session: AsyncSession, consultation: Consultation, round_: str) -> list[str]:
    query = (
        select(Participant.id)
        .join(Enrolment, and_(Enrolment.participant_id == Participant.id, Enrolment.consultation_id == consultation.id))
        .join(Contact, and_(Contact.participant_id == Participant.id, Contact.channel == CHANNEL))
        .where(
            Enrolment.consented_at.is_not(None), _reachable("digest"), _not_queued(consultation.id, "digest", round_)
        )
        .order_by(Enrolment.id)
    )
    return list((await session.execute(query)).scalars())


async def invitation_recipients(session: AsyncSession, consultation: Consultation, round_: str) -> list[str]:
    took_part = exists().where(
        Enrolment.participant_id == Participant.id,
        Enrolment.consented_at.is_not(None),
        Enrolment.consultation_id != consultation.id,
    )
    already_in = exists().where(
        Enrolment.participant_id == Participant.id, Enrolment.consultation_id == consultation.id
    )
    query = (
        select(Participant.id)
        .join(Contact, and_(Contact.participant_id == Participant.id, Contact.channel == CHANNEL))
        .where(took_part, ~already_in, _reachable("invitation"), _not_queued(consultation.id, "invitation", round_))
        .order_by(Participant.created_at, Participant.id)
    )
    return list((await session.execute(query)).scalars())


async def latest(session: AsyncSession, consultation_id: int, kind: str, round_: str) -> Broadcast | None:
    return (
        await session.execute(
            select(Broadcast)
            .where(Broadcast.consultation_id == consultation_id, Broadcast.kind == kind, Broadcast.round == round_)
            .order_by(Broadcast.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def create_digest(
    session: AsyncSession,
    consultation: Consultation,
    *,
    round_: str | None = None,
    organiser_chat_id: int | None = None,
    organiser_language: str | None = None,
) -> tuple[Broadcast | None, bool]:
    """Queue a digest round; (broadcast, True) when it lists someone new, else (the round's latest, False).
    :class:`BelowThreshold` when the consultation has too few participants for any result to go out."""
    round_ = round_ or default_round(consultation)
    await disclosure.check_release(session, consultation)
    recipients = await digest_recipients(session, consultation, round_)
    if not recipients:
        return await latest(session, consultation.id, "digest", round_), False
    content = await digest_content(session, consultation)
    content["round"] = round_
    personal = await personal_figures(session, consultation, content, recipients)
    return await _create(
        session, consultation, "digest", round_, content, recipients, personal, organiser_chat_id, organiser_language
    )


async def create_invitations(
    session: AsyncSession,
    consultation: Consultation,
    *,
    round_: str = LAUNCH,
    organiser_chat_id: int | None = None,
    organiser_language: str | None = None,
) -> tuple[Broadcast | None, bool]:
    recipients = await invitation_recipients(session, consultation, round_)
    if not recipients:
        return await latest(session, consultation.id, "invitation", round_), False
    content = {
        "slug": consultation.slug,
        "title": dict(consultation.title),
        "intro": dict(consultation.intro),
        "default_language": consultation.default_language,
        "round": round_,
    }
    return await _create(
        session, consultation, "invitation", round_, content, recipients, {}, organiser_chat_id, organiser_language
    )


async def create_jury_calls(
    session: AsyncSession,
    consultation: Consultation,
    *,
    round_: str,
    content: dict[str, Any],
    recipients: list[str],
    organiser_chat_id: int | None = None,
    organiser_language: str | None = None,
) -> tuple[Broadcast | None, bool]:
    """Call the volunteers a jury's draw chose (``api/jury/panel.py``): one round per draw, to exactly these
    participants (their /stop still holds: the call is skipped, and the seat refilled at the deadline)."""
    content = {**content, "round": round_}
    return await _create(
        session, consultation, JURY_CALL, round_, content, recipients, {}, organiser_chat_id, organiser_language
    )


async def _create(
    session: AsyncSession,
    consultation: Consultation,
    kind: str,
    round_: str,
    content: dict[str, Any],
    recipients: list[str],
    personal: dict[str, dict[str, Any]],
    organiser_chat_id: int | None,
    organiser_language: str | None,
) -> tuple[Broadcast | None, bool]:
    broadcast = Broadcast(
        consultation_id=consultation.id,
        kind=kind,
        round=round_,
        content=content,
        organiser_chat_id=organiser_chat_id,
        organiser_language=organiser_language,
    )
    session.add(broadcast)
    await session.flush()
    rows = [
        {
            "broadcast_id": broadcast.id,
            "participant_id": pid,
            "consultation_id": consultation.id,
            "kind": kind,
            "round": round_,
            "state": "pending",
            "attempts": 0,
            "personal": personal.get(pid, {}),
        }
        for pid in recipients
    ]
    statement = insert_ignoring_duplicates(session, Delivery.__table__)
    for start in range(0, len(rows), 2000):
        await session.execute(statement, rows[start : start + 2000])
    broadcast.total = int(
        await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast.id))
        or 0
    )
    if broadcast.total == 0:
        # A concurrent request queued every one of them first.
        await session.rollback()
        return await latest(session, consultation.id, kind, round_), False
    await session.commit()
    return broadcast, True


# ---- triggers -----------------------------------------------------------------------------------------


async def on_status_changed(session: AsyncSession, consultation: Consultation) -> Broadcast | None:
    """Called after an organiser changes a consultation's status: closing it queues the final digest."""
    if consultation.status != "closed" or not digests_on_close(consultation):
        return None
    try:
        broadcast, created = await create_digest(session, consultation, round_=FINAL)
    except BelowThreshold:
        return None
    return broadcast if created else None


def digests_on_close(consultation: Consultation) -> bool:
    return bool(((consultation.definition or {}).get("digests") or {}).get("on_close", True))


def interim_times(consultation: Consultation) -> list[datetime]:
    """The definition file's ``digests.interim`` moments, in order (aware, UTC when no offset was given)."""
    moments = []
    for value in ((consultation.definition or {}).get("digests") or {}).get("interim") or []:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
        moments.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return sorted(moments)


async def due_rounds(session: AsyncSession, now: datetime | None = None) -> list[Broadcast]:
    """Rounds whose time has come: interim digests of the definition's schedule, and the final digest of a
    consultation whose closing time passed while its status still says open. Idempotent; call it often."""
    now = now or utcnow()
    created = []
    consultations = (
        (await session.execute(select(Consultation).where(Consultation.status.in_(("open", "paused", "closed")))))
        .scalars()
        .all()
    )
    for consultation in consultations:
        final_done = await latest(session, consultation.id, "digest", FINAL) is not None
        closed = consultation.status == "closed" or _past(consultation.closes_at, now)
        if closed:
            # A closed status got its final digest from on_status_changed; a passed closing time gets it here.
            if consultation.status != "closed" and not final_done and digests_on_close(consultation):
                try:
                    broadcast, new = await create_digest(session, consultation, round_=FINAL)
                except BelowThreshold:
                    # Too few took part for any result: the round happened, with nothing to send.
                    broadcast, new = await _empty_round(session, consultation, FINAL), False
                created += [broadcast] if new else []
            continue
        for number, moment in enumerate(interim_times(consultation), start=1):
            round_ = f"interim-{number}"
            if moment <= now and await latest(session, consultation.id, "digest", round_) is None:
                try:
                    broadcast, new = await create_digest(session, consultation, round_=round_)
                except BelowThreshold:
                    broadcast, new = None, False
                if not new and broadcast is None:
                    # Nobody to tell yet; remember that the round happened, so that it is not retried forever.
                    broadcast = await _empty_round(session, consultation, round_)
                created += [broadcast] if new else []
    return created


async def _empty_round(session: AsyncSession, consultation: Consultation, round_: str) -> Broadcast:
    broadcast = Broadcast(
        consultation_id=consultation.id,
        kind="digest",
        round=round_,
        status="finished",
        content={"round": round_},
        finished_at=utcnow(),
    )
    session.add(broadcast)
    await session.commit()
    return broadcast


# ---- participants' preferences ------------------------------------------------------------------------


async def preference(session: AsyncSession, participant_id: str) -> MessagingPref:
    """The participant's row, or an unsaved one with the defaults."""
    return await session.get(MessagingPref, participant_id) or MessagingPref(participant_id=participant_id)


async def set_preference(
    session: AsyncSession, participant_id: str, *, digests: bool | None = None, stopped: bool | None = None
) -> MessagingPref:
    pref = await preference(session, participant_id)
    if digests is not None:
        pref.digests = digests
    if stopped is not None:
        pref.stopped = stopped
    # Whoever changes a preference is talking to the bot: they can receive messages again.
    pref.unreachable_at = None
    pref.updated_at = utcnow()
    session.add(pref)
    await session.commit()
    return pref


async def mark_reachable(session: AsyncSession, channel: str, external_id: str) -> bool:
    """The participant wrote to the bot: a block they once put on it is lifted. True if one was recorded."""
    participant_id = (
        await session.execute(
            select(Contact.participant_id).where(Contact.channel == channel, Contact.external_id == external_id)
        )
    ).scalar_one_or_none()
    if participant_id is None:
        return False
    pref = await session.get(MessagingPref, participant_id)
    if pref is None or pref.unreachable_at is None:
        return False
    pref.unreachable_at = None
    pref.updated_at = utcnow()
    await session.commit()
    return True
