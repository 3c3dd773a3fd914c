"""Recording what a participant answered: a question item, a served pair, a place's comment, and what their next
typed message is for. Votes on proposals and the participant's own proposals are in ``proposals``.

The race rules, for every write of the participant package:

- Every write is idempotent. The database's unique constraints decide races: when two identical requests arrive
  together, one insert wins (``storage.rows.insert_new_row`` skips the row another request wrote first), the other
  sees the winner's row and returns it (``created`` false). A different answer to what is already stored is
  refused (409), never overwritten — except a budget ballot, which a later one replaces (``ballots``).
- An update that gives a value once (a pair token's outcome, a vote's qualification, consent) says in its WHERE
  that the value is still missing: only the request whose update finds it missing counts.
- The writes do not commit: the route commits once, after the next screen was read in the same transaction (a
  commit and a new transaction per request were two more round trips to the database). So an answer is
  acknowledged only once it is committed, and a request that fails after its write leaves nothing.
- The selection registry hears of a vote or a counted pair only after the commit (``storage.db.after_commit``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from api import eligibility, schemas, selection
from api.answers import clean_text, validated_value
from api.content_cache import ContentCache
from api.errors import bad_request, conflict, not_found
from api.participant import ballots
from api.participant.access import (
    enrolment_of,
    item_in_open_consultation,
    keep_enrolment,
    require_consent,
    require_participant,
    with_enrolment,
)
from api.selection import SelectionRegistry
from storage.db import after_commit
from storage.models import Answer, Consultation, Item, PairPrompt, utcnow
from storage.rows import execute_core, insert_new_row


def _answer_out(answer: Answer, created: bool) -> schemas.AnswerOut:
    return schemas.AnswerOut(
        id=answer.id, item_id=answer.item_id, option_id=answer.option_id, value=answer.value, created=created
    )


async def record_answer(
    session: AsyncSession, content: ContentCache, participant_id: str, body: schemas.AnswerIn
) -> schemas.AnswerOut:
    """The answer to a question item (an option, several, a scale, a budget, a text, a place, or a skip)."""
    item, consultation = await item_in_open_consultation(content, body.item_id)
    await require_consent(session, participant_id, consultation)
    await eligibility.require_admitted(session, participant_id, item, body.value)
    option_id, value = await validated_value(content, item, body)
    if item.kind == "budget":  # a ballot sent again before the close replaces the earlier one
        return await ballots.store(session, participant_id, item, value)
    item_id = item.id
    answer = Answer(participant_id=participant_id, item_id=item_id, option_id=option_id, value=value)
    if await insert_new_row(session, answer) is not None:
        return _answer_out(answer, True)
    existing = (
        await session.execute(select(Answer).where(Answer.participant_id == participant_id, Answer.item_id == item_id))
    ).scalar_one()
    if existing.option_id == option_id and existing.value == value:
        return _answer_out(existing, False)
    raise conflict("already_answered", f"item {item.key!r} was already answered", answer_id=existing.id)


# ---- the pair choice -----------------------------------------------------------------------------------------


def _prompt_with_previous() -> Select[Any]:
    """A served pair by its token, with the participant's previous answer in the same item (one statement,
    built once: an alias per request cost more than the query)."""
    earlier = aliased(PairPrompt)
    previous_outcome = (
        select(earlier.outcome)
        .where(
            earlier.participant_id == PairPrompt.participant_id,
            earlier.item_id == PairPrompt.item_id,
            earlier.outcome.is_not(None),
        )
        .order_by(earlier.answered_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return with_enrolment(
        select(PairPrompt, previous_outcome).where(PairPrompt.token == bindparam("token")), PairPrompt.item_id
    )


_PROMPT_WITH_PREVIOUS = _prompt_with_previous()
_ANSWER_PAIR = (
    update(PairPrompt)
    .where(PairPrompt.token == bindparam("pair_token"), PairPrompt.outcome.is_(None))
    .values(
        outcome=bindparam("new_outcome"),
        reason=bindparam("new_reason"),
        after_skip=bindparam("new_after_skip"),
        answered_at=bindparam("now"),
    )
    .execution_options(synchronize_session=False)
)  # the prompt's values are set after, or refreshed


def _counts(outcome: str, after_skip: bool) -> bool:
    """Skips and "can't decide" never move scores; nor does an answer given right after a skip,
    which is kept but marked, since it is often a click-through."""
    return outcome in ("left", "right") and not after_skip


async def record_pair(
    session: AsyncSession,
    content: ContentCache,
    registry: SelectionRegistry,
    participant_id: str,
    token: str,
    body: schemas.PairAnswerIn,
) -> schemas.PairAnswerOut:
    """The choice between the two proposals of a served pair (or a skip, or "can't decide" with its reason)."""
    row = (await session.execute(_PROMPT_WITH_PREVIOUS, {"token": token, "participant": participant_id})).first()
    prompt, previous, enrolment = row if row is not None else (None, None, None)
    if prompt is None or prompt.participant_id != participant_id:
        await require_participant(session, participant_id)
        raise not_found("pair")
    keep_enrolment(session, enrolment)
    await item_in_open_consultation(content, prompt.item_id)
    after_skip = previous == "skip" and body.outcome != "skip"
    # The token is single-use: only the update that finds it unanswered counts.
    result = await execute_core(
        session,
        _ANSWER_PAIR,
        {
            "pair_token": token,
            "new_outcome": body.outcome,
            "new_reason": body.reason,
            "new_after_skip": after_skip,
            "now": utcnow(),
        },
    )
    if result.rowcount == 1:
        # Ours is the answer that counted; the prompt row now holds exactly these values.
        for name, value in (("outcome", body.outcome), ("reason", body.reason), ("after_skip", after_skip)):
            set_committed_value(prompt, name, value)  # no refresh query, and nothing left to flush
        after_commit(session, lambda: selection.pair_answered(registry, prompt))
        return schemas.PairAnswerOut(
            token=token,
            outcome=body.outcome,
            after_skip=after_skip,
            created=True,
            counted=_counts(body.outcome, after_skip),
        )
    await session.refresh(prompt)
    if prompt.outcome == body.outcome:
        return schemas.PairAnswerOut(
            token=token,
            outcome=prompt.outcome,
            after_skip=prompt.after_skip,
            created=False,
            counted=_counts(prompt.outcome, prompt.after_skip),
        )
    raise conflict("already_answered", "this pair was already answered", outcome=prompt.outcome)


# ---- typed text: what it answers, and a place's comment -----------------------------------------------------


async def set_awaiting(
    session: AsyncSession, participant_id: str, consultation: Consultation, awaiting: str | None
) -> None:
    """Remember what typed text the participant's next message answers (a proposal, a place comment)."""
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        raise conflict("no_consent", "the participant has not consented to this consultation")
    if awaiting is not None:
        kind, _, ident = awaiting.partition(":")
        target = await session.get(Item, int(ident))
        if target is None or target.consultation_id != consultation.id:
            raise not_found("item")
        if kind == "proposal" and not (
            target.kind in ("proposal", "pairs") and target.config.get("allow_citizen_proposals")
        ):
            raise bad_request("proposals_closed", f"item {target.key!r} does not take citizen proposals")
        if kind == "comment" and target.kind != "place":
            raise bad_request("no_comment", f"item {target.key!r} is not a place item")
    enrolment.awaiting = awaiting
    await session.commit()


async def comment_place(
    session: AsyncSession, content: ContentCache, participant_id: str, item_id: int, text: str
) -> schemas.AnswerOut:
    item, consultation = await item_in_open_consultation(content, item_id)
    answer = (
        await session.execute(select(Answer).where(Answer.participant_id == participant_id, Answer.item_id == item.id))
    ).scalar_one_or_none()
    if item.kind != "place" or answer is None or not answer.value:
        raise not_found("place answer")
    comment = clean_text(text)
    limit = int(item.config.get("comment_max_length", 280))
    if not 1 <= len(comment) <= limit:
        raise bad_request("invalid_length", f"the comment must have 1 to {limit} characters", max=limit)
    answer.value = {**answer.value, "comment": comment}
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is not None:
        enrolment.awaiting = None
    await session.commit()
    return _answer_out(answer, True)
