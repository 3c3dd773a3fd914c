"""Privacy rights: what we store about a participant (export), forgetting them, and retention.

What ``forget`` does, and why (docs/privacy.md says the same for participants):

* the ``contact`` row (channel + Telegram id) is deleted: nothing links the person to viche any more;
* their votes, answers to questions, pair answers and enrolments move to a fresh random participant id
  that is written nowhere else, and the old participant row is deleted. So the anonymous contributions
  still count in published aggregates, but no identifier that ever left the system (partner pseudonyms,
  logs, an earlier export) leads to them any more. Nor does anything else of the rows: answers and votes
  are written anew (export cursors carry row ids), pairs get new tokens, and kept times are rounded down
  to the day, so an earlier export row or /mydata file shares no id, cursor, token or exact time with them;
* free-text answers are deleted, place comments removed and place points rounded to about 100 m (they may
  be personal in themselves);
  the proposals they wrote stay, as statements others voted on, without an author;
* any other table that references the participant follows its own ``ON DELETE`` rule when the old row goes.

Retention (``VICHE_RETENTION_DAYS``) deletes the ``contact`` row of everyone whose consultations all
closed at least that many days ago (or, if they never joined one, who first wrote that long ago).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from api import eligibility
from api.content import localized
from api.jury.store import erase_ended_juries_contacts, forget_volunteer, keeps_contact, pool_rows_of
from storage.models import (
    Answer,
    Consultation,
    Contact,
    Enrolment,
    Item,
    Option,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    utcnow,
)
from storage.models_webhook import ConsultationClosure, ProcessedUpdate
from storage.sqlite import wipe_deleted

EXPORT_FORMAT = "viche-export/1"
# Tables whose rows are exported in readable form below; every other table referencing the participant
# is exported as raw rows, so whatever another feature stores about a person is never left out.
_READABLE = {
    "participant",
    "contact",
    "enrolment",
    "answer",
    "proposalvote",
    "pairprompt",
    "proposal",
    "jury_volunteer",
    "budget_pass",
}


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in fields}


def _participant_columns() -> list[tuple[Any, Any]]:
    """(table, column) for every column anywhere that references participant.id."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "participant" and fk.column.name == "id" for fk in column.foreign_keys):
                found.append((table, column))
    return found


async def export(session: AsyncSession, participant: Participant) -> dict[str, Any]:
    """Everything stored about one participant, readable, as one JSON-ready document."""
    pid = participant.id
    language = participant.language
    contacts = (await session.execute(select(Contact).where(Contact.participant_id == pid))).scalars().all()
    enrolments = (
        (await session.execute(select(Enrolment).where(Enrolment.participant_id == pid).order_by(Enrolment.id)))
        .scalars()
        .all()
    )
    answers = (
        (await session.execute(select(Answer).where(Answer.participant_id == pid).order_by(Answer.id))).scalars().all()
    )
    votes = (
        (
            await session.execute(
                select(ProposalVote).where(ProposalVote.participant_id == pid).order_by(ProposalVote.id)
            )
        )
        .scalars()
        .all()
    )
    pairs = (
        (
            await session.execute(
                select(PairPrompt).where(PairPrompt.participant_id == pid).order_by(PairPrompt.served_at)
            )
        )
        .scalars()
        .all()
    )
    authored = (
        (await session.execute(select(Proposal).where(Proposal.author_id == pid).order_by(Proposal.id))).scalars().all()
    )

    item_ids = (
        {a.item_id for a in answers}
        | {v.item_id for v in votes}
        | {p.item_id for p in pairs}
        | {p.item_id for p in authored}
    )
    items = (
        {i.id: i for i in (await session.execute(select(Item).where(Item.id.in_(item_ids)))).scalars()}
        if item_ids
        else {}
    )
    consultation_ids = {i.consultation_id for i in items.values()} | {e.consultation_id for e in enrolments}
    consultations = (
        {
            c.id: c
            for c in (
                await session.execute(select(Consultation).where(Consultation.id.in_(consultation_ids)))
            ).scalars()
        }
        if consultation_ids
        else {}
    )
    proposal_ids = {v.proposal_id for v in votes} | {p.left_id for p in pairs} | {p.right_id for p in pairs}
    proposals = (
        {p.id: p for p in (await session.execute(select(Proposal).where(Proposal.id.in_(proposal_ids)))).scalars()}
        if proposal_ids
        else {}
    )
    option_ids = {a.option_id for a in answers if a.option_id} | {
        i for a in answers if isinstance(a.value, list) for i in a.value if isinstance(i, int)
    }
    options = (
        {o.id: o for o in (await session.execute(select(Option).where(Option.id.in_(option_ids)))).scalars()}
        if option_ids
        else {}
    )

    def text(texts: dict[str, str] | None, consultation_id: int | None) -> str:
        default = consultations[consultation_id].default_language if consultation_id in consultations else "en"
        return localized(texts, language, default)

    def proposal_text(proposal_id: int) -> str:
        proposal = proposals.get(proposal_id)
        if proposal is None:
            return ""
        item = items.get(proposal.item_id)
        return text(proposal.text, item.consultation_id if item else None)

    per_consultation: dict[int, dict[str, Any]] = {}

    def section(consultation_id: int) -> dict[str, Any]:
        if consultation_id not in per_consultation:
            consultation = consultations.get(consultation_id)
            per_consultation[consultation_id] = {
                "slug": consultation.slug if consultation else None,
                "title": text(consultation.title, consultation_id) if consultation else "",
                "enrolment": None,
                "answers": [],
                "votes": [],
                "pairs": [],
                "proposals": [],
            }
        return per_consultation[consultation_id]

    for enrolment in enrolments:
        section(enrolment.consultation_id)["enrolment"] = _row(
            enrolment, "source", "consented_at", "completed_at", "profile_done", "awaiting", "created_at"
        )
    for answer in answers:
        item = items[answer.item_id]
        chosen = [answer.option_id] if answer.option_id else (answer.value if isinstance(answer.value, list) else [])
        entry = {
            "question": text(item.prompt, item.consultation_id),
            "item": item.key,
            "kind": item.kind,
            "value": answer.value,
            "created_at": _json(answer.created_at),
        }
        if chosen:
            entry["options"] = [text(options[i].label, item.consultation_id) for i in chosen if i in options]
        section(item.consultation_id)["answers"].append(entry)
    for vote in votes:
        item = items[vote.item_id]
        section(item.consultation_id)["votes"].append(
            {
                "proposal": proposal_text(vote.proposal_id),
                "choice": vote.choice,
                "qualification": vote.qualification,
                "created_at": _json(vote.created_at),
            }
        )
    for pair in pairs:
        item = items[pair.item_id]
        section(item.consultation_id)["pairs"].append(
            {
                "left": proposal_text(pair.left_id),
                "right": proposal_text(pair.right_id),
                "outcome": pair.outcome,
                "reason": pair.reason,
                "served_at": _json(pair.served_at),
                "answered_at": _json(pair.answered_at),
            }
        )
    for proposal in authored:
        item = items[proposal.item_id]
        section(item.consultation_id)["proposals"].append(
            {
                "text": proposal.text,
                "status": proposal.status,
                "reject_reason": proposal.reject_reason,
                "created_at": _json(proposal.created_at),
            }
        )

    other: dict[str, list[dict[str, Any]]] = {}
    for table, column in _participant_columns():
        if table.name in _READABLE:
            continue
        rows = (await session.execute(select(table).where(column == pid))).mappings().all()
        if rows:
            other.setdefault(table.name, []).extend({k: _json(v) for k, v in row.items()} for row in rows)

    return {
        "format": EXPORT_FORMAT,
        "exported_at": _json(utcnow()),
        "participant": _row(participant, "id", "language", "age_band", "country", "region", "created_at"),
        "contacts": [_row(c, "channel", "external_id", "created_at") for c in contacts],
        "consultations": list(per_consultation.values()),
        "jury_pools": await pool_rows_of(session, pid),
        "budget_checks": await eligibility.passes_of(session, pid),
        "other": other,
    }


FORGOTTEN_PRECISION = "day"
"""Kept timestamps of a forgotten participant's rows are rounded down to the day (UTC): an exact time seen in
an earlier export or /mydata file would otherwise single their rows out again."""
PLACE_DECIMALS = 3
"""A forgotten participant's places keep their point to 3 decimals of a degree (about 100 m)."""


def _day(moment: datetime | None) -> datetime | None:
    """``moment`` rounded down to midnight UTC, naive or aware as it came from the database."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _coarse_place(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    coarse = {**value, "comment": None}
    for axis in ("latitude", "longitude"):
        if isinstance(value.get(axis), (int, float)):
            coarse[axis] = round(float(value[axis]), PLACE_DECIMALS)
    return coarse


async def forget(session: AsyncSession, participant: Participant) -> dict[str, int]:
    """Delete the participant's identity and contact data; keep their anonymous contributions. Commits.

    The contributions are re-keyed, not just re-owned: whatever of a row ever left the system and could
    point at it again is replaced. Answers and votes are written anew (new row ids: partner export cursors
    carry them), pairs get new tokens, and every kept time is rounded down to the day (``_day``).
    """
    old = participant.id
    anonymous = Participant(
        language=participant.language,
        age_band=participant.age_band,
        country=participant.country,
        region=participant.region,
        created_at=_day(participant.created_at),
    )
    session.add(anonymous)
    await session.flush()
    new = anonymous.id
    kinds = dict(
        (
            await session.execute(
                select(Item.id, Item.kind).where(
                    Item.id.in_(select(Answer.item_id).where(Answer.participant_id == old))
                )
            )
        ).all()
    )
    answers = (
        (await session.execute(select(Answer).where(Answer.participant_id == old).order_by(Answer.id))).scalars().all()
    )
    votes = (
        (
            await session.execute(
                select(ProposalVote).where(ProposalVote.participant_id == old).order_by(ProposalVote.id)
            )
        )
        .scalars()
        .all()
    )
    pairs = (
        (
            await session.execute(
                select(PairPrompt)
                .where(PairPrompt.participant_id == old)
                .order_by(PairPrompt.served_at, PairPrompt.token)
            )
        )
        .scalars()
        .all()
    )
    fresh: list[Any] = []
    for answer in answers:
        kind = kinds.get(answer.item_id)
        if kind == "free_text":
            continue  # free text may be personal in itself: it goes
        value = _coarse_place(answer.value) if kind == "place" else answer.value
        fresh.append(
            Answer(
                participant_id=new,
                item_id=answer.item_id,
                option_id=answer.option_id,
                value=value,
                created_at=_day(answer.created_at),
            )
        )
    for vote in votes:
        fresh.append(
            ProposalVote(
                participant_id=new,
                item_id=vote.item_id,
                proposal_id=vote.proposal_id,
                choice=vote.choice,
                qualification=vote.qualification,
                created_at=_day(vote.created_at),
            )
        )
    for pair in pairs:
        fresh.append(
            PairPrompt(
                token=secrets.token_urlsafe(9),
                participant_id=new,
                item_id=pair.item_id,
                left_id=pair.left_id,
                right_id=pair.right_id,
                low_id=pair.low_id,
                high_id=pair.high_id,
                served_at=_day(pair.served_at),
                outcome=pair.outcome,
                reason=pair.reason,
                after_skip=pair.after_skip,
                answered_at=_day(pair.answered_at),
            )
        )
    # Written before the old rows go, so that no new id can be one of theirs (SQLite reuses the highest
    # rowid once it is deleted): the new rows come after every existing one in the export order.
    session.add_all(fresh)
    await session.flush()
    for model in (Answer, ProposalVote, PairPrompt):
        await session.execute(delete(model).where(model.participant_id == old))
    enrolments = (await session.execute(select(Enrolment).where(Enrolment.participant_id == old))).scalars().all()
    for enrolment in enrolments:
        enrolment.participant_id, enrolment.awaiting = new, None
        enrolment.created_at = _day(enrolment.created_at)
        enrolment.consented_at, enrolment.completed_at = _day(enrolment.consented_at), _day(enrolment.completed_at)
    await session.flush()
    await session.execute(update(Proposal).where(Proposal.author_id == old).values(author_id=None))
    contacts = await session.execute(delete(Contact).where(Contact.participant_id == old))
    pools = await forget_volunteer(session, old)
    passes = await eligibility.forget(session, old)  # budget checks passed, phone hashes with them
    await session.execute(delete(Participant).where(Participant.id == old))
    await session.commit()
    await wipe_deleted(session)  # SQLite: the deleted free text out of the WAL file too
    return {
        "contacts_deleted": contacts.rowcount or 0,
        "answers": sum(isinstance(row, Answer) for row in fresh),
        "votes": len(votes),
        "pairs": len(pairs),
        "enrolments": len(enrolments),
        "jury_pools": pools,
        "budget_passes": passes,
    }


def _closed(consultation: Consultation, now: datetime) -> datetime | None:
    """When the consultation stopped taking answers, if it has (None while open, paused or a draft)."""
    closes_at = _aware(consultation.closes_at)
    if closes_at is not None and closes_at <= now and consultation.status in ("open", "closed", "paused"):
        return closes_at
    if consultation.status == "closed":
        return now
    return None


async def record_closures(session: AsyncSession, now: datetime | None = None) -> int:
    """Note the closing time of consultations that closed since the last sweep. Returns how many."""
    now = now or utcnow()
    consultations = (await session.execute(select(Consultation))).scalars().all()
    known = {row.consultation_id: row for row in (await session.execute(select(ConsultationClosure))).scalars()}
    added = 0
    for consultation in consultations:
        closed_at = _closed(consultation, now)
        if closed_at is None and consultation.id in known:
            await session.delete(known[consultation.id])  # reopened (its closing time moved)
        elif closed_at is not None and consultation.id not in known:
            session.add(ConsultationClosure(consultation_id=consultation.id, closed_at=closed_at))
            added += 1
    await session.commit()
    return added


async def sweep_retention(session: AsyncSession, days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete contact data ``days`` after the participant's last consultation closed. Commits."""
    if days < 1:  # 0 or less would be /forget for everyone (settings and `viche retention` refuse it too)
        raise ValueError(f"a retention period is at least 1 day, not {days}")
    now = now or utcnow()
    await record_closures(session, now)
    cutoff = now - timedelta(days=days)
    enrolled = exists().where(Enrolment.participant_id == Contact.participant_id)
    still_kept = exists().where(
        Enrolment.participant_id == Contact.participant_id,
        ~exists().where(
            ConsultationClosure.consultation_id == Enrolment.consultation_id, ConsultationClosure.closed_at <= cutoff
        ),
    )
    never_joined_long_ago = and_(
        ~enrolled, exists().where(Participant.id == Contact.participant_id, Participant.created_at <= cutoff)
    )
    volunteering = keeps_contact(Contact.participant_id, cutoff)
    result = await session.execute(
        delete(Contact).where(or_(and_(enrolled, ~still_kept), never_joined_long_ago), ~volunteering)
    )
    # A jury's volunteers are kept to be contacted until the jury ends, then for the retention period.
    volunteers = await erase_ended_juries_contacts(session, cutoff)
    phones = await eligibility.sweep_phones(session, cutoff)
    await session.commit()
    return {"contacts_deleted": result.rowcount or 0, "jury_contacts_erased": volunteers, "phone_hashes_erased": phones}


async def prune_processed_updates(
    session: AsyncSession, older_than: timedelta = timedelta(days=7), now: datetime | None = None
) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < (now or utcnow()) - older_than)
    )
    await session.commit()
    return result.rowcount or 0
