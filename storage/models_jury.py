"""Tables of citizens' juries: one jury per consultation, its pool of volunteers, and its draws.

``jury_volunteer`` is a pool row: the organiser's own reference (``external_id``, from a CSV pool) or the
participant who volunteered in the chat (``participant_id``), the categories they answered, whether they may
be contacted, and whether they withdrew. Both references are contact data: retention erases them once the jury
has ended plus the retention period, /forget deletes the participant's rows, /mydata shows them.

``jury_member`` is a seat on the panel: a drawn volunteer and how they answered their jury call (invited, accepted,
declined, expired: no answer by the deadline, withdrawn; ``selected`` for a volunteer of a CSV pool, whom the
organiser contacts). Decliners, non-answerers and withdrawn members are replaced by a complementary draw.

``jury_draw`` records a draw so that anyone can check it: the seed, the quotas, the algorithm, the panel and
every volunteer's chance of selection, all by pool row id (never by name or reference).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from storage.models import json_field, utcnow

EXTERNAL_ID_LENGTH = 128  # the organiser's reference of a volunteer (a CSV pool's id column)


def new_salt() -> str:
    return secrets.token_hex(16)


class Jury(SQLModel, table=True):
    __tablename__ = "jury"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), unique=True, nullable=False)
    )
    ends_at: datetime | None = None  # when the jury's work ends: retention counts from there
    audit_salt: str = Field(default_factory=new_salt, max_length=64)  # keys the audit's pseudonyms
    # A seat was freed outside a jury call's answer (a member withdrew or was forgotten): the delivery engine's
    # schedule draws a replacement.
    refill_due: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Why the last replacement could not be drawn (infeasible quotas, an empty pool), for the organiser's /jury.
    refill_problem: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


class JuryVolunteer(SQLModel, table=True):
    __tablename__ = "jury_volunteer"
    __table_args__ = (
        UniqueConstraint("jury_id", "external_id"),
        UniqueConstraint("jury_id", "participant_id", name="uq_jury_volunteer_participant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    jury_id: int = Field(
        sa_column=Column(Integer, ForeignKey("jury.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    external_id: str | None = Field(default=None, max_length=EXTERNAL_ID_LENGTH)
    participant_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    categories: dict[str, Any] = json_field(dict)
    contact_consent: bool = False
    withdrawn_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class JuryDraw(SQLModel, table=True):
    __tablename__ = "jury_draw"

    id: int | None = Field(default=None, primary_key=True)
    jury_id: int = Field(
        sa_column=Column(Integer, ForeignKey("jury.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    quotas: dict[str, Any] = json_field(dict)
    algorithm: str = Field(max_length=32)
    selected: list[Any] = json_field(list)  # pool row ids
    probabilities: dict[str, Any] = json_field(dict)  # pool row id → chance
    created_at: datetime = Field(default_factory=utcnow)


MEMBER_STATES = ("selected", "invited", "accepted", "declined", "expired", "withdrawn")
HOLDING_SEAT = ("selected", "invited", "accepted")
"""States of a member who holds a seat: a replacement is drawn for the others."""


class JuryMember(SQLModel, table=True):
    __tablename__ = "jury_member"
    __table_args__ = (UniqueConstraint("jury_id", "volunteer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    jury_id: int = Field(
        sa_column=Column(Integer, ForeignKey("jury.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    volunteer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("jury_volunteer.id", ondelete="CASCADE"), nullable=False)
    )
    draw_id: int = Field(
        sa_column=Column(Integer, ForeignKey("jury_draw.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    state: str = Field(default="invited", max_length=12)
    deadline: datetime | None = None  # invited members answer by then, or are replaced
    answered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
