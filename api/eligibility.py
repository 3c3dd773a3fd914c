"""Who gets a budget item's ballot (issue 24, points 3 and 4): its district and its eligibility check.

A district's budget (``regions`` in the item) is offered only to participants whose profile region is one of
them: the next screen passes over it for everyone else, and a ballot sent anyway is refused. A participant who
did not say their region gets the budgets of no district (only those without ``regions``).

An item's ``eligibility`` asks, before its ballot, for the participant's own phone number (shared with
Telegram's contact button: the bot checks that the contact is the sender's own; ``country_codes`` admit only
numbers with these calling codes) or for an invitation code the organiser uploaded (``viche budget codes``).
Both are kept only as ``HMAC-SHA256(secret, "<kind>:<value>")``: the secret is the pseudonym secret
(``VICHE_PSEUDONYM_SECRET``, else the one kept in the database, api/partner/pseudonym.py), so the number is
never stored and a hash cannot be tested against guesses without it. One phone number passes an item once; a
code is used once and is not linked to who used it. /forget deletes a participant's passes (api/privacy.py),
retention the phone hashes once the consultation closed the retention period ago.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import ApiError, bad_request, conflict
from api.partner.pseudonym import secret_for
from storage.models import Item, Participant, utcnow
from storage.models_budget import BudgetCode, BudgetPass
from storage.models_webhook import ConsultationClosure
from storage.rows import insert_new_row

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

CODE_MAX = 64


def _changed(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount or 0


def _id(item: Item) -> int:
    assert item.id is not None  # a stored item
    return item.id


def forbidden(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(403, code, message, **extra)


def admits_region(config: dict[str, Any], region: str | None) -> bool:
    """Whether a participant of this profile region gets the item (always, for an item of no district)."""
    districts = config.get("regions")
    return not districts or region in districts


def check_of(config: dict[str, Any]) -> str | None:
    """What the item asks before its ballot: "phone", "invitation", or None."""
    return (config.get("eligibility") or {}).get("requires")


def asked_in(definition: dict[str, Any]) -> list[str]:
    """The checks a consultation's budget items ask for, for the consent screen (phone first)."""
    asked = {(item.get("eligibility") or {}).get("requires") for item in definition.get("items", [])}
    return [kind for kind in ("phone", "invitation") if kind in asked]


def digest(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def phone_digits(raw: str) -> str:
    """A phone number as Telegram sends it (``+380…``, ``380…``, with spaces or dashes) reduced to its digits."""
    return re.sub(r"\D", "", raw)


def normal_code(raw: str) -> str:
    """An invitation code as typed: case and spaces do not matter (people copy codes from paper)."""
    return re.sub(r"\s", "", raw).upper()


async def passed(session: AsyncSession, participant_id: str, item_id: int) -> bool:
    row = await session.scalar(
        select(col(BudgetPass.id)).where(
            col(BudgetPass.item_id) == item_id, col(BudgetPass.participant_id) == participant_id
        )
    )
    return row is not None


async def require_admitted(session: AsyncSession, participant_id: str, item: Item, value: Any) -> None:
    """Refuse a ballot the participant may not cast: outside their district, or before the item's check. A skip
    (``value`` None) of a checked item is let through: someone who cannot pass the check passes the item over."""
    if item.kind != "budget":
        return
    if item.config.get("regions"):
        region = await session.scalar(select(col(Participant.region)).where(col(Participant.id) == participant_id))
        if not admits_region(item.config, region):
            raise forbidden("not_in_district", f"budget {item.key!r} is for other districts than the participant's")
    if check_of(item.config) and value is not None and not await passed(session, participant_id, _id(item)):
        raise forbidden("not_eligible", f"budget {item.key!r} asks for a check first", check=check_of(item.config))


async def record_phone(session: AsyncSession, settings: object, participant_id: str, item: Item, phone: str) -> bool:
    """The participant's own phone number (the bot checked it is theirs) passes the item's check; True when it
    passed just now, False when it had already."""
    if check_of(item.config) != "phone":
        raise bad_request("no_phone_check", f"budget {item.key!r} does not ask for a phone number")
    digits = phone_digits(phone)
    if not 6 <= len(digits) <= 15:  # E.164: at most 15 digits
        raise bad_request("invalid_phone", "a phone number has 6 to 15 digits")
    codes = item.config["eligibility"].get("country_codes") or []
    if codes and not any(digits.startswith(code) for code in codes):
        raise forbidden("country_not_admitted", "the number's calling code is not admitted", codes=codes)
    if await passed(session, participant_id, _id(item)):
        return False
    hashed = digest(await secret_for(session, settings), "phone", digits)
    row = BudgetPass(item_id=_id(item), participant_id=participant_id, method="phone", phone_hash=hashed)
    if await insert_new_row(session, row) is None:
        if await passed(session, participant_id, _id(item)):  # the same request twice
            return False
        raise conflict("phone_used", "this phone number has already been used for this budget")
    return True


async def redeem_code(session: AsyncSession, settings: object, participant_id: str, item: Item, code: str) -> bool:
    """An invitation code passes the item's check once; True when it passed just now, False when it had already."""
    if check_of(item.config) != "invitation":
        raise bad_request("no_invitation_check", f"budget {item.key!r} does not ask for an invitation code")
    if await passed(session, participant_id, _id(item)):
        return False
    hashed = digest(await secret_for(session, settings), "invitation", normal_code(code)[:CODE_MAX])
    used = await session.execute(
        update(BudgetCode)
        .where(
            col(BudgetCode.item_id) == _id(item), col(BudgetCode.code_hash) == hashed, col(BudgetCode.used_at).is_(None)
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not _changed(used):
        known = await session.scalar(
            select(col(BudgetCode.id)).where(col(BudgetCode.item_id) == _id(item), col(BudgetCode.code_hash) == hashed)
        )
        if known is not None:
            raise conflict("code_used", "this invitation code has already been used")
        raise bad_request("unknown_code", "this is not one of the invitation codes")
    if await insert_new_row(session, BudgetPass(item_id=_id(item), participant_id=participant_id, method="invitation")):
        return True
    raise conflict("already_passed", "the participant passed this check at the same moment")


async def add_codes(session: AsyncSession, settings: object, item: Item, codes: Iterable[str]) -> tuple[int, int]:
    """The organiser's invitation codes for the item, hashed: (added, already there). Commits."""
    if check_of(item.config) != "invitation":
        raise bad_request("no_invitation_check", f"budget {item.key!r} does not ask for an invitation code")
    secret = await secret_for(session, settings)
    wanted = {digest(secret, "invitation", normal_code(code)) for code in codes if normal_code(code)}
    known = set(
        (
            await session.execute(
                select(col(BudgetCode.code_hash)).where(
                    col(BudgetCode.item_id) == _id(item), col(BudgetCode.code_hash).in_(wanted)
                )
            )
        ).scalars()
    )
    session.add_all(BudgetCode(item_id=_id(item), code_hash=h) for h in sorted(wanted - known))
    await session.commit()
    return len(wanted - known), len(known & wanted)


async def passes_of(session: AsyncSession, participant_id: str) -> list[dict[str, Any]]:
    """/mydata: the budget checks the participant passed (the phone's keyed hash as stored: not the number)."""
    rows = await session.execute(
        select(col(Item.key), col(BudgetPass.method), col(BudgetPass.phone_hash), col(BudgetPass.created_at))
        .join(Item, col(Item.id) == col(BudgetPass.item_id))
        .where(col(BudgetPass.participant_id) == participant_id)
        .order_by(col(BudgetPass.id))
    )
    return [
        {"item": key, "method": method, "phone_hash": phone_hash, "passed_at": when.isoformat()}
        for key, method, phone_hash, when in rows.all()
    ]


async def forget(session: AsyncSession, participant_id: str) -> int:
    """/forget: the participant's passes go, phone hashes with them. Does not commit."""
    result = await session.execute(delete(BudgetPass).where(col(BudgetPass.participant_id) == participant_id))
    return _changed(result)


async def sweep_phones(session: AsyncSession, cutoff: datetime) -> int:
    """Retention: phone hashes of consultations closed before ``cutoff`` go (no ballot can come any more, so
    there is nothing left to de-duplicate). Does not commit."""
    closed = select(col(Item.id)).where(
        col(Item.consultation_id).in_(
            select(col(ConsultationClosure.consultation_id)).where(col(ConsultationClosure.closed_at) <= cutoff)
        )
    )
    result = await session.execute(
        update(BudgetPass)
        .where(col(BudgetPass.item_id).in_(closed), col(BudgetPass.phone_hash).is_not(None))
        .values(phone_hash=None)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)
