"""Organisers: the Telegram users who may run consultations from the bot.

``VICHE_ADMINS`` (and ``VICHE_OWNERS``) are organisers by configuration and have no row here. Owners
add and remove everyone else with ``/grant`` and ``/revoke``; each grant is one row, deleted on revoke.
Telegram user ids exceed 32 bits, hence BIGINT.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class Organiser(SQLModel, table=True):
    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    granted_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    granted_at: datetime = Field(default_factory=utcnow)
