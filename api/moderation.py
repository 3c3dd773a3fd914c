"""Moderating citizen proposals: the queue, accepting into the pool, rejecting with a reason.

Each decision returns what a front end needs to tell the author, in the author's language: the
channel and external id from ``contact`` (None once the author used /forget or was deleted, and then
nobody is notified) and the language. A decision is taken once: the update only applies to a
proposal that is still pending, so two organisers pressing at the same moment cannot both decide,
and the author is never told twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import selection
from api.content import localized
from api.errors import conflict, not_found
from core.vocabulary import REJECT_REASONS
from storage.consultations import by_slug
from storage.models import Consultation, Contact, Item, Participant, Proposal, utcnow

RejectReason = Literal[REJECT_REASONS]


class PendingProposal(BaseModel):
    id: int
    status: str
    text: str = Field(description="As the author wrote it")
    language: str = Field(description="The language the author wrote it in")
    slug: str
    consultation_title: str
    item_key: str
    item_kind: str
    item_prompt: str
    created_at: datetime


class ModerationQueue(BaseModel):
    pending: int = Field(description="Proposals waiting in this scope (one consultation, or all)")
    proposal: PendingProposal | None = Field(description="The oldest waiting one; None when the queue is empty")


class AuthorNotice(BaseModel):
    """Whom to tell, and in which language. Absent when the author can no longer be reached."""

    channel: str
    external_id: str
    language: str
    consultation_title: str = Field(description="In the author's language")
    text: str


class RejectIn(BaseModel):
    reason: RejectReason


class Decision(BaseModel):
    proposal: PendingProposal
    status: Literal["accepted", "rejected"]
    reason: RejectReason | None = None
    notify: AuthorNotice | None


def _language_of(proposal: Proposal, default: str) -> str:
    return next(iter(proposal.text), default) if proposal.text else default


def _out(proposal: Proposal, item: Item, consultation: Consultation, reader: str | None = None) -> PendingProposal:
    """The proposal as its author wrote it; the consultation's title and the item's prompt in ``reader``'s
    language (the moderating organiser's) when the consultation has it."""
    language = _language_of(proposal, consultation.default_language)
    default = consultation.default_language
    return PendingProposal(
        id=proposal.id,
        status=proposal.status,
        text=localized(proposal.text, language, default),
        language=language,
        slug=consultation.slug,
        consultation_title=localized(consultation.title, reader, default),
        item_key=item.key,
        item_kind=item.kind,
        item_prompt=localized(item.prompt, reader, default),
        created_at=proposal.created_at,
    )


async def next_pending(
    session: AsyncSession, slug: str | None = None, after_id: int | None = None, reader: str | None = None
) -> ModerationQueue:
    """The oldest pending proposal (of one consultation, or of all); after ``after_id`` when skipping one."""
    query = (
        select(Proposal, Item, Consultation)
        .join(Item, Item.id == Proposal.item_id)
        .join(Consultation, Consultation.id == Item.consultation_id)
        .where(Proposal.status == "pending")
    )
    if slug is not None:
        consultation = await by_slug(session, slug)
        if consultation is None:
            raise not_found(f"consultation {slug!r}")
        query = query.where(Consultation.id == consultation.id)
    pending = await session.scalar(select(func.count()).select_from(query.subquery()))
    row = None
    if after_id is not None:
        row = (await session.execute(query.where(Proposal.id > after_id).order_by(Proposal.id).limit(1))).first()
    if row is None:  # from the start again (the skipped ones come back at the end)
        row = (await session.execute(query.order_by(Proposal.id).limit(1))).first()
    return ModerationQueue(pending=int(pending or 0), proposal=_out(*row, reader) if row else None)


async def _load(session: AsyncSession, proposal_id: int) -> tuple[Proposal, Item, Consultation]:
    row = (
        await session.execute(
            select(Proposal, Item, Consultation)
            .join(Item, Item.id == Proposal.item_id)
            .join(Consultation, Consultation.id == Item.consultation_id)
            .where(Proposal.id == proposal_id)
        )
    ).first()
    if row is None:
        raise not_found("proposal")
    return row


async def _author_notice(session: AsyncSession, proposal: Proposal, consultation: Consultation) -> AuthorNotice | None:
    if proposal.author_id is None:
        return None
    row = (
        await session.execute(
            select(Participant, Contact)
            .join(Contact, Contact.participant_id == Participant.id)
            .where(Participant.id == proposal.author_id)
        )
    ).first()
    if row is None:
        return None
    participant, contact = row
    written_in = _language_of(proposal, consultation.default_language)
    language = participant.language or written_in
    return AuthorNotice(
        channel=contact.channel,
        external_id=contact.external_id,
        language=language,
        consultation_title=localized(consultation.title, language, consultation.default_language),
        text=localized(proposal.text, written_in, consultation.default_language),
    )


async def decide(
    session: AsyncSession,
    registry: selection.SelectionRegistry,
    proposal_id: int,
    *,
    accept: bool,
    reason: str | None = None,
) -> Decision:
    """``registry``: this process's selectors, told at once of a proposal accepted into the pool (or not)."""
    proposal, item, consultation = await _load(session, proposal_id)
    if proposal.status != "pending":
        raise conflict(
            "already_moderated",
            f"proposal {proposal_id} was already {proposal.status}",
            proposal_status=proposal.status,
        )
    if accept:
        twin = (
            await session.execute(
                select(Proposal.id)
                .where(
                    Proposal.item_id == item.id,
                    Proposal.status == "accepted",
                    Proposal.normalized == proposal.normalized,
                    Proposal.id != proposal.id,
                )
                .limit(1)
            )
        ).scalar_one_or_none()
        if twin is not None and proposal.normalized:
            raise conflict(
                "duplicate", "the pool already holds this proposal: reject it as a duplicate", duplicate_of=twin
            )
    values = (
        {"status": "accepted", "accepted_at": utcnow(), "reject_reason": None}
        if accept
        else {"status": "rejected", "reject_reason": reason}
    )
    result = await session.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.status == "pending").values(**values)
    )
    await session.commit()
    await session.refresh(proposal)
    if result.rowcount != 1:
        raise conflict(
            "already_moderated",
            f"proposal {proposal_id} was already {proposal.status}",
            proposal_status=proposal.status,
        )
    registry.proposal_changed(item.id, proposal.id, proposal.status)  # served from the next request on
    return Decision(
        proposal=_out(proposal, item, consultation),
        status=proposal.status,
        reason=None if accept else reason,
        notify=await _author_notice(session, proposal, consultation),
    )
