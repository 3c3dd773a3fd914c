"""A participant's path through a consultation: what comes next, and recording what they answered.

Every write is idempotent. The database's unique constraints decide races: when two identical
requests arrive together, one insert wins, the other sees the winner's row and returns it.

The writes here do not commit: the route commits once, after the next screen was read in the same
transaction (a commit and a new transaction per request were two more round trips to the database). So an
answer is acknowledged only once it is committed, and a request that fails after its write leaves nothing.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import timezone
from typing import Any, NamedTuple

from sqlalchemy import (Integer, String, bindparam, cast, func, inspect as sa_inspect, literal_column, null, select,
                        union_all, update)
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.ext.asyncio import AsyncSession

from babel import Locale, UnknownLocaleError

from api import schemas, selection
from api.answers import clean_text, validated_value, visible_length
from api.content import localized
from api.content_cache import ContentCache, content_for
from api.errors import ApiError, bad_request, conflict, not_found
from core.definition import PROPOSAL_MAX, PROPOSAL_MIN
from core.vocabulary import QUALIFICATIONS
from storage.db import after_commit
from storage.rows import insert_new_row
from storage.text import normalize_proposal
from storage.models import (
    Answer,
    Consultation,
    Enrolment,
    Item,
    PairPrompt,
    Participant,
    Proposal,
    ProposalVote,
    utcnow,
)

SELECTED_KINDS = ("proposal", "pairs")
"""Items whose screens the selection registry chooses; the others are done once answered."""

def is_open(consultation: Consultation) -> bool:
    """Open by status, and within its opening and closing times when the file sets them."""
    now = utcnow()
    if consultation.status != "open":
        return False
    if consultation.opens_at is not None and now < _aware(consultation.opens_at):
        return False
    return consultation.closes_at is None or now < _aware(consultation.closes_at)


def _aware(moment):  # noqa: ANN001, ANN202
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def brief(consultation: Consultation, language: str | None) -> schemas.ConsultationBrief:
    return schemas.ConsultationBrief(
        slug=consultation.slug,
        title=localized(consultation.title, language, consultation.default_language),
        status=consultation.status,
        default_language=consultation.default_language,
        languages=consultation.languages,
        time_zone=consultation.time_zone or "UTC",
        closes_at=_aware(consultation.closes_at) if consultation.closes_at is not None else None,
    )


# Built once: read on every request of a participant (building a statement costs about as much as running it).
_ENROLMENT = select(Enrolment).where(Enrolment.participant_id == bindparam("participant"),
                                     Enrolment.consultation_id == bindparam("consultation"))
_SERVED = select(PairPrompt.token, PairPrompt.outcome, PairPrompt.low_id, PairPrompt.high_id).where(
    PairPrompt.participant_id == bindparam("participant"), PairPrompt.item_id == bindparam("item"))


async def enrolment_of(session: AsyncSession, participant_id: str, consultation_id: int) -> Enrolment | None:
    # A write and the next screen in one request both need it: found once, then kept with the session
    # (the same instance its identity map holds, so changes made in the request are seen).
    key = ("enrolment", participant_id, consultation_id)
    known = session.info.get(key)
    if known is not None and known in session and not sa_inspect(known).expired_attributes:  # a rollback expires
        return known
    enrolment = (await session.execute(_ENROLMENT, {"participant": participant_id, "consultation": consultation_id})
                 ).scalar_one_or_none()
    _keep_enrolment(session, enrolment)
    return enrolment


def _keep_enrolment(session: AsyncSession, enrolment: Enrolment | None) -> None:
    """For :func:`enrolment_of`, when a statement of the request read it along with something else."""
    if enrolment is not None:
        session.info[("enrolment", enrolment.participant_id, enrolment.consultation_id)] = enrolment


def _with_enrolment(statement, item_id):  # noqa: ANN001, ANN202
    """``statement`` with the participant's enrolment in the item's consultation (or None) as a last column:
    the write's own look-up also brings what the consent check and the next screen read (one round trip)."""
    return (statement.add_columns(Enrolment)
            .join(Item, Item.id == item_id)
            .outerjoin(Enrolment, (Enrolment.consultation_id == Item.consultation_id)
                       & (Enrolment.participant_id == bindparam("participant"))))


def _history_statement():  # noqa: ANN202
    """Everything the next screen needs to know of the participant's past, in one statement (three were three
    round trips on every screen): their answers to the items answered once, their votes (all of them: selected
    by participant only, as SQLite would otherwise walk an item's every vote), and the pairs served to them."""
    participant = bindparam("participant")
    # Typed NULLs: PostgreSQL gives an untyped NULL the type text when it unites the first two selects.
    number, text, json = (lambda: cast(null(), Integer)), (lambda: cast(null(), String)), Answer.__table__.c.value.type
    answers = select(literal_column("'answer'").label("kind"), Answer.item_id, Answer.option_id.label("number"),
                     number().label("other"), text().label("token"), text().label("outcome"), Answer.value).where(
        Answer.participant_id == participant, Answer.item_id.in_(bindparam("answered_items", expanding=True)))
    votes = select(literal_column("'vote'"), ProposalVote.item_id, ProposalVote.proposal_id, number(), text(), text(),
                   cast(null(), json)).where(ProposalVote.participant_id == participant)
    pairs = select(literal_column("'pair'"), PairPrompt.item_id, PairPrompt.low_id, PairPrompt.high_id,
                   PairPrompt.token, PairPrompt.outcome, cast(null(), json)).where(
        PairPrompt.participant_id == participant, PairPrompt.item_id.in_(bindparam("pair_items", expanding=True)))
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
    return _History((await session.execute(_HISTORY, {
        "participant": participant_id,
        "answered_items": [item.id for item in items if item.kind not in SELECTED_KINDS],
        "pair_items": [item.id for item in items if item.kind == "pairs"]})).all())


async def answers_count(session: AsyncSession, participant_id: str, consultation_id: int) -> int:
    item_ids = select(Item.id).where(Item.consultation_id == consultation_id).scalar_subquery()
    answers = await session.scalar(
        select(func.count()).select_from(Answer).where(Answer.participant_id == participant_id,
                                                        Answer.item_id.in_(item_ids))
    )
    votes = await session.scalar(
        select(func.count()).select_from(ProposalVote).where(ProposalVote.participant_id == participant_id,
                                                              ProposalVote.item_id.in_(item_ids))
    )
    pairs = await session.scalar(
        select(func.count()).select_from(PairPrompt).where(
            PairPrompt.participant_id == participant_id, PairPrompt.item_id.in_(item_ids),
            PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip",
        )
    )
    return int(answers or 0) + int(votes or 0) + int(pairs or 0)


def proposal_out(proposal: Proposal, language: str | None, default_language: str) -> schemas.ProposalOut:
    return schemas.ProposalOut(id=proposal.id, text=localized(proposal.text, language, default_language))


async def next_screen(
    session: AsyncSession, participant_id: str, consultation: Consultation, language: str | None
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

    content = content_for(session)
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
        screen = await _pending_screen(session, participant_id, consultation, item, language, history)
        if screen is not None:
            default = consultation.default_language
            screen.item = schemas.ItemOut(
                id=item.id, key=item.key, kind=item.kind, number=number, total=len(items), config=item.config,
                step=_step(item, history),
                prompt=localized(item.prompt, language, default),
                min_label=localized(item.config.get("min_label"), language, default),
                max_label=localized(item.config.get("max_label"), language, default),
            )
            return schemas.NextOut(status="item", **base, **screen.model_dump(exclude={"item"}), item=screen.item)

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


async def _branch_answers(content: ContentCache, items: list[Item],
                          answers: dict[int, _Answered]) -> dict[str, set[str]]:
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


PROFILE_FIELDS = (("age_band", "age_bands"), ("country", "countries"), ("region", "regions"))


def profile_question(consultation: Consultation, enrolment: Enrolment,
                     language: str | None) -> schemas.ProfileQuestion | None:
    """The next profile question the file asks and the participant has neither answered nor skipped."""
    profile = (consultation.definition or {}).get("profile") or {}
    for field, source in PROFILE_FIELDS:
        entries = profile.get(source)
        if not entries or field in (enrolment.profile_done or []):
            continue
        if field == "region":
            choices = [schemas.ProfileChoice(key=r["key"], label=localized(r["label"], language,
                                                                           consultation.default_language))
                       for r in entries]
        elif field == "country":
            choices = [schemas.ProfileChoice(key=code, label=country_name(code, language)) for code in entries]
        else:
            choices = [schemas.ProfileChoice(key=band, label=band) for band in entries]
        return schemas.ProfileQuestion(field=field, choices=choices)
    return None


def country_name(code: str, language: str | None) -> str:
    try:
        return Locale.parse(language or "en").territories.get(code.upper(), code)
    except (ValueError, UnknownLocaleError):
        return code


async def record_profile(session: AsyncSession, participant: Participant, consultation: Consultation,
                         body: schemas.ProfileIn) -> None:
    enrolment = await enrolment_of(session, participant.id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        raise conflict("no_consent", "the participant has not consented to this consultation")
    question_source = dict(PROFILE_FIELDS)[body.field]
    entries = ((consultation.definition or {}).get("profile") or {}).get(question_source) or []
    allowed = {entry["key"] if isinstance(entry, dict) else entry for entry in entries}
    if body.value is not None and body.value not in allowed:
        raise bad_request("invalid_value", f"{body.value!r} is not one of the {body.field} choices")
    if body.value is not None:
        setattr(participant, body.field, body.value)
    if body.field not in (enrolment.profile_done or []):
        enrolment.profile_done = [*(enrolment.profile_done or []), body.field]
    await session.commit()


class _Screen(schemas.BaseModel):
    item: schemas.ItemOut | None = None
    options: list[schemas.OptionOut] = []
    proposal: schemas.ProposalOut | None = None
    pair: schemas.PairOut | None = None


async def _pending_screen(session: AsyncSession, participant_id: str, consultation: Consultation, item: Item,
                          language: str | None, history: _History) -> _Screen | None:
    """The screen this item still needs from the participant, or None when they are done with it."""
    default = consultation.default_language
    if item.kind == "proposal":
        proposal = await selection.next_proposal(session, item, history.voted[item.id])
        return None if proposal is None else _Screen(proposal=proposal_out(proposal, language, default))
    if item.kind == "pairs":
        prompt = await _pending_pair(session, participant_id, item, history.served[item.id])
        if prompt is None:
            return None
        # Usually still in the session: choosing the pair read them (no second query).
        left, right = await session.get(Proposal, prompt.left_id), await session.get(Proposal, prompt.right_id)
        return _Screen(pair=schemas.PairOut(token=prompt.token, left=proposal_out(left, language, default),
                                            right=proposal_out(right, language, default)))
    options = await content_for(session).options(item)  # answered items were passed over by the caller
    return _Screen(options=[
        schemas.OptionOut(id=o.id, key=o.key, label=localized(o.label, language, default), cost=o.cost) for o in options
    ])


async def _pending_pair(session: AsyncSession, participant_id: str, item: Item,
                        served: list[Any] | None = None) -> PairPrompt | None:
    """The pair already on the participant's screen, else a fresh one while they have pairs left.
    ``served``: the pairs served to them in the item, when the caller has read them."""
    if served is None:
        served = (await session.execute(_SERVED, {"participant": participant_id, "item": item.id})).all()
    open_token = next((row.token for row in served if row.outcome is None), None)
    if open_token is not None:
        return await session.get(PairPrompt, open_token)
    if len(served) >= int(item.config.get("max_pairs", 5)):
        return None
    pair = await selection.choose_pair(session, participant_id, item,
                                       seen={(row.low_id, row.high_id) for row in served})
    if pair is None:
        return None
    left, right = pair
    prompt = PairPrompt(token=secrets.token_urlsafe(9), participant_id=participant_id, item_id=item.id,
                        left_id=left, right_id=right, low_id=min(left, right), high_id=max(left, right))
    if await insert_new_row(session, prompt) is None:
        # A concurrent request served this participant the same pair first (committed meanwhile); show theirs.
        return await _pending_pair(session, participant_id, item)
    return prompt


async def _item_in_open_consultation(session: AsyncSession, item_id: int) -> tuple[Item, Consultation]:
    content = content_for(session)
    item = await content.item(item_id)
    if item is None:
        raise not_found("item")
    consultation = await content.by_id(item.consultation_id)
    if not is_open(consultation):
        raise conflict("not_open", f"consultation {consultation.slug!r} is not open ({consultation.status})")
    return item, consultation


async def require_participant(session: AsyncSession, participant_id: str) -> Participant:
    participant = await session.get(Participant, participant_id)
    if participant is None:
        raise not_found("participant")
    return participant


async def _require_consent(session: AsyncSession, participant_id: str, consultation: Consultation) -> None:
    """Also proves that the participant exists (an enrolment belongs to one), so the write routes need not
    read the participant first; only a refusal looks them up, to tell "unknown" (404) from "no consent"."""
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        await require_participant(session, participant_id)
        raise conflict("no_consent", "the participant has not consented to this consultation")


def _answer_out(answer: Answer, created: bool) -> schemas.AnswerOut:
    return schemas.AnswerOut(id=answer.id, item_id=answer.item_id, option_id=answer.option_id, value=answer.value,
                             created=created)


async def record_answer(session: AsyncSession, participant_id: str, body: schemas.AnswerIn) -> schemas.AnswerOut:
    item, consultation = await _item_in_open_consultation(session, body.item_id)
    await _require_consent(session, participant_id, consultation)
    option_id, value = await validated_value(session, item, body)
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


def _vote_out(vote: ProposalVote, created: bool, asks: bool = False, qualified: bool = False) -> schemas.VoteOut:
    return schemas.VoteOut(id=vote.id, proposal_id=vote.proposal_id, choice=vote.choice,
                           qualification=vote.qualification, created=created, asks_qualification=asks,
                           qualified_now=qualified)


_PROPOSAL_STATUS = _with_enrolment(
    select(Proposal.item_id, Proposal.status).where(Proposal.id == bindparam("proposal")), Proposal.item_id)


_QUALIFY = (update(ProposalVote)
            .where(ProposalVote.participant_id == bindparam("participant"),
                   ProposalVote.proposal_id == bindparam("proposal"), ProposalVote.choice == bindparam("choice_given"),
                   ProposalVote.qualification.is_(None))
            .values(qualification=bindparam("new_qualification")).returning(ProposalVote.id)
            .execution_options(synchronize_session=False))  # no vote object in the session to update


async def record_vote(session: AsyncSession, participant_id: str, body: schemas.VoteIn) -> schemas.VoteOut:
    proposal = (await session.execute(_PROPOSAL_STATUS, {"proposal": body.proposal_id,
                                                         "participant": participant_id})).first()
    if proposal is None or proposal.status != "accepted":
        raise not_found("proposal")
    _keep_enrolment(session, proposal.Enrolment)
    item, consultation = await _item_in_open_consultation(session, proposal.item_id)
    if item.kind != "proposal":
        raise bad_request("wrong_route", "pair proposals are answered through their pair token")
    await _require_consent(session, participant_id, consultation)
    if body.qualification is not None and body.qualification not in QUALIFICATIONS[body.choice]:
        raise bad_request("invalid_qualification",
                          f"{body.qualification!r} does not qualify {body.choice!r}; "
                          f"use one of {sorted(QUALIFICATIONS[body.choice])}")
    proposal_id = body.proposal_id
    asks = bool(item.config.get("qualifications", True))
    if body.qualification is not None:
        # Usually the "why?" that follows the participant's own vote: one update, not a failed insert first.
        qualified = (await session.execute(_QUALIFY, {
            "participant": participant_id, "proposal": proposal_id, "choice_given": body.choice,
            "new_qualification": body.qualification})).first()
        if qualified is not None:
            return schemas.VoteOut(id=qualified.id, proposal_id=proposal_id, choice=body.choice,
                                   qualification=body.qualification, created=False, qualified_now=True)
    vote = ProposalVote(participant_id=participant_id, item_id=item.id, proposal_id=proposal_id,
                        choice=body.choice, qualification=body.qualification)
    if await insert_new_row(session, vote) is not None:
        after_commit(session, lambda: selection.vote_recorded(session, vote))
        return _vote_out(vote, True, asks, qualified=body.qualification is not None)
    existing = (
        await session.execute(select(ProposalVote).where(ProposalVote.participant_id == participant_id,
                                                         ProposalVote.proposal_id == proposal_id))
    ).scalar_one()
    if existing.choice != body.choice:
        raise conflict("already_voted", "this proposal already has the participant's vote", vote_id=existing.id)
    qualified = False
    if body.qualification and existing.qualification is None:
        # The follow-up "why?" arrives as a second request with the same choice.
        qualified = (await session.execute(update(ProposalVote).where(ProposalVote.id == existing.id,
                                                                      ProposalVote.qualification.is_(None))
                                           .values(qualification=body.qualification))).rowcount == 1
        await session.refresh(existing)
    if body.qualification and existing.qualification != body.qualification:
        raise conflict("already_qualified", "this vote already has a qualification", vote_id=existing.id)
    return _vote_out(existing, False, qualified=qualified)


def _prompt_with_previous():  # noqa: ANN202
    """A served pair by its token, with the participant's previous answer in the same item (one statement,
    built once: an alias per request cost more than the query)."""
    earlier = aliased(PairPrompt)
    previous_outcome = (select(earlier.outcome)
                        .where(earlier.participant_id == PairPrompt.participant_id,
                               earlier.item_id == PairPrompt.item_id, earlier.outcome.is_not(None))
                        .order_by(earlier.answered_at.desc()).limit(1).scalar_subquery())
    return _with_enrolment(select(PairPrompt, previous_outcome).where(PairPrompt.token == bindparam("token")),
                           PairPrompt.item_id)


_PROMPT_WITH_PREVIOUS = _prompt_with_previous()
_ANSWER_PAIR = (update(PairPrompt)
                .where(PairPrompt.token == bindparam("pair_token"), PairPrompt.outcome.is_(None))
                .values(outcome=bindparam("new_outcome"), reason=bindparam("new_reason"),
                        after_skip=bindparam("new_after_skip"), answered_at=bindparam("now"))
                .execution_options(synchronize_session=False))  # the prompt's values are set after, or refreshed


def _counts(outcome: str, after_skip: bool) -> bool:
    """Skips and "can't decide" never move scores; nor does an answer given right after a skip,
    which is kept but marked, since it is often a click-through."""
    return outcome in ("left", "right") and not after_skip


async def record_pair(
    session: AsyncSession, participant_id: str, token: str, body: schemas.PairAnswerIn
) -> schemas.PairAnswerOut:
    row = (await session.execute(_PROMPT_WITH_PREVIOUS, {"token": token, "participant": participant_id})).first()
    prompt, previous, enrolment = row if row is not None else (None, None, None)
    if prompt is None or prompt.participant_id != participant_id:
        await require_participant(session, participant_id)
        raise not_found("pair")
    _keep_enrolment(session, enrolment)
    _item, consultation = await _item_in_open_consultation(session, prompt.item_id)
    after_skip = previous == "skip" and body.outcome != "skip"
    # The token is single-use: only the update that finds it unanswered counts.
    result = await session.execute(_ANSWER_PAIR, {"pair_token": token, "new_outcome": body.outcome,
                                                  "new_reason": body.reason, "new_after_skip": after_skip,
                                                  "now": utcnow()})
    if result.rowcount == 1:
        # Ours is the answer that counted; the prompt row now holds exactly these values.
        for name, value in (("outcome", body.outcome), ("reason", body.reason), ("after_skip", after_skip)):
            set_committed_value(prompt, name, value)  # no refresh query, and nothing left to flush
        after_commit(session, lambda: selection.pair_answered(session, prompt))
        return schemas.PairAnswerOut(token=token, outcome=body.outcome, after_skip=after_skip, created=True,
                                     counted=_counts(body.outcome, after_skip))
    await session.refresh(prompt)
    if prompt.outcome == body.outcome:
        return schemas.PairAnswerOut(token=token, outcome=prompt.outcome, after_skip=prompt.after_skip,
                                     created=False, counted=_counts(prompt.outcome, prompt.after_skip))
    raise conflict("already_answered", "this pair was already answered", outcome=prompt.outcome)


__all__ = ["ApiError", "next_screen", "record_answer", "record_vote", "record_pair", "brief"]


async def set_awaiting(session: AsyncSession, participant_id: str, consultation: Consultation,
                       awaiting: str | None) -> None:
    """Remember what typed text the participant's next message answers (a proposal, a place comment)."""
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        raise conflict("no_consent", "the participant has not consented to this consultation")
    if awaiting is not None:
        kind, _, ident = awaiting.partition(":")
        target = await session.get(Item, int(ident))
        if target is None or target.consultation_id != consultation.id:
            raise not_found("item")
        if kind == "proposal" and not (target.kind in ("proposal", "pairs")
                                       and target.config.get("allow_citizen_proposals")):
            raise bad_request("proposals_closed", f"item {target.key!r} does not take citizen proposals")
        if kind == "comment" and target.kind != "place":
            raise bad_request("no_comment", f"item {target.key!r} is not a place item")
    enrolment.awaiting = awaiting
    await session.commit()


async def comment_place(session: AsyncSession, participant_id: str, item_id: int, text: str) -> schemas.AnswerOut:
    item, consultation = await _item_in_open_consultation(session, item_id)
    answer = (await session.execute(select(Answer).where(Answer.participant_id == participant_id,
                                                         Answer.item_id == item.id))).scalar_one_or_none()
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


async def submit_proposal(session: AsyncSession, participant_id: str,
                          body: schemas.ProposalIn) -> schemas.SubmittedProposalOut:
    """A citizen's own proposal: checked for length and exact duplicates, then queued for moderation."""
    item, consultation = await _item_in_open_consultation(session, body.item_id)
    await _require_consent(session, participant_id, consultation)
    if item.kind not in ("proposal", "pairs") or not item.config.get("allow_citizen_proposals"):
        raise bad_request("proposals_closed", f"item {item.key!r} does not take citizen proposals")
    text = " ".join(clean_text(body.text).split())
    # The minimum counts what a reader sees: 15 zero-width spaces (format characters, Unicode category Cf)
    # are not a 15-character idea. The maximum counts everything stored.
    visible = visible_length(text)
    if visible < PROPOSAL_MIN or len(text) > PROPOSAL_MAX:
        length = visible if visible < PROPOSAL_MIN else len(text)
        raise bad_request("invalid_length", f"a proposal has {PROPOSAL_MIN} to {PROPOSAL_MAX} characters "
                                            f"(this one has {length})",
                          min=PROPOSAL_MIN, max=PROPOSAL_MAX, length=length)
    normalized = normalize_proposal(text)
    pool = (await session.execute(select(Proposal).where(Proposal.item_id == item.id,
                                                         Proposal.status != "rejected"))).scalars()
    for existing in pool:
        if normalized in {existing.normalized, *(normalize_proposal(t) for t in existing.text.values())}:
            raise conflict("duplicate", "this proposal is already in the consultation", proposal_id=existing.id,
                           text=localized(existing.text, body.language, consultation.default_language),
                           proposal_status=existing.status)
    proposal = Proposal(item_id=item.id, text={body.language: text}, status="pending", normalized=normalized,
                        author_id=participant_id)
    session.add(proposal)
    enrolment = await enrolment_of(session, participant_id, consultation.id)
    enrolment.awaiting = None
    await session.commit()
    return schemas.SubmittedProposalOut(id=proposal.id, status=proposal.status, text=text)
