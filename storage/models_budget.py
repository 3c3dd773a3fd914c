"""Tables of a budget item's eligibility (issue 24, point 4): who showed what before getting its ballot.

``budget_pass`` says that a participant passed an item's check, and how (``phone`` or ``invitation``). For a
phone it keeps the number only as ``HMAC-SHA256(secret, "phone:<digits>")`` (api/eligibility.py), so that one
number gets one ballot; /forget deletes the participant's rows and retention the phone hashes of closed
consultations. ``budget_code`` holds an organiser's invitation codes, hashed the same way; a code used once is
marked used and names nobody (which participant used which code is not kept: the organiser knows who got it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import fk, participant_fk, utcnow

HASH_LENGTH = 64  # hex of a SHA-256 HMAC


class BudgetPass(SQLModel, table=True):
    __tablename__ = "budget_pass"
    __table_args__ = (UniqueConstraint("item_id", "participant_id"), UniqueConstraint("item_id", "phone_hash"))
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = fk("item.id")
    participant_id: str = participant_fk()
    method: str = Field(max_length=16)  # phone | invitation
    phone_hash: str | None = Field(default=None, sa_column=Column(String(HASH_LENGTH), nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class BudgetCode(SQLModel, table=True):
    __tablename__ = "budget_code"
    __table_args__ = (UniqueConstraint("item_id", "code_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = fk("item.id")
    code_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
