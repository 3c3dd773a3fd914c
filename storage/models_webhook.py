"""Tables of production mode: webhook deliveries already handled, and when consultations closed.

``processed_update`` makes a re-delivered Telegram update (the same ``update_id``) count once. A row is
written only after the update's effects are committed, so a crash in between makes Telegram deliver it
again rather than lose it; the backend's idempotent writes absorb that second pass. Rows older than a
week are pruned: Telegram numbers updates sequentially and never repeats an id within that time.

With several webhook replicas on one PostgreSQL, the same row is first a *claim* (``bot.claims``,
``storage.update_claims``): the replica that inserts it (``holder``) handles the update while its lease
(``lease_until``) runs; a replica that dies leaves a lease that runs out, and the re-delivery is handled by
another. ``person`` (a keyed hash of the sender, never their Telegram id) orders one person's updates across
replicas and tells a replica when the person's previous update was handled elsewhere. Once handled,
``lease_until`` is NULL: the row is then a record like the single process's.

``consultation_closure`` remembers when each consultation stopped taking answers (its ``closes_at``, or
the moment the retention sweep first saw it closed), so contact data can be deleted N days later.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_update"
    __table_args__ = (Index("ix_processed_update_person", "bot_id", "person", "update_id"),)

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    person: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    holder: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    """Set while a replica handles the update (a claim); NULL once handled."""
    running: bool = Field(default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=sa.false()))
    """The claim's holder has its person's turn (a claim waiting behind an earlier one of the same person is not)."""


class ConsultationClosure(SQLModel, table=True):
    __tablename__ = "consultation_closure"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    closed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
