"""Streamed exports: constant memory whatever the size of the consultation.

Rows are read in keyset-paginated batches (``BATCH_SIZE`` rows in key order, a short connection per batch,
nothing kept from one batch to the next but the position), formatted, and sent as one chunk per batch;
the next batch is read while one is sent, so at most two are in memory.

A consultation's rows come in three runs: answers (by id), then proposal votes (by id), then answered
pairs (by answered time and token). A cursor holds the position in all three, so syncing with
``after=<cursor>`` never misses a row that arrived in an earlier run. Every export is bounded when it
starts: it sends the rows up to the position it reports in ``X-Next-Cursor`` (all rows, or ``limit``),
so rows written meanwhile come with the next sync.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.errors import bad_request
from api.partner import formats
from api.partner.pseudonym import Pseudonymizer, secret_for
from storage.db import Database, is_sqlite
from storage.models import Answer, Consultation, Enrolment, Item, Option, PairPrompt, Participant, Proposal, ProposalVote
from storage.models_partner import ImportedRef

BATCH_SIZE = 5000
ANSWER, VOTE, PAIR = "answer", "vote", "pair"
PAIR_KINDS = ("pairs",)
VOTE_KINDS = ("proposal",)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- cursors -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """Where an export stopped: last answer id, last vote id, last answered pair (time, token)."""

    answer: int = 0
    vote: int = 0
    pair_us: int | None = None  # answered_at in microseconds since the epoch
    pair_token: str = ""

    def encode(self) -> str:
        return encode_cursor(self.answer, self.vote, self.pair_us, self.pair_token)

    @classmethod
    def decode(cls, text: str | None) -> "Cursor":
        if not text:
            return cls()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            version, answer, vote, pair_us, token = raw.split("|", 4)
            if version != "1":
                raise ValueError(version)
            cursor = cls(int(answer), int(vote), int(pair_us) if pair_us else None, token)
            if not (0 <= cursor.answer < 2**63 and 0 <= cursor.vote < 2**63) or len(token) > 24 \
                    or (cursor.pair_us is None and token):
                raise ValueError(text)
            _ = cursor.pair_at  # a time datetime can hold
            return cursor
        except (ValueError, OverflowError, OSError, binascii.Error, UnicodeDecodeError):
            raise bad_request("invalid_cursor", "this cursor was not made by this API (use X-Next-Cursor or a "
                                                "row's cursor)") from None

    @property
    def pair_at(self) -> datetime | None:
        return None if self.pair_us is None else _from_us(self.pair_us)


def encode_cursor(answer: int, vote: int, pair_us: int | None, pair_token: str) -> str:
    raw = f"1|{answer}|{vote}|{'' if pair_us is None else pair_us}|{pair_token}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _us(moment: datetime) -> int:
    delta = formats.utc(moment) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(value: int) -> datetime:
    seconds, micro = divmod(value, 1_000_000)
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=micro)


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
        return [i.id for i in self.items.values()
                if (kinds is None or i.kind in kinds) and (key is None or i.key == key)]


def partner_visible_proposal() -> Any:
    """The proposals partners read: accepted ones. A pending citizen proposal is unmoderated text, a rejected
    one was refused (abuse, someone's personal data): neither leaves viche, in any export."""
    return Proposal.status == "accepted"


async def load_scope(session: AsyncSession, consultation: Consultation, *, proposals_of: tuple[str, ...] = ()) -> Scope:
    items = (await session.execute(select(Item).where(Item.consultation_id == consultation.id)
                                   .order_by(Item.position))).scalars().all()
    item_ids = [i.id for i in items]
    options = {} if not item_ids else dict((await session.execute(
        select(Option.id, Option.key).where(Option.item_id.in_(item_ids)))).all())
    scope = Scope(consultation.id, consultation.slug, consultation.default_language, {i.id: i for i in items},
                  options)
    wanted = scope.item_ids(proposals_of) if proposals_of else []
    if wanted:
        rows = await session.execute(select(Proposal.id, Proposal.item_id, Proposal.text, Proposal.status,
                                            Proposal.author_id, Proposal.created_at)
                                     .where(Proposal.item_id.in_(wanted), partner_visible_proposal())
                                     .order_by(Proposal.id))
        scope.proposals = {r.id: {"item_id": r.item_id, "text": formats.text_of(r.text, scope.language),
                                  "status": r.status, "author_id": r.author_id, "created_at": r.created_at}
                           for r in rows}
    return scope


# --- the three runs ----------------------------------------------------------------------------

@dataclass
class Run:
    """One table's rows of the export, in keyset order, between two cursor positions."""

    name: str
    item_ids: list[int]
    where: list[Any] = field(default_factory=list)
    sqlite: bool = False

    @property
    def table(self):  # noqa: ANN201
        return {ANSWER: Answer, VOTE: ProposalVote, PAIR: PairPrompt}[self.name]

    def keys(self) -> list[Any]:
        if self.name == PAIR:
            return [PairPrompt.answered_at, PairPrompt.token]
        return [self.table.id]

    def filters(self) -> list[Any]:
        # SQLite, which plans without statistics, would read the rows of the item_id index and sort them
        # on every batch: "item_id + 0" keeps it walking the key order, which is linear. PostgreSQL
        # chooses with its statistics, so it gets the plain column.
        item = self.table.item_id + 0 if self.sqlite else self.table.item_id
        clauses = [item.in_(self.item_ids), *self.where]
        if self.name == PAIR:
            clauses.append(PairPrompt.answered_at.is_not(None))
        return clauses

    def after(self, cursor: Cursor) -> Any | None:
        if self.name == ANSWER:
            return Answer.id > cursor.answer
        if self.name == VOTE:
            return ProposalVote.id > cursor.vote
        if cursor.pair_us is None:
            return None
        at = cursor.pair_at
        return or_(PairPrompt.answered_at > at, and_(PairPrompt.answered_at == at, PairPrompt.token > cursor.pair_token))

    def upto(self, cursor: Cursor) -> Any:
        if self.name == ANSWER:
            return Answer.id <= cursor.answer
        if self.name == VOTE:
            return ProposalVote.id <= cursor.vote
        if cursor.pair_us is None:
            return PairPrompt.token.is_(None)  # nothing
        at = cursor.pair_at
        return or_(PairPrompt.answered_at < at, and_(PairPrompt.answered_at == at, PairPrompt.token <= cursor.pair_token))

    def window(self, start: Cursor, end: Cursor | None = None) -> list[Any]:
        clauses = self.filters()
        lower = self.after(start)
        if lower is not None:
            clauses.append(lower)
        if end is not None:
            clauses.append(self.upto(end))
        return clauses

    def encode(self, cursor: Cursor, record: Any) -> str:
        """The cursor just after ``record`` (a row of this run whose first columns are the keys)."""
        if self.name == ANSWER:
            return encode_cursor(record[0], cursor.vote, cursor.pair_us, cursor.pair_token)
        if self.name == VOTE:
            return encode_cursor(cursor.answer, record[0], cursor.pair_us, cursor.pair_token)
        return encode_cursor(cursor.answer, cursor.vote, _us(record[0]), record[1])

    def moved(self, cursor: Cursor, key: tuple) -> Cursor:
        if self.name == ANSWER:
            return replace(cursor, answer=key[0])
        if self.name == VOTE:
            return replace(cursor, vote=key[0])
        return replace(cursor, pair_us=_us(key[0]), pair_token=key[1])


async def plan_end(session: AsyncSession, runs: list[Run], start: Cursor, limit: int | None) -> Cursor:
    """The position after the last row this export will send: every row now there, or ``limit`` rows."""
    end, remaining = start, limit
    for run in runs:
        if not run.item_ids:
            continue
        if remaining == 0:
            break
        ordered = select(*run.keys()).where(*run.window(start)).order_by(*run.keys())
        if remaining is None:
            last = (await session.execute(ordered.order_by(None).order_by(*[k.desc() for k in run.keys()])
                                          .limit(1))).first()
            if last is not None:
                end = run.moved(end, tuple(last))
            continue
        nth = (await session.execute(ordered.offset(remaining - 1).limit(1))).first()
        if nth is not None:
            return run.moved(end, tuple(nth))
        count = int(await session.scalar(select(func.count()).select_from(run.table).where(*run.window(start))) or 0)
        if count:
            last = (await session.execute(ordered.order_by(None).order_by(*[k.desc() for k in run.keys()])
                                          .limit(1))).first()
            end = run.moved(end, tuple(last))
            remaining -= count
    return end


Row = tuple
RowMaker = Callable[[Any, Cursor], Row]
Statement = Callable[[Any], Any]  # the batch subquery → the select that reads it


async def stream_rows(db: Database, runs: list[tuple[Run, Statement, RowMaker]], start: Cursor,
                      end: Cursor, batch_size: int = BATCH_SIZE) -> AsyncIterator[list[Row]]:
    """Batches of rows from ``start`` (exclusive) to ``end`` (inclusive), one short connection per batch.

    ``statement`` selects from the batch (a subquery of the run's table, its columns by name) the columns a
    row maker wants, keys first; a row maker gets that database row and the cursor before its batch
    (``Run.encode`` makes the row's own). While a batch is formatted and sent, the next one is already
    being read: at most two batches are in memory.
    """

    async def fetch(run: Run, statement: Statement, position: Cursor) -> list[Any]:
        # The batch is chosen in the run's table alone, then joined: the joins never see more rows.
        batch = (select(run.table.__table__).where(*run.window(position, end)).order_by(*run.keys())
                 .limit(batch_size).subquery("batch"))
        query = statement(batch).order_by(*[batch.c[key.key] for key in run.keys()])
        async with db.engine.connect() as connection:
            return (await connection.execute(query)).all()

    position = start
    for run, statement, make in runs:
        if not run.item_ids:
            continue
        key_count = len(run.keys())
        pending: asyncio.Task | None = asyncio.ensure_future(fetch(run, statement, position))
        try:
            while pending is not None:
                result = await pending
                pending = None
                if not result:
                    break
                before = position
                position = run.moved(position, tuple(result[-1][:key_count]))
                if len(result) == batch_size:
                    pending = asyncio.ensure_future(fetch(run, statement, position))
                yield [make(record, before) for record in result]
        finally:
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        # The next run starts from its own start position, which ``position`` still holds.


# --- formatting --------------------------------------------------------------------------------

async def csv_chunks(columns: list[str], batches: AsyncIterator[list[Row]],
                     structured: tuple[str, ...] = ()) -> AsyncIterator[bytes]:
    """CSV: the header, then one chunk per batch. ``structured`` columns are written as JSON; text that starts
    like a spreadsheet formula gets a leading ``'`` (``formats.csv_safe``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    convert = [columns.index(c) for c in structured]
    cell = formats.csv_value
    async for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        if convert:
            rows = [list(row) for row in rows]
            for row in rows:
                for i in convert:
                    row[i] = cell(row[i])
        writer.writerows(map(formats.csv_safe_row, rows))
        yield buffer.getvalue().encode()


async def jsonl_chunks(columns: list[str], batches: AsyncIterator[list[Row]]) -> AsyncIterator[bytes]:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    async for rows in batches:
        yield "".join([dumps(dict(zip(columns, row))) + "\n" for row in rows]).encode()


# --- the exports -------------------------------------------------------------------------------

@dataclass
class Export:
    """What a route streams: the chunks, and the cursor to continue from."""

    chunks: AsyncIterator[bytes]
    next_cursor: str


async def _prepare(db: Database, consultation: Consultation, settings: object | None,
                   proposals_of: tuple[str, ...] = ()) -> tuple[Scope, Pseudonymizer]:
    async with db.session() as session:
        scope = await load_scope(session, consultation, proposals_of=proposals_of)
        secret = await secret_for(session, settings)
    return scope, Pseudonymizer(secret, consultation.slug)


def _segment_join(statement, participant_column, consultation_id: int):  # noqa: ANN001, ANN202
    return (statement.join(Participant, Participant.id == participant_column)
            .outerjoin(Enrolment, and_(Enrolment.participant_id == participant_column,
                                       Enrolment.consultation_id == consultation_id)))


SEGMENT_SELECT = (Participant.age_band, Participant.country, Participant.region, Participant.language,
                  Enrolment.source)
"""The participant's attributes, in :data:`api.disclosure.ATTRIBUTES` order (the export's columns)."""


async def disclosure_plan(session: AsyncSession, consultation: Consultation) -> disclosure.Plan:
    """Which attributes each row may carry: :func:`api.disclosure.plan` over the participants who have rows in
    the answers export (consented, with an answer, a vote or an answered pair), counted per combination."""
    rows = await session.execute(
        select(*SEGMENT_SELECT, func.count()).select_from(Enrolment)
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.consultation_id == consultation.id, Enrolment.consented_at.is_not(None),
               disclosure.contributed(consultation.id))
        .group_by(*SEGMENT_SELECT))
    return disclosure.plan({tuple(r[:-1]): int(r[-1]) for r in rows.all()}, disclosure.threshold(consultation))


async def answers_export(db: Database, consultation: Consultation, *, fmt: str, after: str | None = None,
                         limit: int | None = None, settings: object | None = None,
                         batch_size: int = BATCH_SIZE) -> Export:
    """Every answer, vote and answered pair, with the participant's pseudonym and the attributes the disclosure
    rule lets the row carry (:mod:`api.disclosure`: values, "(other)", "(withheld)").

    Rows are tuples in ``formats.ANSWER_COLUMNS`` order.
    """
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings)
    question_ids = [i for i, item in scope.items.items() if item.kind not in VOTE_KINDS + PAIR_KINDS]
    lite = is_sqlite(db.url)
    answers, votes, pairs = (Run(ANSWER, question_ids, sqlite=lite), Run(VOTE, scope.item_ids(VOTE_KINDS), sqlite=lite),
                             Run(PAIR, scope.item_ids(PAIR_KINDS), sqlite=lite))
    cid = scope.consultation_id
    items = {i: (item.key, item.kind) for i, item in scope.items.items()}
    options, iso = scope.options, formats.iso
    async with db.session() as session:
        released = (await disclosure_plan(session, consultation)).row

    def answer_statement(b):  # noqa: ANN001, ANN202
        statement = select(b.c.id, b.c.participant_id, b.c.item_id, b.c.option_id, b.c.value, b.c.created_at,
                           *SEGMENT_SELECT).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def answer_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[2]]
        value = formats.option_keys(r[4], options) if kind in formats.OPTION_LIST_KINDS else r[4]
        return (answers.encode(position, r), ANSWER, key, kind, pseudonym(r[1]), *released(r[6:11]),
                options.get(r[3]), value, None, None, None, None, None, None, None, None, iso(r[5]))

    def vote_statement(b):  # noqa: ANN001, ANN202
        statement = select(b.c.id, b.c.participant_id, b.c.item_id, b.c.proposal_id, b.c.choice, b.c.qualification,
                           b.c.created_at, *SEGMENT_SELECT).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def vote_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[2]]
        return (votes.encode(position, r), VOTE, key, kind, pseudonym(r[1]), *released(r[7:12]),
                None, None, r[3], r[4], r[5], None, None, None, None, None, iso(r[6]))

    def pair_statement(b):  # noqa: ANN001, ANN202
        statement = select(b.c.answered_at, b.c.token, b.c.participant_id, b.c.item_id, b.c.left_id, b.c.right_id,
                           b.c.outcome, b.c.reason, b.c.after_skip, *SEGMENT_SELECT).select_from(b)
        return _segment_join(statement, b.c.participant_id, cid)

    def pair_row(r: Any, position: Cursor) -> Row:
        key, kind = items[r[3]]
        return (pairs.encode(position, r), PAIR, key, kind, pseudonym(r[2]), *released(r[9:14]),
                None, None, None, None, None, r[4], r[5], r[6], r[7], bool(r[8]), iso(r[0]))

    async with db.session() as session:
        end = await plan_end(session, [answers, votes, pairs], start, limit)
    batches = stream_rows(db, [(answers, answer_statement, answer_row), (votes, vote_statement, vote_row),
                               (pairs, pair_statement, pair_row)], start, end, batch_size)
    if fmt == "jsonl":
        return Export(jsonl_chunks(formats.ANSWER_COLUMNS, batches), end.encode())
    return Export(csv_chunks(formats.ANSWER_COLUMNS, batches, structured=("value", "after_skip")), end.encode())


def _pick_items(scope: Scope, kinds: tuple[str, ...], key: str | None) -> list[int]:
    ids = scope.item_ids(kinds, key)
    if key is not None and not ids:
        raise bad_request("unknown_item", f"this consultation has no {'/'.join(kinds)} item {key!r}")
    return ids


async def polis_votes_export(db: Database, consultation: Consultation, *, item: str | None = None,
                             after: str | None = None, limit: int | None = None, settings: object | None = None,
                             batch_size: int = BATCH_SIZE) -> Export:
    """Agree/disagree/pass votes in the columns of Polis' open-data ``votes.csv``."""
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings)
    run = Run(VOTE, _pick_items(scope, VOTE_KINDS, item), sqlite=is_sqlite(db.url))
    value = formats.POLIS_VOTE

    def statement(b):  # noqa: ANN001, ANN202
        return select(b.c.id, b.c.participant_id, b.c.proposal_id, b.c.choice, b.c.created_at)

    def row(r: Any, _: Cursor) -> Row:
        return (formats.epoch_ms(r[4]), formats.polis_time(r[4]), r[2], pseudonym(r[1]), value.get(r[3], 0))

    async with db.session() as session:
        end = await plan_end(session, [run], start, limit)
    batches = stream_rows(db, [(run, statement, row)], start, end, batch_size)
    return Export(csv_chunks(formats.POLIS_VOTES_COLUMNS, batches), end.encode())


async def aoi_votes_export(db: Database, consultation: Consultation, *, item: str | None = None,
                           non_votes: bool = False, after: str | None = None, limit: int | None = None,
                           settings: object | None = None, batch_size: int = BATCH_SIZE) -> Export:
    """Pairwise votes (or, with ``non_votes``, "can't decide" and skips) in All Our Ideas' columns."""
    start = Cursor.decode(after)
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=PAIR_KINDS)
    outcomes = ("cant_decide", "skip") if non_votes else ("left", "right")
    run = Run(PAIR, _pick_items(scope, PAIR_KINDS, item), [PairPrompt.outcome.in_(outcomes)], sqlite=is_sqlite(db.url))
    texts = {pid: p["text"] for pid, p in scope.proposals.items()}
    tail = ("NA", scope.slug, "NA", "NA", "FALSE", "NA")  # hashed IP, URL alias, user agent, referrer, widget, info

    def statement(b):  # noqa: ANN001, ANN202
        return select(b.c.answered_at, b.c.token, b.c.participant_id, b.c.item_id, b.c.left_id, b.c.right_id,
                      b.c.outcome, b.c.reason, b.c.served_at)

    def timing(r: Any) -> tuple[str, Any, str]:
        at = formats.aoi_time(r[0])
        seconds = (formats.utc(r[0]) - formats.utc(r[8])).total_seconds()
        return (at, round(seconds, 3), "") if seconds > 0 else (at, "NA", "no_data")

    def vote_row(r: Any, _: Cursor) -> Row:
        left, right = r[4], r[5]
        winner, loser = (left, right) if r[6] == "left" else (right, left)
        at, seconds, missing = timing(r)
        return (r[1], pseudonym(r[2]), r[3], winner, texts.get(winner, ""), loser, texts.get(loser, ""),
                f"{left}-{right}", r[1], left, right, at, at, seconds, missing, "TRUE", *tail)

    def skip_row(r: Any, _: Cursor) -> Row:
        left, right = r[4], r[5]
        at, seconds, missing = timing(r)
        reason = r[7] or ("I can't decide" if r[6] == "cant_decide" else "skip")
        return ("Skip", r[1], r[1], pseudonym(r[2]), r[3], left, texts.get(left, ""), right, texts.get(right, ""),
                f"{left}-{right}", reason, at, at, seconds, missing, "TRUE", *tail)

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
            .where(PairPrompt.item_id.in_(item_ids)).group_by(column, PairPrompt.outcome))
        for proposal_id, outcome, n, last in rows.all():
            entry = counts.setdefault(proposal_id, {"wins": 0, "losses": 0, "cant_decide": 0, "left": 0,
                                                    "right": 0, "last": None})
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


async def aoi_ideas_table(db: Database, consultation: Consultation, *, item: str | None = None,
                          settings: object | None = None) -> list[Row]:
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=PAIR_KINDS)
    item_ids = _pick_items(scope, PAIR_KINDS, item)
    async with db.session() as session:
        counts = await aoi_idea_counts(session, item_ids)
        # Ideas an imported All Our Ideas survey had deactivated (they stay in the pool; see viche.importers.aoi).
        inactive = set((await session.execute(
            select(ImportedRef.local_id).where(ImportedRef.consultation_id == scope.consultation_id,
                                               ImportedRef.kind == "inactive"))).scalars())
    rows = []
    for proposal_id, proposal in scope.proposals.items():
        if proposal["item_id"] not in item_ids:
            continue
        c = counts.get(proposal_id, {"wins": 0, "losses": 0, "cant_decide": 0, "left": 0, "right": 0, "last": None})
        rows.append({
            "Wikisurvey ID": proposal["item_id"], "Idea ID": proposal_id, "Idea Text": proposal["text"],
            "Wins": c["wins"], "Losses": c["losses"], "Times involved in Cant Decide": c["cant_decide"],
            "Score": str(formats.aoi_score(c["wins"], c["losses"])),
            "User Submitted": formats.aoi_bool(proposal["author_id"] is not None),
            "Session ID": pseudonym(proposal["author_id"]) if proposal["author_id"] else "",
            "Created at": formats.aoi_time(proposal["created_at"]),
            "Last Activity": formats.aoi_time(c["last"] or proposal["created_at"]),
            "Active": formats.aoi_bool(proposal["status"] == "accepted" and str(proposal_id) not in inactive),
            "Appearances on Left": c["left"], "Appearances on Right": c["right"], "Info": "NA",
        })
    return rows


async def polis_comments_table(db: Database, consultation: Consultation, *, item: str | None = None,
                               settings: object | None = None) -> list[Row]:
    scope, pseudonym = await _prepare(db, consultation, settings, proposals_of=VOTE_KINDS)
    item_ids = _pick_items(scope, VOTE_KINDS, item)
    tallies: dict[int, dict[str, int]] = {}
    if item_ids:
        async with db.session() as session:
            rows = await session.execute(
                select(ProposalVote.proposal_id,
                       func.sum(case((ProposalVote.choice == "agree", 1), else_=0)),
                       func.sum(case((ProposalVote.choice == "disagree", 1), else_=0)))
                .where(ProposalVote.item_id.in_(item_ids)).group_by(ProposalVote.proposal_id))
            tallies = {pid: {"agrees": int(a or 0), "disagrees": int(d or 0)} for pid, a, d in rows.all()}
    out = []
    for proposal_id, proposal in scope.proposals.items():
        if proposal["item_id"] not in item_ids:
            continue
        tally = tallies.get(proposal_id, {"agrees": 0, "disagrees": 0})
        out.append({"timestamp": formats.epoch_ms(proposal["created_at"]),
                    "datetime": formats.polis_time(proposal["created_at"]), "comment-id": proposal_id,
                    "author-id": pseudonym(proposal["author_id"]) if proposal["author_id"] else "",
                    **tally, "moderated": formats.POLIS_MODERATED.get(proposal["status"], 0),
                    "comment-body": proposal["text"]})
    return out


def table_csv(columns: list[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(formats.csv_safe_row(formats.csv_value(row.get(c)) for c in columns) for row in rows)
    return buffer.getvalue()
