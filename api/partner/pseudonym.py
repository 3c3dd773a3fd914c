"""Pseudonymous participant ids for partners.

``HMAC-SHA256(secret, "<consultation slug>:<participant id>")``, 24 hex characters (96 bits). The same
participant has the same pseudonym in every export of one consultation (so incremental syncs join up)
and unrelated pseudonyms in two consultations (so two partners cannot link their data). Without the
secret, a pseudonym leads back to nobody; the Telegram id never enters it.

The secret is ``VICHE_PSEUDONYM_SECRET`` (setting ``pseudonym_secret``) when set; otherwise a random
one made on first use and kept in the ``pseudonymsecret`` table, so pseudonyms stay stable across
restarts. Changing the secret changes every pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_partner import PseudonymSecret

LENGTH = 24
_CACHE_LIMIT = 4096


def configured_secret(settings: object | None = None) -> str | None:
    value = getattr(settings, "pseudonym_secret", None) if settings is not None else None
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return value or os.environ.get("VICHE_PSEUDONYM_SECRET") or None


async def stored_secret(session: AsyncSession) -> str:
    """The secret kept in the database, made on first use (a concurrent first use keeps the winner's)."""
    row = await session.get(PseudonymSecret, 1)
    if row is not None:
        return row.secret
    session.add(PseudonymSecret(id=1, secret=secrets.token_hex(32)))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
    return (await session.execute(select(PseudonymSecret.secret).where(PseudonymSecret.id == 1))).scalar_one()


async def secret_for(session: AsyncSession, settings: object | None = None) -> bytes:
    return (configured_secret(settings) or await stored_secret(session)).encode()


class Pseudonymizer:
    """Pseudonyms of one consultation, with a bounded cache (participants repeat across items)."""

    def __init__(self, secret: bytes, slug: str) -> None:
        self._key = hmac.new(secret, digestmod=hashlib.sha256)
        self._prefix = f"{slug}:".encode()
        self._cache: dict[str, str] = {}

    def __call__(self, participant_id: str | None) -> str:
        if participant_id is None:
            return ""
        known = self._cache.get(participant_id)
        if known is None:
            mac = self._key.copy()
            mac.update(self._prefix + participant_id.encode())
            known = mac.hexdigest()[:LENGTH]
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[participant_id] = known
        return known


def pseudonym(secret: bytes, slug: str, participant_id: str) -> str:
    return Pseudonymizer(secret, slug)(participant_id)
