"""The partner exports' definitions: which rows each export reads and which columns it writes (the answers
export in viche's own columns, Polis' and All Our Ideas' open-data tables), with the participant's pseudonym and
the attributes the disclosure rule lets a row carry. They stream through :mod:`api.partner.export_stream`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.errors import bad_request
from api.partner import formats
from api.partner.export_stream import (
    ANSWER,
    BATCH_SIZE,
    PAIR,
    VOTE,
    Cursor,
    Export,
    Row,
    Run,
    csv_chunks,
    jsonl_chunks,
    plan_end,
    stream_rows,
)
from api.partner.pseudonym import Pseudonymizer, secret_for
from storage.db import Database, is_sqlite
from storage.models import Consultation, Enrolment, Item, Option, PairPrompt, Participant, Proposal, ProposalVote
from storage.models_partner import ImportedRef

PAIR_KINDS = ("pairs",)
VOTE_KINDS = ("proposal",)


# --- what a consultation holds -----------------------------------------------------------------


@dataclass
class Scope:
    consultation_id: int
    slug: str
    language: str
    items: dict[int, Item]
    options: dict[int, str]
    proposals: dict[int, dict[str, Any]] = field(default_factory=dict)

    def item_ids(self, kinds: Iterable[str] | None = None, key: str | None = None) -> list[int]:
        kinds = tuple(kinds) if kinds is not None else None
        return [
            i.id for i in self.items.values() if (kinds is None or i.kind in kinds) and (key is None or i.key == key)
        ]


def partner_visible_proposal() -> Any:
    """The proposals partners read: accepted ones. A pending citizen proposal is unmoderated text, a rejected
    one was refused (abuse, someone's personal data): neither leaves viche, in any export."""
    return Proposal.status == "accepted"


async def load_scope(session: AsyncSession, consultation: Consultation, *, proposals_of: tuple[str, ...] = ()) -> Scope:
    items = (
        (await session.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )
    item_ids = [i.id for i in items]
    options = (
        {}
        if not item_ids
        else dict((await session.execute(select(Option.id, Option.key).where(Option.item_id.in_(item_ids)))).all())
    )
    scope = Scope(consultation.id, consultation.slug, consultation.default_language, {i.id: i for i in items}, options)
    wanted = scope.item_ids(proposals_of) if proposals_of else []
    if wanted:
        rows = await session.execute(
            select(
                Proposal.id, Proposal.item_id, Proposal.text, Proposal.status, Proposal.author_id, Proposal.created_at
            )
            .where(Proposal.item_id.in_(wanted), partner_visible_proposal())
            .order_by(Proposal.id)
        )
        scope.proposals = {
            r.id: {
                "item_id": r.item_id,
                "text": formats.text_of(r.text, scope.language),
                "status": r.status,
                "author_id": r.author_id,
                "created_at": r.created_at,
            }
            for r in rows
        }
    return scope


# --- the exports -------------------------------------------------------------------------------


async def _prepare(
    db: Database, consultation: Consultation, settings: object | None, proposals_of: tuple[str, ...] = ()
) -> tuple[Scope, Pseudonymizer]:
    async with db.session() as session:
        scope = await load_scope(session, consultation, proposals_of=proposals_of)
        secret = await secret_for(session, settings)
    return scope, Pseudonymizer(secret, consultation.slug)


def _segment_join(statement, participant_column, consultation_id: int):
    return statement.join(Participant, Participant.id == participant_column).outerjoin(
        Enrolment, and_(Enrolment.participant_id == participant_column, Enrolment.consultation_id == consultation_id)
    )


SEGMENT_SELECT = (Participant.age_band, Participant.country, Participant.region, Participant.language, Enrolment.source)
"""The participant's attributes, in :data:`api.disclosure.ATTRIBUTES` order (the export's columns)."""


async def disclosure_plan(session: AsyncSession, consultation: Consultation) -> disclosure.Plan:
    """Which attributes each row may carry: :func:`api.disclosure.plan` over the participants who have rows in
    the answers export (consented, with an answer, a vote or an answered pair), counted per combination."""
    rows = await session.execute(
        select(*SEGMENT_SELECT, func.count())
        .select_from(Enrolment)
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(
            Enrolment.consultation_id == consultation.id,
            Enrolment.consented_at.is_not(None),
            disclosure.contributed(consultation.id),
        )
        .group_by(*SEGMENT_SELECT)
    )
    return disclosure.plan({tuple(r[:-1]): int(r[-1]) for r in rows.all()}, disclosure.threshold(consultation))


async def answers_export(
    db: Database,
    consultation: Consultation,
    *,
    fmt: str,
    after: str | None = None,
    limit: int | None = None,
    settings: object | None = None,
    batch_size: int = BATCH_SIZE,
) -> Export:
    """Every answer, vote and answered pair, with the participant's pseudonym and the attributes the disclosure
    rule lets the row carry (:mod:`api.disclosure`: values, "(other)", "(withheld)").

    Rows are tuples in ``formats.ANSWER_COLUMNS`` order.
    """
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings)
    question_ids = [i for i, item in scope.items.items() if item.kind not in VOTE_KINDS + PAIR_KINDS]
    lite = is_sqlite(db.url)
    answers, votes, pairs = (
        Run(ANSWER, question_ids, sqlite=lite),
        Run(VOTE, scope.item_ids(VOTE_KINDS), sqlite=lite),
        Run(PAIR, scope.item_ids(PAIR_KINDS), sqlite=lite),
    )
    cid = scope.consultation_id
    items = {i: (item.key, item.kind) for i, item in scope.items.items()}
    options, iso = scope.options, formats.iso
    async with db.session() as session:
        released = (await disclosure_plan(session, consultation)).row

    def answer_statement(b):
        statement = select(
            b.c.id, b.c.participant_id, b.c.item_id, b.c.option_id, b.c.value, b.c.created_at, *SEGMENT_SELECT
        ).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def answer_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[2]]
        value = formats.option_keys(r[4], options) if kind in formats.OPTION_LIST_KINDS else r[4]
        return (
            answers.encode(position, r),
            ANSWER,
            key,
            kind,
            pseudonym(r[1]),
            *released(r[6:11]),
            options.get(r[3]),
            value,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            iso(r[5]),
        )

    def vote_statement(b):
        statement = select(
            b.c.id,
            b.c.participant_id,
            b.c.item_id,
            b.c.proposal_id,
            b.c.choice,
            b.c.qualification,
            b.c.created_at,
            *SEGMENT_SELECT,
        ).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def vote_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[2]]
        return (
            votes.encode(position, r),
            VOTE,
            key,
            kind,
            pseudonym(r[1]),
            *released(r[7:12]),
            None,
            None,
            r[3],
            r[4],
            r[5],
            None,
            None,
            None,
            None,
            None,
            iso(r[6]),
        )

    def pair_statement(b):
        statement = select(
            b.c.answered_at,
            b.c.token,
            b.c.participant_id,
            b.c.item_id,
            b.c.left_id,
            b.c.right_id,
            b.c.outcome,
            b.c.reason,
            b.c.after_skip,
            *SEGMENT_SELECT,
        ).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def pair_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[3]]
        return (
            pairs.encode(position, r),
            PAIR,
            key,
            kind,
            pseudonym(r[2]),
            *released(r[9:14]),
            None,
            None,
            None,
            None,
            None,
            r[4],
            r[5],
            r[6],
            r[7],
            bool(r[8]),
            iso(r[0]),
        )

    async with db.session() as session:
        end = await plan_end(session, [answers, votes, pairs], start, limit)
    batches = stream_rows(
        db,
        [(answers, answer_statement, answer_row), (votes, vote_statement, vote_row), (pairs, pair_statement, pair_row)],
        start,
        end,
        batch_size,
    )
    if fmt == "jsonl":
        return Export(jsonl_chunks(formats.ANSWER_COLUMNS, batches), end.encode())
    return Export(csv_chunks(formats.ANSWER_COLUMNS, batches, structured=("value", "after_skip")), end.encode())


def _pick_items(scope: Scope, kinds: tuple[str, ...], key: str | None) -> list[int]:
    ids = scope.item_ids(kinds, key)
    if key is not None and not ids:
        raise bad_request("unknown_item", f"this consultation has no {'/'.join(kinds)} item {key!r}")
    return ids


async def polis_votes_export(
    db: Database,
    consultation: Consultation,
    *,
    item: str | None = None,
    after: str | None = None,
    limit: int | None = None,
    settings: object | None = None,
    batch_size: int = BATCH_SIZE,
) -> Export:
    """Agree/disagree/pass votes in the columns of Polis' open-data ``votes.csv``."""
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings)
    run = Run(VOTE, _pick_items(scope, VOTE_KINDS, item), sqlite=is_sqlite(db.url))
    value = formats.POLIS_VOTE

    def statement(b):
        return select(b.c.id, b.c.participant_id, b.c.proposal_id, b.c.choice, b.c.created_at)

    def row(r: Any, _: Cursor) -> Row:
        return (formats.epoch_ms(r[4]), formats.polis_time(r[4]), r[2], pseudonym(r[1]), value.get(r[3], 0))

    async with db.session() as session:
        end = await plan_end(session, [run], start, limit)
    batches = stream_rows(db, [(run, statement, row)], start, end, batch_size)
    return Export(csv_chunks(formats.POLIS_VOTES_COLUMNS, batches), end.encode())


async def aoi_votes_export(
    db: Database,
    consultation: Consultation,
    *,
    item: str | None = None,
    non_votes: bool = False,
    after: str | None = None,
    limit: int | None = None,
    settings: object | None = None,
    batch_size: int = BATCH_SIZE,
) -> Export:
    """Pairwise votes (or, with ``non_votes``, "can't decide" and skips) in All Our Ideas' columns."""
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=PAIR_KINDS)
    outcomes = ("cant_decide", "skip") if non_votes else ("left", "right")
    run = Run(PAIR, _pick_items(scope, PAIR_KINDS, item), [PairPrompt.outcome.in_(outcomes)], sqlite=is_sqlite(db.url))
    texts = {pid: p["text"] for pid, p in scope.proposals.items()}
    tail = ("NA", scope.slug, "NA", "NA", "FALSE", "NA")  # hashed IP, URL alias, user agent, referrer, widget, info

    def statement(b):
        return select(
            b.c.answered_at,
            b.c.token,
            b.c.participant_id,
            b.c.item_id,
            b.c.left_id,
            b.c.right_id,
            b.c.outcome,
            b.c.reason,
            b.c.served_at,
        )

    def timing(r: Any) -> tuple[str, Any, str]:
        at = formats.aoi_time(r[0])
        seconds = (formats.utc(r[0]) - formats.utc(r[8])).total_seconds()
        return (at, round(seconds, 3), "") if seconds > 0 else (at, "NA", "no_data")

    def vote_row(r: Any, _: Cursor) -> Row:
        left, right = r[4], r[5]
        winner, loser = (left, right) if r[6] == "left" else (right, left)
        at, seconds, missing = timing(r)
        return (
            r[1],
            pseudonym(r[2]),
            r[3],
            winner,
            texts.get(winner, ""),
            loser,
            texts.get(loser, ""),
            f"{left}-{right}",
            r[1],
            left,
            right,
            at,
            at,
            seconds,
            missing,
            "TRUE",
            *tail,
        )

    def skip_row(r: Any, _: Cursor) -> Row:
        left, right = r[4], r[5]
        at, seconds, missing = timing(r)
        reason = r[7] or ("I can't decide" if r[6] == "cant_decide" else "skip")
        return (
            "Skip",
            r[1],
            r[1],
            pseudonym(r[2]),
            r[3],
            left,
            texts.get(left, ""),
            right,
            texts.get(right, ""),
            f"{left}-{right}",
            reason,
            at,
            at,
            seconds,
            missing,
            "TRUE",
            *tail,
        )

    async with db.session() as session:
        end = await plan_end(session, [run], start, limit)
    batches = stream_rows(db, [(run, statement, skip_row if non_votes else vote_row)], start, end, batch_size)
    columns = formats.AOI_NON_VOTES_COLUMNS if non_votes else formats.AOI_VOTES_COLUMNS
    return Export(csv_chunks(columns, batches), end.encode())


# --- per-proposal tables (one row per proposal: small, built at once) ----------------------------


async def aoi_idea_counts(session: AsyncSession, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per proposal of pairs items: wins, losses, can't-decides, appearances per side, last activity."""
    counts: dict[int, dict[str, Any]] = {}
    if not item_ids:
        return counts
    for side, column in (("left", PairPrompt.left_id), ("right", PairPrompt.right_id)):
        rows = await session.execute(
            select(column, PairPrompt.outcome, func.count(), func.max(PairPrompt.answered_at))
            .where(PairPrompt.item_id.in_(item_ids))
            .group_by(column, PairPrompt.outcome)
        )
        for proposal_id, outcome, n, last in rows.all():
            entry = counts.setdefault(
                proposal_id, {"wins": 0, "losses": 0, "cant_decide": 0, "left": 0, "right": 0, "last": None}
            )
            entry[side] += n
            if outcome == side:
                entry["wins"] += n
            elif outcome in ("left", "right"):
                entry["losses"] += n
            elif outcome in ("cant_decide", "skip"):
                entry["cant_decide"] += n
            if last is not None and (entry["last"] is None or last > entry["last"]):
                entry["last"] = last
    return counts


async def aoi_ideas_table(
    db: Database, consultation: Consultation, *, item: str | None = None, settings: object | None = None
) -> list[Row]:
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=PAIR_KINDS)
    item_ids = _pick_items(scope, PAIR_KINDS, item)
    async with db.session() as session:
        counts = await aoi_idea_counts(session, item_ids)
        # Ideas an imported All Our Ideas survey had deactivated (they stay in the pool; see viche.importers.aoi).
        inactive = set(
            (
                await session.execute(
                    select(ImportedRef.local_id).where(
                        ImportedRef.consultation_id == scope.consultation_id, ImportedRef.kind == "inactive"
                    )
                )
            ).scalars()
        )
    rows = []
    for proposal_id, proposal in scope.proposals.items():
        if proposal["item_id"] not in item_ids:
            continue
        c = counts.get(proposal_id, {"wins": 0, "losses": 0, "cant_decide": 0, "left": 0, "right": 0, "last": None})
        rows.append(
            {
                "Wikisurvey ID": proposal["item_id"],
                "Idea ID": proposal_id,
                "Idea Text": proposal["text"],
                "Wins": c["wins"],
                "Losses": c["losses"],
                "Times involved in Cant Decide": c["cant_decide"],
                "Score": str(formats.aoi_score(c["wins"], c["losses"])),
                "User Submitted": formats.aoi_bool(proposal["author_id"] is not None),
                "Session ID": pseudonym(proposal["author_id"]) if proposal["author_id"] else "",
                "Created at": formats.aoi_time(proposal["created_at"]),
                "Last Activity": formats.aoi_time(c["last"] or proposal["created_at"]),
                "Active": formats.aoi_bool(proposal["status"] == "accepted" and str(proposal_id) not in inactive),
                "Appearances on Left": c["left"],
                "Appearances on Right": c["right"],
                "Info": "NA",
            }
        )
    return rows


async def polis_comments_table(
    db: Database, consultation: Consultation, *, item: str | None = None, settings: object | None = None
) -> list[Row]:
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=VOTE_KINDS)
    item_ids = _pick_items(scope, VOTE_KINDS, item)
    tallies: dict[int, dict[str, int]] = {}
    if item_ids:
        async with db.session() as session:
            rows = await session.execute(
                select(
                    ProposalVote.proposal_id,
                    func.sum(case((ProposalVote.choice == "agree", 1), else_=0)),
                    func.sum(case((ProposalVote.choice == "disagree", 1), else_=0)),
                )
                .where(ProposalVote.item_id.in_(item_ids))
                .group_by(ProposalVote.proposal_id)
            )
            tallies = {pid: {"agrees": int(a or 0), "disagrees": int(d or 0)} for pid, a, d in rows.all()}
    out = []
    for proposal_id, proposal in scope.proposals.items():
        if proposal["item_id"] not in item_ids:
            continue
        tally = tallies.get(proposal_id, {"agrees": 0, "disagrees": 0})
        out.append(
            {
                "timestamp": formats.epoch_ms(proposal["created_at"]),
                "datetime": formats.polis_time(proposal["created_at"]),
                "comment-id": proposal_id,
                "author-id": pseudonym(proposal["author_id"]) if proposal["author_id"] else "",
                **tally,
                "moderated": formats.POLIS_MODERATED.get(proposal["status"], 0),
                "comment-body": proposal["text"],
            }
        )
    return out
