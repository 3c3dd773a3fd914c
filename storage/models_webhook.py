"""Tables of production mode: webhook deliveries already handled, and when consultations closed.

``processed_update`` makes a re-delivered Telegram update (the same ``update_id``) count once. A row is
written only after the update's effects are committed, so a crash in between makes Telegram deliver it
again rather than lose it; the backend's idempotent writes absorb that second pass. Rows older than a
week are pruned: Telegram numbers updates sequentially and never repeats an id within that time.

``consultation_closure`` remembers when each consultation stopped taking answers (its ``closes_at``, or
the moment the retention sweep first saw it closed), so contact data can be deleted N days later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_update"

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class ConsultationClosure(SQLModel, table=True):
    __tablename__ = "consultation_closure"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    closed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
