"""Tables of citizens' juries: one jury per consultation, its pool of volunteers, and its draws.

``jury_volunteer`` is a pool row: the organiser's own reference (``external_id``, from a CSV pool) or the
participant who volunteered in the chat (``participant_id``), the categories they answered, whether they may
be contacted, and whether they withdrew. Both references are contact data: retention erases them once the jury
has ended plus the retention period, /forget deletes the participant's rows, /mydata shows them.

``jury_draw`` records a draw so that anyone can check it: the seed, the quotas, the algorithm, the panel and
every volunteer's chance of selection, all by pool row id (never by name or reference).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, UniqueConstraint
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
    created_at: datetime = Field(default_factory=utcnow)


class JuryVolunteer(SQLModel, table=True):
    __tablename__ = "jury_volunteer"
    __table_args__ = (UniqueConstraint("jury_id", "external_id"),)

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
