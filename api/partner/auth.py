"""Partner keys: making them, checking a bearer key, scopes, and the per-key rate limit.

- no key, a malformed, unknown or revoked key → 401 (``WWW-Authenticate: Bearer``);
- a consultation outside the key's scopes → 404, the very answer an unknown slug gets, so a key
  learns nothing about consultations it may not read (drafts are never shown to partners either);
- more requests than the key's token bucket allows → 429 with ``Retry-After`` (whole seconds).

The key, the consultation and the route's own reads share the request's one database session
(:func:`api.deps.session`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import consultation_or_404, session
from api.errors import ApiError
from storage.models import Consultation
from storage.models_partner import ApiKey

KEY_PREFIX = "vk_"
ALL = "*"
DEFAULT_RATE_PER_MINUTE = 120
DEFAULT_BURST = 30
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="PartnerKey",
    description="A partner key from `viche keys create`, sent as `Authorization: Bearer vk_…`.",
)


class PartnerError(ApiError):
    """An ApiError that also sets response headers (WWW-Authenticate, Retry-After)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: object
    ) -> None:
        super().__init__(status, code, message, **extra)
        self.headers = headers or {}


def hash_key(key: str) -> str:
    # The key carries 256 random bits: a plain SHA-256 is as strong as any password hash here.
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(prefix, full key). The prefix names the key publicly; the key itself is shown once."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def split_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, sep, rest = key[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 8 or not rest or len(key) > 128:
        return None
    return prefix


@dataclass(frozen=True)
class PartnerKey:
    id: int
    name: str
    scopes: tuple[str, ...]
    rate_per_minute: int | None

    def allows(self, slug: str) -> bool:
        return ALL in self.scopes or slug in self.scopes


class TokenBucket:
    """In-memory token buckets, one per key: ``burst`` requests at once, refilled at ``rate`` per minute.

    One process only; several API workers each keep their own buckets.
    """

    def __init__(
        self,
        rate_per_minute: float = DEFAULT_RATE_PER_MINUTE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_minute, self.burst, self.clock = rate_per_minute, burst, clock
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, key_id: int, rate_per_minute: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        rate = (rate_per_minute or self.rate_per_minute) / 60.0
        capacity = float(max(1, self.burst))
        now = self.clock()
        tokens, then = self._buckets.get(key_id, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * rate)
        if tokens >= 1.0:
            self._buckets[key_id] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key_id] = (tokens, now)
        return (1.0 - tokens) / rate if rate > 0 else 3600.0

    def reset(self) -> None:
        self._buckets.clear()


def limiter_for(request: Request) -> TokenBucket:
    state = request.app.state
    limiter = getattr(state, "partner_limiter", None)
    if limiter is None:
        settings = getattr(state, "settings", None)
        limiter = TokenBucket(
            rate_per_minute=getattr(settings, "partner_rate_per_minute", None) or DEFAULT_RATE_PER_MINUTE,
            burst=getattr(settings, "partner_rate_burst", None) or DEFAULT_BURST,
        )
        state.partner_limiter = limiter
    return limiter


def unauthorized(message: str = "a valid partner key is required (Authorization: Bearer vk_…)") -> PartnerError:
    return PartnerError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def find_key(db: AsyncSession, presented: str) -> PartnerKey | None:
    prefix = split_key(presented)
    row = None
    if prefix is not None:
        row = (await db.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one_or_none()
    # Compare even when there is no row, so that timing tells nothing about which prefixes exist.
    expected = row.key_hash if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(hash_key(presented).encode(), expected.encode())
    if row is None or not matches or row.revoked_at is not None:
        return None
    return PartnerKey(id=row.id, name=row.name, scopes=tuple(row.scopes or ()), rate_per_minute=row.rate_per_minute)


async def partner_key(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    s: AsyncSession = Depends(session),
) -> PartnerKey:
    if credentials is None or not credentials.credentials:
        raise unauthorized()
    key = await find_key(s, credentials.credentials)
    if key is None:
        raise unauthorized("this partner key is unknown or revoked")
    wait = limiter_for(request).take(key.id, key.rate_per_minute)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise PartnerError(
            429,
            "rate_limited",
            f"too many requests for this key; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )
    return key


def not_visible(slug: str) -> PartnerError:
    return PartnerError(404, "not_found", f"consultation {slug!r} not found")


async def scoped_consultation(
    key: PartnerKey = Depends(partner_key), consultation: Consultation = Depends(consultation_or_404)
) -> Consultation:
    """The consultation, if this key may read it. Out of scope, unknown (:func:`api.deps.consultation_or_404`)
    and draft look the same: 404, the same body."""
    if not key.allows(consultation.slug) or consultation.status == "draft":
        raise not_visible(consultation.slug)
    return consultation
