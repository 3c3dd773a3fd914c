"""A participant's budget ballot: filled in pick by pick (a draft kept in ``ballot_draft``), then sent as their
one ``answer`` row for the item, which a later ballot sent before the close replaces.

The rules every pick and every sent ballot obey are in ``api/ballot_rules.py``. A draft starts from the ballot
already sent, if any: changing a sent ballot is picking again from it, and it counts only once sent. Like the
other writes of this package, nothing here commits: the route does, once.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api import ballot_rules, eligibility, schemas
from api.ballot_rules import BallotRules, PickAction
from api.content_cache import ContentCache
from api.errors import bad_request, conflict
from api.participant.access import item_in_open_consultation, require_consent
from storage.models import Answer, Consultation, Item, utcnow
from storage.models_ballot import BallotDraft
from storage.rows import insert_new_row

_DRAFT = select(col(BallotDraft.id), col(BallotDraft.value), col(BallotDraft.version)).where(
    col(BallotDraft.participant_id) == bindparam("participant"), col(BallotDraft.item_id) == bindparam("item")
)
_SENT = select(Answer.value).where(
    col(Answer.participant_id) == bindparam("participant"), col(Answer.item_id) == bindparam("item")
)
_PICK_ATTEMPTS = 5


async def ballot_item(
    session: AsyncSession, content: ContentCache, participant_id: str, item_id: int
) -> tuple[Item, Consultation]:
    """A budget item of an open consultation the participant consented to."""
    item, consultation = await item_in_open_consultation(content, item_id)
    await require_consent(session, participant_id, consultation)
    if item.kind != "budget":
        raise bad_request("wrong_route", f"item {item.key!r} is a {item.kind} item, not a budget")
    # A pick is a ballot in the making: outside the participant's district, or before the item's check, refused
    # as a sent ballot would be.
    await eligibility.require_admitted(session, participant_id, item, [])
    return item, consultation


async def sent_ballot(session: AsyncSession, participant_id: str, item_id: int) -> list[int] | None:
    value = await session.scalar(_SENT, {"participant": participant_id, "item": item_id})
    return value if isinstance(value, list) else None


async def state(session: AsyncSession, participant_id: str, item_id: int) -> schemas.BallotOut:
    """The ballot as the participant sees it: the draft, else the ballot sent, else nothing chosen."""
    params = {"participant": participant_id, "item": item_id}
    draft = (await session.execute(_DRAFT, params)).first()
    sent = await sent_ballot(session, participant_id, item_id)
    chosen = draft.value if draft is not None else sent
    return schemas.BallotOut(chosen=list(chosen or []), sent=sent is not None, changed=draft is not None)


async def costs_and_rules(content: ContentCache, item: Item) -> tuple[dict[int, int], BallotRules]:
    options = await content.options(item)
    costs = {option.id: option.cost or 0 for option in options if option.id is not None}
    return costs, BallotRules.of(item.config, len(options))


async def pick(
    session: AsyncSession,
    content: ContentCache,
    participant_id: str,
    item: Item,
    action: PickAction,
    option_id: int | None,
) -> list[int]:
    """Apply one pick to the participant's draft (made from the sent ballot when there is none) and return it.
    Two picks arriving together: the draft's version makes the later one start again from the earlier's."""
    costs, rules = await costs_and_rules(content, item)
    item_id = _id(item)
    params = {"participant": participant_id, "item": item_id}
    for _ in range(_PICK_ATTEMPTS):
        draft = (await session.execute(_DRAFT, params)).first()
        if draft is None:
            current = await sent_ballot(session, participant_id, item_id) or []
            ballot = ballot_rules.pick(rules, costs, current, action, option_id)
            row = BallotDraft(participant_id=participant_id, item_id=item_id, value=ballot, version=1)
            if await insert_new_row(session, row) is not None:
                return ballot
            continue
        ballot = ballot_rules.pick(rules, costs, list(draft.value), action, option_id)
        moved = await session.execute(
            update(BallotDraft)
            .where(BallotDraft.id == draft.id, col(BallotDraft.version) == draft.version)
            .values(value=ballot, version=draft.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            return ballot
    raise conflict("busy", "the ballot kept changing under this pick; press again")


async def send(session: AsyncSession, content: ContentCache, participant_id: str, item: Item) -> schemas.AnswerOut:
    """Send the draft as the participant's ballot. Without a draft, the ballot already sent stands (a Done
    pressed twice); with neither, an empty ballot is sent (refused unless the item allows none)."""
    draft = (await session.execute(_DRAFT, {"participant": participant_id, "item": _id(item)})).first()
    if draft is None:
        sent = await sent_ballot(session, participant_id, _id(item))
        if sent is not None:
            return await store(session, participant_id, item, sent)
    costs, rules = await costs_and_rules(content, item)
    ballot = ballot_rules.canonical(rules.kind, list(draft.value) if draft is not None else [])
    ballot_rules.complete(rules, costs, ballot)
    return await store(session, participant_id, item, ballot)


async def store(session: AsyncSession, participant_id: str, item: Item, ballot: list[int]) -> schemas.AnswerOut:
    """Write the ballot as the participant's one answer row for the item, replacing an earlier one; the draft
    goes. ``created``: a first ballot; ``replaced``: a different one sent again."""
    await session.execute(
        delete(BallotDraft)
        .where(col(BallotDraft.participant_id) == participant_id, col(BallotDraft.item_id) == item.id)
        .execution_options(synchronize_session=False)
    )
    answer = Answer(participant_id=participant_id, item_id=_id(item), option_id=None, value=ballot)
    if await insert_new_row(session, answer) is not None:
        return _out(answer, created=True)
    existing = (
        await session.execute(
            select(Answer).where(col(Answer.participant_id) == participant_id, col(Answer.item_id) == item.id)
        )
    ).scalar_one()
    if existing.value == ballot:
        return _out(existing, created=False)
    existing.value = ballot
    await session.flush()
    return _out(existing, created=False, replaced=True)


def _id(item: Item) -> int:
    if item.id is None:
        raise ValueError("an item that was never stored has no ballot")
    return item.id


def _out(answer: Answer, *, created: bool, replaced: bool = False) -> schemas.AnswerOut:
    return schemas.AnswerOut(
        id=answer.id,
        item_id=answer.item_id,
        option_id=None,
        value=answer.value,
        created=created,
        replaced=replaced,
    )
