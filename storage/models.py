"""Tables.

Participants are known only by a random internal id. The Telegram chat id lives in ``contact``,
which can be deleted on its own (``/forget``, retention) without touching published aggregates.
Unique constraints make double votes impossible at the database level, whatever the bot does.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_participant_id() -> str:
    return secrets.token_hex(16)


def fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index),
    )


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Consultation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    status: str = Field(default="draft", max_length=16)  # draft | open | paused | closed
    default_language: str = Field(max_length=8)
    languages: list[str] = json_field(list)
    title: dict[str, str] = json_field()
    intro: dict[str, str] = json_field()
    time_zone: str = Field(default="UTC", max_length=64)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_segment_size: int = 10
    definition: dict[str, Any] = json_field()
    created_at: datetime = Field(default_factory=utcnow)
    # The results page /r/<slug> is public only once an organiser publishes it (api/pages/).
    published: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("consultation_id", "key"),
        UniqueConstraint("consultation_id", "position"),
    )
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = fk("consultation.id")
    position: int
    key: str = Field(max_length=64)
    kind: str = Field(max_length=24)
    prompt: dict[str, str] = json_field()
    config: dict[str, Any] = json_field()


class Option(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = fk("item.id")
    position: int
    key: str = Field(max_length=64)
    label: dict[str, str] = json_field()
    cost: int | None = None


class Participant(SQLModel, table=True):
    id: str = Field(default_factory=new_participant_id, primary_key=True, max_length=32)
    language: str | None = Field(default=None, max_length=8)
    current_consultation_id: int | None = fk("consultation.id", nullable=True, ondelete="SET NULL", index=False)
    age_band: str | None = Field(default=None, max_length=16)
    country: str | None = Field(default=None, max_length=8)
    region: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = Field(
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="CASCADE"), unique=True, nullable=False)
    )
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


def participant_fk() -> Any:
    return Field(
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="CASCADE"), nullable=False, index=True)
    )


class Enrolment(SQLModel, table=True):
    """A participant's progress in one consultation: consent, outreach source, completion."""

    __table_args__ = (UniqueConstraint("participant_id", "consultation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = participant_fk()
    consultation_id: int = fk("consultation.id")
    source: str | None = Field(default=None, max_length=64)
    consented_at: datetime | None = None
    completed_at: datetime | None = None
    # Typed text the bot waits for next: "proposal:<item id>", "comment:<answer id>" …; None means buttons.
    awaiting: str | None = Field(default=None, max_length=32)
    profile_done: list[str] = json_field(list)
    created_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    """One answer per participant and question item (choice, scale, text, budget, place)."""

    __table_args__ = (UniqueConstraint("participant_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = participant_fk()
    item_id: int = fk("item.id")
    option_id: int | None = fk("option.id", nullable=True)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Proposal(SQLModel, table=True):
    """A statement in a proposal or pairs item: from the organiser, or from a citizen after moderation."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = fk("item.id")
    text: dict[str, str] = json_field()
    status: str = Field(default="accepted", max_length=16)  # accepted | pending | rejected
    normalized: str = Field(default="", max_length=400, index=True)
    author_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="SET NULL"), nullable=True),
    )
    reject_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    accepted_at: datetime | None = None


class ProposalVote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("participant_id", "proposal_id"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = participant_fk()
    item_id: int = fk("item.id")
    proposal_id: int = fk("proposal.id")
    choice: str = Field(max_length=8)  # agree | disagree | neutral
    qualification: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class PairPrompt(SQLModel, table=True):
    """A pair served to a participant. Its token is single-use: the first answer is the one that counts.

    (participant, item, low, high) is unique, so nobody is ever shown the same pair twice.
    """

    __table_args__ = (UniqueConstraint("participant_id", "item_id", "low_id", "high_id"),)
    token: str = Field(primary_key=True, max_length=24)
    participant_id: str = participant_fk()
    item_id: int = fk("item.id")
    left_id: int = fk("proposal.id", index=False)
    right_id: int = fk("proposal.id", index=False)
    low_id: int
    high_id: int
    served_at: datetime = Field(default_factory=utcnow)
    outcome: str | None = Field(default=None, max_length=12)  # left | right | cant_decide | skip
    reason: str | None = Field(default=None, max_length=32)
    after_skip: bool = False
    answered_at: datetime | None = None
