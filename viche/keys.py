"""``viche keys create|list|revoke``: partner API keys.

A key is printed once, when made; only its SHA-256 is stored. Its scope is a list of consultation
slugs, or ``*`` for every consultation (present and future).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from sqlalchemy import select

from storage.models import utcnow
from viche.database import run_with_database


async def create_key(db, name: str, scopes: list[str], rate_per_minute: int | None = None) -> tuple[str, int]:
    """Make a key; returns (the key, its id). Raises ValueError for an unknown consultation."""
    from api.partner.auth import ALL, hash_key, new_key
    from storage.models import Consultation
    from storage.models_partner import ApiKey

    scopes = sorted(set(scopes))
    if not name.strip():
        raise ValueError("a key needs a name")
    if not scopes:
        raise ValueError("a key needs at least one consultation (--consultation <slug>, or '*' for all)")
    async with db.session() as session:
        known = set(
            (
                await session.execute(
                    select(Consultation.slug).where(Consultation.slug.in_([s for s in scopes if s != ALL]))
                )
            ).scalars()
        )
        unknown = [s for s in scopes if s != ALL and s not in known]
        if unknown:
            raise ValueError(f"no consultation {', '.join(map(repr, unknown))}")
        prefix, key = new_key()
        row = ApiKey(
            name=name.strip()[:64],
            prefix=prefix,
            key_hash=hash_key(key),
            scopes=[ALL] if ALL in scopes else scopes,
            rate_per_minute=rate_per_minute,
        )
        session.add(row)
        await session.commit()
        return key, row.id


async def list_keys(db) -> list[dict]:
    from storage.models_partner import ApiKey

    async with db.session() as session:
        rows = (await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars().all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "prefix": r.prefix,
            "consultations": r.scopes,
            "rate_per_minute": r.rate_per_minute,
            "created_at": _iso(r.created_at),
            "revoked_at": _iso(r.revoked_at),
        }
        for r in rows
    ]


async def revoke_key(db, ident: str) -> dict | None:
    """Revoke by id or prefix; returns the key's listing, or None when there is no such key."""
    from storage.models_partner import ApiKey

    async with db.session() as session:
        query = select(ApiKey).where(ApiKey.prefix == ident.removeprefix("vk_").split("_")[0])
        if ident.isdigit():
            query = select(ApiKey).where(ApiKey.id == int(ident))
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await session.commit()
        return {"id": row.id, "name": row.name, "prefix": row.prefix, "revoked_at": _iso(row.revoked_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def cmd_keys(args: argparse.Namespace) -> int:
    if args.keys_action == "create":
        try:
            key, key_id = run_with_database(lambda db: create_key(db, args.name, args.consultation, args.rate))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(key)
        print(
            f"key {key_id} ({args.name}) for {', '.join(sorted(set(args.consultation)))}. This is the only time "
            "the key is shown: store it now. Send it as 'Authorization: Bearer <key>'.",
            file=sys.stderr,
        )
        return 0
    if args.keys_action == "list":
        keys = run_with_database(list_keys)
        if args.json:
            print(json.dumps(keys, indent=2, ensure_ascii=False))
            return 0
        if not keys:
            print("no keys")
            return 0
        print(f"{'id':>4}  {'prefix':<10}  {'name':<24}  {'status':<8}  {'created':<20}  consultations")
        for k in keys:
            status = "revoked" if k["revoked_at"] else "active"
            print(
                f"{k['id']:>4}  vk_{k['prefix']:<7}  {k['name'][:24]:<24}  {status:<8}  "
                f"{(k['created_at'] or '')[:19]:<20}  {', '.join(k['consultations'])}"
            )
        return 0
    result = run_with_database(lambda db: revoke_key(db, args.key))
    if result is None:
        print(f"error: no key {args.key!r}", file=sys.stderr)
        return 1
    print(f"key {result['id']} ({result['name']}, vk_{result['prefix']}…) revoked at {result['revoked_at']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="partner API keys (create, list, revoke)")
    actions = keys.add_subparsers(dest="keys_action", required=True)
    create = actions.add_parser("create", help="make a key and print it once")
    create.add_argument("--name", required=True, help="who the key is for (e.g. 'city-analytics')")
    create.add_argument(
        "--consultation",
        action="append",
        required=True,
        metavar="SLUG",
        help="a consultation the key may read; repeat for several; '*' for all",
    )
    create.add_argument(
        "--rate",
        type=int,
        default=None,
        metavar="PER_MINUTE",
        help="requests per minute for this key (default: the server's)",
    )
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key", help="the key's id or prefix (as `viche keys list` shows)")
    keys.set_defaults(func=cmd_keys)
