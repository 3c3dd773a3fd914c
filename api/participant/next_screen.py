"""What a participant sees next in a consultation: consent, a profile question, the next item's screen, or done.

Items are walked in order; an item hidden by its ``show_if`` condition is passed over, a question item is done
once answered, and the selection registry (api/selection.py) chooses the screens of proposal and pair items
until the participant has seen enough of them. A pair served here is written (its token must work in the next
request): the route commits it with the rest of the request.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api import schemas, selection
from api.content import localized
from api.content_cache import ContentCache
from api.participant.access import brief, enrolment_of, is_open
from api.participant.profile import profile_question
from api.selection import SelectionRegistry
from storage.models import Answer, Consultation, Item, PairPrompt, Proposal, ProposalVote, utcnow
from storage.rows import execute_core, insert_new_row

SELECTED_KINDS = ("proposal", "pairs")
"""Items whose screens the selection registry chooses; the others are done once answered."""

_SERVED = select(PairPrompt.token, PairPrompt.outcome, PairPrompt.low_id, PairPrompt.high_id).where(
    PairPrompt.participant_id == bindparam("participant"), PairPrompt.item_id == bindparam("item")
)


def _history_statement():
    """Everything the next screen needs to know of the participant's past, in one statement (three were three
    round trips on every screen): their answers to the items answered once, their votes (all of them: selected
    by participant only, as SQLite would otherwise walk an item's every vote), and the pairs served to them."""
    participant = bindparam("participant")
    # Typed NULLs: PostgreSQL gives an untyped NULL the type text when it unites the first two selects.
    number, text, json = (lambda: cast(null(), Integer)), (lambda: cast(null(), String)), Answer.__table__.c.value.type
    answers = select(
        literal_column("'answer'").label("kind"),
        Answer.item_id,
        Answer.option_id.label("number"),
        number().label("other"),
        text().label("token"),
        text().label("outcome"),
        Answer.value,
    ).where(Answer.participant_id == participant, Answer.item_id.in_(bindparam("answered_items", expanding=True)))
    votes = select(
        literal_column("'vote'"),
        ProposalVote.item_id,
        ProposalVote.proposal_id,
        number(),
        text(),
        text(),
        cast(null(), json),
    ).where(ProposalVote.participant_id == participant)
    pairs = select(
        literal_column("'pair'"),
        PairPrompt.item_id,
        PairPrompt.low_id,
        PairPrompt.high_id,
        PairPrompt.token,
        PairPrompt.outcome,
        cast(null(), json),
    ).where(PairPrompt.participant_id == participant, PairPrompt.item_id.in_(bindparam("pair_items", expanding=True)))
    return union_all(answers, votes, pairs)


_HISTORY = _history_statement()


class _Answered(NamedTuple):
    item_id: int
    option_id: int | None
    value: Any


class _Served(NamedTuple):
    token: str
    outcome: str | None
    low_id: int
    high_id: int


class _History:
    """The participant's answers by item, voted proposal ids by item, and served pairs by item."""

    def __init__(self, rows: Any) -> None:
        self.answers: dict[int, _Answered] = {}
        self.voted: dict[int, set[int]] = defaultdict(set)
        self.served: dict[int, list[_Served]] = defaultdict(list)
        for kind, item_id, number, other, token, outcome, value in rows:
            if kind == "answer":
                self.answers[item_id] = _Answered(item_id, number, value)
            elif kind == "vote":
                self.voted[item_id].add(number)
            else:
                self.served[item_id].append(_Served(token, outcome, number, other))


async def _history(session: AsyncSession, participant_id: str, items: list[Item]) -> _History:
    return _History(
        (
            await execute_core(
                session,
                _HISTORY,
                {
                    "participant": participant_id,
                    "answered_items": [item.id for item in items if item.kind not in SELECTED_KINDS],
                    "pair_items": [item.id for item in items if item.kind == "pairs"],
                },
            )
        ).all()
    )


async def answers_count(session: AsyncSession, participant_id: str, consultation_id: int) -> int:
    item_ids = select(Item.id).where(Item.consultation_id == consultation_id).scalar_subquery()
    answers = await session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.participant_id == participant_id, Answer.item_id.in_(item_ids))
    )
    votes = await session.scalar(
        select(func.count())
        .select_from(ProposalVote)
        .where(ProposalVote.participant_id == participant_id, ProposalVote.item_id.in_(item_ids))
    )
    pairs = await session.scalar(
        select(func.count())
        .select_from(PairPrompt)
        .where(
            PairPrompt.participant_id == participant_id,
            PairPrompt.item_id.in_(item_ids),
            PairPrompt.outcome.is_not(None),
            PairPrompt.outcome != "skip",
        )
    )
    return int(answers or 0) + int(votes or 0) + int(pairs or 0)


def proposal_out(proposal: Proposal, language: str | None, default_language: str) -> schemas.ProposalOut:
    return schemas.ProposalOut(id=proposal.id, text=localized(proposal.text, language, default_language))


async def next_screen(
    session: AsyncSession,
    content: ContentCache,
    registry: SelectionRegistry,
    participant_id: str,
    consultation: Consultation,
    language: str | None,
) -> schemas.NextOut:
    """``language``: the participant's (the caller knows it; None shows the consultation's default)."""
    base = {
        "consultation": brief(consultation, language),
        "intro": localized(consultation.intro, language, consultation.default_language),
    }
    if not is_open(consultation):
        return schemas.NextOut(status="not_open", **base)
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        return schemas.NextOut(status="consent", **base)
    question = profile_question(consultation, enrolment, language)
    if question is not None:
        return schemas.NextOut(status="profile", profile=question, **base)
    base["awaiting"] = enrolment.awaiting

    items = await content.items(consultation)
    # One read of the participant's past serves the branch conditions, "is this item done?" and the selection.
    history = await _history(session, participant_id, items) if items else _History(())
    answers = history.answers
    answers_by_key = await _branch_answers(content, items, answers)
    for number, item in enumerate(items, start=1):
        if not _shown(item, answers_by_key):
            continue
        if item.kind not in SELECTED_KINDS and item.id in answers:
            continue
        screen = await _pending_screen(
            session, content, registry, participant_id, consultation, item, language, history
        )
        if screen is not None:
            default = consultation.default_language
            item_out = schemas.ItemOut(
                id=item.id,
                key=item.key,
                kind=item.kind,
                number=number,
                total=len(items),
                config=item.config,
                step=_step(item, history),
                prompt=localized(item.prompt, language, default),
                min_label=localized(item.config.get("min_label"), language, default),
                max_label=localized(item.config.get("max_label"), language, default),
            )
            return schemas.NextOut(status="item", **base, **screen, item=item_out)

    if enrolment.completed_at is None:
        enrolment.completed_at = utcnow()
        await session.commit()
    return schemas.NextOut(
        status="done", answers_count=await answers_count(session, participant_id, consultation.id), **base
    )


def _step(item: Item, history: _History) -> int:
    """Which screen of the item this is: 1 + the proposals voted on, or the pairs answered, in it so far."""
    if item.kind == "proposal":
        return 1 + len(history.voted[item.id])
    if item.kind == "pairs":
        return 1 + sum(1 for served in history.served[item.id] if served.outcome is not None)
    return 1


async def _branch_answers(
    content: ContentCache, items: list[Item], answers: dict[int, _Answered]
) -> dict[str, set[str]]:
    """Each answered item's values as branch conditions see them: option keys, or the scale number."""
    needed = {item.config["show_if"]["item"] for item in items if item.config.get("show_if")}
    values: dict[str, set[str]] = {}
    for item in items:
        answer = answers.get(item.id)
        if item.key not in needed or answer is None:
            continue
        option_keys = {option.id: option.key for option in await content.options(item)}
        chosen = [answer.option_id] if answer.option_id else (answer.value if isinstance(answer.value, list) else [])
        keys = {option_keys[i] for i in chosen if i in option_keys}
        if isinstance(answer.value, int) and not isinstance(answer.value, bool):
            keys.add(str(answer.value))
        values[item.key] = keys
    return values


def _shown(item: Item, answers_by_key: dict[str, set[str]]) -> bool:
    condition = item.config.get("show_if")
    if not condition:
        return True
    wanted = [condition["equals"]] if condition.get("equals") is not None else condition.get("any_of") or []
    return bool(answers_by_key.get(condition["item"], set()) & {str(v) for v in wanted})


_Screen = dict[str, Any]
"""The item's part of ``NextOut`` (``options``, ``proposal`` or ``pair``), its models as built: a model of its own
dumped to dicts and validated again into ``NextOut`` cost a few percent of a press's CPU."""


async def _pending_screen(
    session: AsyncSession,
    content: ContentCache,
    registry: SelectionRegistry,
    participant_id: str,
    consultation: Consultation,
    item: Item,
    language: str | None,
    history: _History,
) -> _Screen | None:
    """The screen this item still needs from the participant, or None when they are done with it."""
    default = consultation.default_language
    if item.kind == "proposal":
        proposal = await selection.next_proposal(session, registry, item, history.voted[item.id])
        return None if proposal is None else {"proposal": proposal_out(proposal, language, default)}
    if item.kind == "pairs":
        prompt = await _pending_pair(session, registry, participant_id, item, history.served[item.id])
        if prompt is None:
            return None
        # Usually still in the session: choosing the pair read them (no second query).
        left, right = await session.get(Proposal, prompt.left_id), await session.get(Proposal, prompt.right_id)
        return {
            "pair": schemas.PairOut(
                token=prompt.token,
                left=proposal_out(left, language, default),
                right=proposal_out(right, language, default),
            )
        }
    options = await content.options(item)  # answered items were passed over by the caller
    return {
        "options": [
            schemas.OptionOut(id=o.id, key=o.key, label=localized(o.label, language, default), cost=o.cost)
            for o in options
        ]
    }


async def _pending_pair(
    session: AsyncSession, registry: SelectionRegistry, participant_id: str, item: Item, served: list[Any] | None = None
) -> PairPrompt | None:
    """The pair already on the participant's screen, else a fresh one while they have pairs left.
    ``served``: the pairs served to them in the item, when the caller has read them."""
    if served is None:
        served = (await execute_core(session, _SERVED, {"participant": participant_id, "item": item.id})).all()
    open_token = next((row.token for row in served if row.outcome is None), None)
    if open_token is not None:
        return await session.get(PairPrompt, open_token)
    if len(served) >= int(item.config.get("max_pairs", 5)):
        return None
    pair = await selection.choose_pair(
        session, registry, participant_id, item, seen={(row.low_id, row.high_id) for row in served}
    )
    if pair is None:
        return None
    left, right = pair
    prompt = PairPrompt(
        token=secrets.token_urlsafe(9),
        participant_id=participant_id,
        item_id=item.id,
        left_id=left,
        right_id=right,
        low_id=min(left, right),
        high_id=max(left, right),
    )
    if await insert_new_row(session, prompt) is None:
        # A concurrent request served this participant the same pair first (committed meanwhile); show theirs.
        return await _pending_pair(session, registry, participant_id, item)
    return prompt
