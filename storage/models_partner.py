"""Tables of the partner API: API keys, the pseudonym secret, and where imported rows came from.

A key is never stored: only its SHA-256. A key reads ``vk_<prefix>_<secret>``; the prefix is public (it
names the key in ``viche keys list`` and finds its row), the secret is 256 random bits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import PairPrompt, fk, json_field, utcnow


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    prefix: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    key_hash: str = Field(max_length=64)  # sha256 hex of the whole key
    # Consultation slugs this key may read; ["*"] for every consultation.
    scopes: list[str] = json_field(list)
    rate_per_minute: int | None = None  # None: the server default
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class PseudonymSecret(SQLModel, table=True):
    """The key of the participant pseudonyms when VICHE_PSEUDONYM_SECRET is not set: made once, kept."""

    id: int = Field(default=1, primary_key=True)
    secret: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


class ImportedRef(SQLModel, table=True):
    """Which row of an imported consultation stands for which id of the source file. Only two kinds go out: a
    Pabulib project's id, which the ``.pb`` export gives back (a project is no person), and the participant ids of
    an imported Polis conversation, in the Polis participants-votes export, which names its voters as its files did."""

    __table_args__ = (UniqueConstraint("consultation_id", "kind", "local_id"),)
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = fk("consultation.id")
    source: str = Field(max_length=16)  # aoi | polis | pabulib
    kind: str = Field(max_length=16)  # participant | proposal | project (an option's id)
    external_id: str = Field(max_length=64)
    local_id: str = Field(max_length=32)


def _pair_answer_index() -> Any:
    # Pairs have no integer id: exports page through answered pairs in (answered_at, token) order.
    return Index("ix_pairprompt_answered_at_token", PairPrompt.__table__.c.answered_at, PairPrompt.__table__.c.token)


PAIR_ANSWER_INDEX = _pair_answer_index()
