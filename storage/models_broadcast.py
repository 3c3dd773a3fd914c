"""Broadcasts: results digests and invitations pushed to participants, one delivery per recipient.

A broadcast is one *round* of one *kind* for one consultation ("digest"/"final", "digest"/"interim-2",
"invitation"/"launch", "jury_call"/"draw-3"). Its deliveries are one row per recipient (table ``outbox``); the
row's state is the whole truth about that recipient, committed at every change, so a delivery engine killed at
any moment resumes from the table.

Two unique constraints carry the promises made to citizens:

* (broadcast, participant): a broadcast lists nobody twice;
* (participant, consultation, kind, round): nobody is *ever* queued the same round twice, however many
  broadcasts an organiser starts for it (a second ``/digest`` only reaches people the first one missed).

Delivery states (the ``outbox`` table)::

    pending ──► sending ──► sent
       ▲           │
       └─ retry ◄──┤ (429: after retry_after; 5xx, network: backoff, up to the attempt limit)
                   ├──► failed        400 (bad request, chat not found) or attempts exhausted
                   ├──► unreachable   403: the user blocked the bot; never retried
    pending ─────► skipped            the participant opted out (/stop, /digests off) before their turn
    sending ─────► uncertain          found "sending" when the engine starts: the previous one died during
                                      the call, and Telegram cannot say whether the message arrived

``messaging_pref`` keeps a participant's choices (digests on/off, /stop) and whether Telegram last told
us they blocked the bot; no row means the defaults (digests on, not stopped, reachable).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import fk, json_field, participant_fk, utcnow

KINDS = ("digest", "invitation", "jury_call")
BROADCAST_STATUSES = ("running", "finished", "cancelled")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "unreachable", "skipped", "uncertain")
OPEN_STATES = ("pending", "sending")


class Broadcast(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = fk("consultation.id")
    kind: str = Field(max_length=16)  # digest | invitation | jury_call
    round: str = Field(max_length=40)  # final | interim-<n> | update-<yyyymmdd> | launch | …
    status: str = Field(default="running", max_length=16)  # running | finished | cancelled
    total: int = 0
    # What every recipient is told, computed once when the broadcast is created (results at that moment).
    content: dict[str, Any] = json_field()
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Where the live progress message goes (the organiser who asked), and that message once sent.
    organiser_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    organiser_language: str | None = Field(default=None, max_length=8)
    progress_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    progress_final_at: datetime | None = None


class Delivery(SQLModel, table=True):
    """One message of a broadcast to one person (the table keeps its first name, "outbox")."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "participant_id"),
        UniqueConstraint("participant_id", "consultation_id", "kind", "round", name="uq_outbox_round"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = fk("broadcast.id")
    participant_id: str = participant_fk()
    # Copies of the broadcast's, so that the round constraint above can be enforced by the database.
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=16)
    round: str = Field(max_length=40)
    state: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sending_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_error: str | None = Field(default=None, max_length=200)
    # The recipient's own figures ("you agreed with the majority on 7 of 10"), computed with the content.
    personal: dict[str, Any] = json_field()


class MessagingPref(SQLModel, table=True):
    __tablename__ = "messaging_pref"
    participant_id: str = Field(
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    )
    digests: bool = True
    stopped: bool = False
    unreachable_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
