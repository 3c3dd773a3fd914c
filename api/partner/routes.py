"""Partner routes, ``/v1``: consultations, results, ranking, live counters and streamed exports.

Every route needs a partner key (``Authorization: Bearer vk_…``). A consultation the key may not read
answers 404 exactly like one that does not exist. Participants appear only as pseudonyms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.content import consultation_language
from api.deps import database, results_cache, session
from api.partner import formats, result_models
from api.partner.auth import PartnerKey, partner_key, scoped_consultation
from api.partner.export_definitions import (
    answers_export,
    aoi_ideas_table,
    aoi_votes_export,
    polis_comments_table,
    polis_votes_export,
)
from api.partner.export_stream import Export, table_csv
from api.results import ResultsCache, consultation_results_json, proposal_ranking
from storage.db import Database
from storage.models import Answer, Consultation, Enrolment, Item, PairPrompt, ProposalVote, utcnow

router = APIRouter(prefix="/v1", tags=["partner"])


# --- documentation models ----------------------------------------------------------------------


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def _error(status: int, code: str, message: str, description: str) -> dict[str, Any]:
    return {
        "model": ErrorBody,
        "description": description,
        "content": {"application/json": {"example": {"error": {"status": status, "code": code, "message": message}}}},
    }


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error(
        401,
        "unauthorized",
        "a valid partner key is required (Authorization: Bearer vk_…)",
        "No key, or an unknown or revoked key.",
    ),
    429: _error(
        429,
        "rate_limited",
        "too many requests for this key; retry in 2 s",
        "The key's rate limit is reached; the `Retry-After` header says how many seconds to wait.",
    ),
}
SCOPED_ERRORS = {
    **AUTH_ERRORS,
    404: _error(
        404,
        "not_found",
        "consultation 'budget-2026' not found",
        "Unknown, or outside the key's scope (the two are not told apart).",
    ),
}
RELEASED_ERRORS = {
    **SCOPED_ERRORS,
    409: _error(
        409,
        "below_threshold",
        "only 3 participants answered 'budget-2026'; results are released from 10 (its min_segment_size)",
        "Fewer participants than the consultation's minimum group size: nothing about them is released "
        "(`participants` and `needed` say how far it is).",
    ),
}
EXPORT_ERRORS = {
    **RELEASED_ERRORS,
    400: _error(
        400, "invalid_cursor", "this cursor was not made by this API", "A malformed cursor, or an unknown item."
    ),
}


class Counts(BaseModel):
    participants: int = Field(description="Participants who started the consultation.")
    consented: int
    completed: int
    answers: int = Field(description="Answers, proposal votes and decided pairs, all items together.")


class ConsultationSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "budget-2026",
                    "title": "Participatory budget 2026",
                    "titles": {"en": "Participatory budget 2026", "uk": "Бюджет участі 2026"},
                    "status": "open",
                    "default_language": "uk",
                    "languages": ["uk", "en"],
                    "opens_at": "2026-03-01T08:00:00Z",
                    "closes_at": "2026-03-31T20:00:00Z",
                    "created_at": "2026-02-20T10:12:00Z",
                    "counts": {"participants": 1843, "consented": 1790, "completed": 1211, "answers": 25530},
                }
            ]
        }
    )

    slug: str
    title: str
    titles: dict[str, str]
    status: str = Field(description="open | paused | closed (drafts are not shown to partners).")
    default_language: str
    languages: list[str]
    opens_at: datetime | None
    closes_at: datetime | None
    created_at: datetime
    counts: Counts


class ItemCounter(BaseModel):
    key: str
    kind: str
    answers: int


class Counters(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "budget-2026",
                    "status": "open",
                    "as_of": "2026-03-12T14:03:11Z",
                    "participants": 1843,
                    "consented": 1790,
                    "completed": 1211,
                    "completion_rate": 0.6765,
                    "answers": 25530,
                    "last_activity_at": "2026-03-12T14:02:57Z",
                    "items": [
                        {"key": "age", "kind": "single_choice", "answers": 1777},
                        {"key": "ideas", "kind": "proposal", "answers": 14010},
                        {"key": "priorities", "kind": "pairs", "answers": 9743},
                    ],
                }
            ]
        }
    )

    slug: str
    status: str
    as_of: datetime
    participants: int
    consented: int
    completed: int
    completion_rate: float
    answers: int
    last_activity_at: datetime | None
    items: list[ItemCounter]


# --- counting ----------------------------------------------------------------------------------


async def _per_item_counts(db: AsyncSession, item_ids: list[int]) -> tuple[dict[int, int], datetime | None]:
    counts: dict[int, int] = {}
    last: datetime | None = None
    if not item_ids:
        return counts, last
    queries = [
        select(Answer.item_id, func.count(), func.max(Answer.created_at))
        .where(Answer.item_id.in_(item_ids))
        .group_by(Answer.item_id),
        select(ProposalVote.item_id, func.count(), func.max(ProposalVote.created_at))
        .where(ProposalVote.item_id.in_(item_ids))
        .group_by(ProposalVote.item_id),
        select(PairPrompt.item_id, func.count(), func.max(PairPrompt.answered_at))
        .where(PairPrompt.item_id.in_(item_ids), PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip")
        .group_by(PairPrompt.item_id),
    ]
    for query in queries:
        for item_id, n, moment in (await db.execute(query)).all():
            counts[item_id] = counts.get(item_id, 0) + int(n)
            moment = formats.utc(moment)
            if moment is not None and (last is None or moment > last):
                last = moment
    return counts, last


async def _enrolment_counts(db: AsyncSession, consultation_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    if not consultation_ids:
        return {}
    rows = await db.execute(
        select(
            Enrolment.consultation_id,
            func.count(),
            func.count(Enrolment.consented_at),
            func.count(Enrolment.completed_at),
        )
        .where(Enrolment.consultation_id.in_(consultation_ids))
        .group_by(Enrolment.consultation_id)
    )
    return {cid: (int(a), int(b), int(c)) for cid, a, b, c in rows.all()}


def _summary(consultation: Consultation, enrolled: tuple[int, int, int], answers: int) -> ConsultationSummary:
    return ConsultationSummary(
        slug=consultation.slug,
        title=formats.text_of(consultation.title, consultation.default_language),
        titles=dict(consultation.title or {}),
        status=consultation.status,
        default_language=consultation.default_language,
        languages=list(consultation.languages or []),
        opens_at=formats.utc(consultation.opens_at),
        closes_at=formats.utc(consultation.closes_at),
        created_at=formats.utc(consultation.created_at),
        counts=Counts(participants=enrolled[0], consented=enrolled[1], completed=enrolled[2], answers=answers),
    )


# --- routes ------------------------------------------------------------------------------------


@router.get(
    "/consultations",
    response_model=list[ConsultationSummary],
    responses=AUTH_ERRORS,
    summary="The consultations this key may read",
)
async def list_consultations(
    key: PartnerKey = Depends(partner_key), s: AsyncSession = Depends(session)
) -> list[ConsultationSummary]:
    """Status, dates and participation counts of every consultation in the key's scope (never drafts)."""
    query = select(Consultation).where(Consultation.status != "draft").order_by(Consultation.id)
    consultations = [c for c in (await s.execute(query)).scalars().all() if key.allows(c.slug)]
    ids = [c.id for c in consultations]
    enrolled = await _enrolment_counts(s, ids)
    items = (
        (await s.execute(select(Item.id, Item.consultation_id).where(Item.consultation_id.in_(ids)))).all()
        if ids
        else []
    )
    per_item, _ = await _per_item_counts(s, [i for i, _ in items])
    answers: dict[int, int] = {}
    for item_id, cid in items:
        answers[cid] = answers.get(cid, 0) + per_item.get(item_id, 0)
    return [_summary(c, enrolled.get(c.id, (0, 0, 0)), answers.get(c.id, 0)) for c in consultations]


@router.get(
    "/consultations/{slug}", response_model=ConsultationSummary, responses=SCOPED_ERRORS, summary="One consultation"
)
async def get_consultation(
    consultation: Consultation = Depends(scoped_consultation), s: AsyncSession = Depends(session)
) -> ConsultationSummary:
    counters = await _counters(s, consultation)
    return _summary(consultation, (counters.participants, counters.consented, counters.completed), counters.answers)


async def _counters(s: AsyncSession, consultation: Consultation) -> Counters:
    items = (
        (await s.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )
    per_item, last = await _per_item_counts(s, [i.id for i in items])
    participants, consented, completed = (await _enrolment_counts(s, [consultation.id])).get(consultation.id, (0, 0, 0))
    return Counters(
        slug=consultation.slug,
        status=consultation.status,
        as_of=utcnow(),
        participants=participants,
        consented=consented,
        completed=completed,
        completion_rate=round(completed / consented, 4) if consented else 0.0,
        answers=sum(per_item.values()),
        last_activity_at=last,
        items=[ItemCounter(key=i.key, kind=i.kind, answers=per_item.get(i.id, 0)) for i in items],
    )


@router.get(
    "/consultations/{slug}/counters",
    response_model=Counters,
    responses=SCOPED_ERRORS,
    summary="Live participation counters",
)
async def counters(
    consultation: Consultation = Depends(scoped_consultation), s: AsyncSession = Depends(session)
) -> Counters:
    """Participants, consent, completion and answers per item, as of now. Cheap enough to poll."""
    return await _counters(s, consultation)


async def released_consultation(
    consultation: Consultation = Depends(scoped_consultation), s: AsyncSession = Depends(session)
) -> Consultation:
    """A consultation whose results may be released (:mod:`api.disclosure`): with fewer participants than its
    ``min_segment_size``, results, rankings and exports answer 409 ``below_threshold``."""
    try:
        await disclosure.check_release(s, consultation)
    except disclosure.BelowThreshold as below:
        raise below.api_error(consultation.slug) from None
    return consultation


async def exported_consultation(
    consultation: Consultation = Depends(released_consultation), s: AsyncSession = Depends(session)
) -> Consultation:
    """A released consultation, for an export. An export streams through sessions of its own long after the route
    returns, while the request's session stays open until the last row is sent: it gives its connection back now
    rather than hold it, idle in a transaction, for the whole stream."""
    await s.close()
    return consultation


RESULTS_EXAMPLE = {
    "slug": "budget-2026",
    "title": "Participatory budget 2026",
    "status": "open",
    "language": "en",
    "computed_at": "2026-03-12T14:03:11Z",
    "min_segment_size": 10,
    "participants": 1790,
    "consented": 1790,
    "completed": 1211,
    "segment": None,
    "items": [
        {
            "key": "age",
            "kind": "single_choice",
            "number": 1,
            "prompt": "How old are you?",
            "reached": 1790,
            "answered": 1777,
            "answer_rate": 0.9927,
            "options": [
                {"key": "18_24", "label": "18–24", "count": 412, "share": 0.2319, "interval": [0.2128, 0.2521]}
            ],
        },
        {
            "key": "priorities",
            "kind": "pairs",
            "number": 3,
            "prompt": "Which matters more?",
            "reached": 1402,
            "answered": 1388,
            "answer_rate": 0.99,
            "comparisons": 9743,
            "cant_decide": 310,
            "skips": 95,
            "after_skip": 12,
            "served": 10160,
            "method": "bradley_terry",
            "proposals": [
                {
                    "id": 17,
                    "text": "More night buses",
                    "rank": 1,
                    "score": 71.4,
                    "interval": [66.2, 76.1],
                    "strength": 0.9121,
                    "wins": 412,
                    "losses": 163,
                    "comparisons": 575,
                    "aoi_score": 71.58,
                }
            ],
        },
        {
            "key": "ideas",
            "kind": "proposal",
            "number": 2,
            "prompt": "What do you think of this proposal?",
            "reached": 1640,
            "answered": 1598,
            "answer_rate": 0.9744,
            "votes": 14010,
            "zones": {"limbo": 3, "consensus": 5, "rejection": 1, "controversy": 2},
            "proposals": [
                {
                    "id": 42,
                    "text": "Free buses for students",
                    "rank": 1,
                    "controversy_rank": 9,
                    "votes": 1187,
                    "agree": {"count": 768, "share": 0.647, "interval": [0.6194, 0.6737]},
                    "disagree": {"count": 201, "share": 0.1693, "interval": [0.1491, 0.1917]},
                    "neutral": {"count": 218, "share": 0.1837, "interval": [0.1627, 0.2067]},
                    "agree_among_decided": {"count": 768, "share": 0.7926, "interval": [0.7659, 0.8169]},
                    "zone": "consensus",
                    "top_score": 0.6149,
                    "support": {"value": 0.6425, "interval": [0.6149, 0.6693]},
                    "controversy_score": 0.2981,
                    "qualifications": {
                        "agree": {
                            "like_it": {"count": 301, "share": 0.3919, "interval": [0.358, 0.4269]},
                            "doable": {"count": 244, "share": 0.3177, "interval": [0.2858, 0.3515]},
                            "platitude": {"count": 38, "share": 0.0495, "interval": [0.0363, 0.0672]},
                        },
                        "disagree": {
                            "no_way": {"count": 64, "share": 0.3184, "interval": [0.2579, 0.3857]},
                            "impossible": {"count": 71, "share": 0.3532, "interval": [0.2905, 0.4215]},
                            "platitude": {"count": 5, "share": 0.0249, "interval": [0.0107, 0.0569]},
                        },
                        "neutral": {
                            "dont_understand": {"count": 12, "share": 0.055, "interval": [0.0318, 0.0937]},
                            "no_opinion": {"count": 80, "share": 0.367, "interval": [0.3058, 0.4327]},
                            "dont_care": {"count": 31, "share": 0.1422, "interval": [0.102, 0.1948]},
                        },
                    },
                }
            ],
        },
    ],
}
RANKING_EXAMPLE = {
    "slug": "budget-2026",
    "items": [
        {
            "key": "priorities",
            "kind": "pairs",
            "prompt": "Which matters more?",
            "ranking": [
                {
                    "rank": 1,
                    "proposal": 17,
                    "text": "More night buses",
                    "score": 71.4,
                    "interval": [66.2, 76.1],
                    "wins": 412,
                    "losses": 163,
                    "aoi_score": 71.58,
                }
            ],
        },
        {
            "key": "ideas",
            "kind": "proposal",
            "prompt": "What do you think of this proposal?",
            "ranking": [
                {
                    "rank": 1,
                    "proposal": 42,
                    "text": "Free buses for students",
                    "score": 61.49,
                    "interval": [61.49, 66.93],
                    "support": 64.25,
                    "agree": 0.647,
                    "zone": "consensus",
                    "votes": 1187,
                }
            ],
        },
    ],
}
LANGUAGE = Query(
    None,
    description="Language of texts and labels: one of the consultation's `languages` (case and "
    "a region are ignored: `EN-gb` is `en`); default: the consultation's default "
    "language. Any other value is a 422.",
)
LANGUAGE_ERROR = {
    422: _error(
        422,
        "unknown_language",
        "language must be one of the consultation's: uk, en",
        "A language the consultation does not have.",
    )
}


@router.get(
    "/consultations/{slug}/results",
    responses={
        **RELEASED_ERRORS,
        200: {"model": result_models.Results, "content": {"application/json": {"example": RESULTS_EXAMPLE}}},
        400: _error(
            400,
            "invalid_segment",
            "segment must be one of language, age_band, country, region, source",
            "An unknown segment dimension.",
        ),
        **LANGUAGE_ERROR,
    },
    summary="Results of every item",
)
async def results(
    consultation: Consultation = Depends(released_consultation),
    s: AsyncSession = Depends(session),
    cache: ResultsCache = Depends(results_cache),
    segment: str | None = Query(
        None,
        description="Also split every item by this dimension: language, "
        "age_band, country, region or source. Values held by "
        "fewer participants than the consultation's minimum "
        "segment size are pooled, never shown alone; inside "
        "a segment, a count of fewer (and any figure that "
        "would give it back) is null, and an item answered "
        "by too few is withheld (`withheld: true`).",
    ),
    language: str | None = LANGUAGE,
) -> Any:
    """Every item's results: shares with 95 % Wilson intervals (choices, scales, budgets), agree/disagree
    scores and zones (proposals), Bradley–Terry scores with intervals and All Our Ideas' score (pairs).
    Free-text answers and place points are included, never who gave them."""
    # The JSON the cache encoded once per computation, as the organiser route serves it (api/routes_results.py).
    body = await consultation_results_json(
        s, consultation, cache=cache, segment=segment, raw=True, language=consultation_language(consultation, language)
    )
    return Response(content=body, media_type="application/json")


@router.get(
    "/consultations/{slug}/ranking",
    responses={
        **RELEASED_ERRORS,
        200: {"model": result_models.Ranking, "content": {"application/json": {"example": RANKING_EXAMPLE}}},
        400: _error(
            400, "unknown_item", "this consultation has no proposal or pairs item 'age'", "An unknown item key."
        ),
        **LANGUAGE_ERROR,
    },
    summary="The proposal ranking",
)
async def ranking(
    consultation: Consultation = Depends(released_consultation),
    s: AsyncSession = Depends(session),
    cache: ResultsCache = Depends(results_cache),
    item: str | None = Query(None, description="Key of a proposal or pairs item; all when omitted."),
    language: str | None = LANGUAGE,
) -> Any:
    """Proposals best first, each score with the 95 % interval of that same score, which it always lies in:
    pairs items by their chance to beat a random other proposal (%); agree/disagree items by their top score
    (%), the lower end of the interval of their support (the mean vote value, also given)."""
    items = await proposal_ranking(
        s, consultation, item, cache=cache, language=consultation_language(consultation, language)
    )
    return {"slug": consultation.slug, "items": items}


# --- exports -----------------------------------------------------------------------------------

AFTER = Query(
    None,
    description="Continue after this cursor: the `X-Next-Cursor` header of the previous export, "
    "or the `cursor` of the last row you have. After a participant's /forget, their "
    "answers and votes come again as new rows under a new pseudonym (see "
    "docs/privacy.md): rebuild from a full export now and then to count each once.",
)
LIMIT = Query(None, ge=1, le=10_000_000, description="At most this many rows (default: all).")
ITEM = Query(None, description="Only this item (by key); every item of the right kind when omitted.")
NEXT_CURSOR = {
    "X-Next-Cursor": {"description": "Pass as `after` to get only newer rows next time.", "schema": {"type": "string"}}
}

ANSWERS_CSV_EXAMPLE = (
    ",".join(formats.ANSWER_COLUMNS) + "\n"
    "MXwxfDB8fA,answer,age,single_choice,5f0c2a9d41e7b3c8a6d1e2f0,25-34,UA,kyiv,uk,poster,25_34,,,,,,,,,,"
    "2026-03-02T09:14:03.120Z\n"
    "MXwxfDF8fA,vote,ideas,proposal,5f0c2a9d41e7b3c8a6d1e2f0,25-34,UA,kyiv,uk,poster,,,42,agree,doable,,,,,,"
    "2026-03-02T09:15:40.002Z\n"
)
ANSWERS_JSONL_EXAMPLE = (
    '{"cursor":"MXwxfDB8fA","type":"answer","item":"age","item_kind":"single_choice",'
    '"participant":"5f0c2a9d41e7b3c8a6d1e2f0","age_band":"25-34","country":"UA","region":"kyiv","language":"uk",'
    '"source":"poster","option":"25_34","value":null,"proposal":null,"choice":null,"qualification":null,'
    '"left":null,"right":null,"outcome":null,"reason":null,"after_skip":null,"answered_at":"2026-03-02T09:14:03.120Z"}\n'
)
AOI_VOTES_EXAMPLE = (
    ",".join(f'"{c}"' if " " in c else c for c in formats.AOI_VOTES_COLUMNS) + "\n"
    "Xk2j9aQ0pL1m,5f0c2a9d41e7b3c8a6d1e2f0,7,17,More night buses,12,A new skate park,17-12,Xk2j9aQ0pL1m,17,12,"
    "2026-03-02 09:16:11 UTC,2026-03-02 09:16:11 UTC,3.402,,TRUE,NA,budget-2026,NA,NA,FALSE,NA\n"
)
POLIS_VOTES_EXAMPLE = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "1772442940002,Mon Mar 02 09:15:40 UTC 2026,42,5f0c2a9d41e7b3c8a6d1e2f0,1\n"
)


def _stream(export: Export, media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        export.chunks,
        media_type=media_type,
        headers={
            "X-Next-Cursor": export.next_cursor,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _export_responses(media_type: str, example: str) -> dict[int | str, dict[str, Any]]:
    return {
        **EXPORT_ERRORS,
        200: {"content": {media_type: {"schema": {"type": "string"}, "example": example}}, "headers": NEXT_CURSOR},
    }


CSV = "text/csv; charset=utf-8"
JSONL = "application/x-ndjson"


CSV_CELLS = (
    "A text cell that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, a tab or a carriage return) "
    "gets a leading `'`, so that Excel or LibreOffice show it as text instead of running it (OWASP's rule "
    "against CSV injection); numbers are left as they are."
)
ANSWERS_CSV_DESCRIPTION = f"""One row per answer, proposal vote and answered pair: answers first, then votes, then pairs.

`participant` is a pseudonym (the same in every export of this consultation, different in other
consultations); `age_band`, `country`, `region`, `language` and `source` are the participant's
attributes as far as the disclosure rule releases them (docs/privacy.md): a value held by fewer than the
consultation's `min_segment_size` is `(other)`, and attributes whose combination would be that rare are
`(withheld)`, source first, age band last. Structured answers are JSON in `value`: several choices and budget ballots as lists of option
keys (`["far","unsafe"]`), places as `{{"latitude", "longitude", "comment"}}`.

{CSV_CELLS} The JSON Lines export carries the raw text.

{result_models.answer_export_codes()}
"""


@router.get(
    "/consultations/{slug}/export/answers.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", ANSWERS_CSV_EXAMPLE),
    summary="Every answer, as CSV",
    description=ANSWERS_CSV_DESCRIPTION,
)
async def export_answers_csv(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await answers_export(
        db, consultation, fmt="csv", after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-answers.csv")


@router.get(
    "/consultations/{slug}/export/answers.jsonl",
    response_class=StreamingResponse,
    responses=_export_responses(JSONL, ANSWERS_JSONL_EXAMPLE),
    summary="Every answer, as JSON Lines",
    description="The rows of `answers.csv`, one JSON object per line, with values in their JSON types and "
    "texts exactly as written.\n\n" + result_models.answer_export_codes(),
)
async def export_answers_jsonl(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await answers_export(
        db, consultation, fmt="jsonl", after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, JSONL, f"{consultation.slug}-answers.jsonl")


@router.get(
    "/consultations/{slug}/export/aoi/votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", AOI_VOTES_EXAMPLE),
    summary="Pairwise votes in All Our Ideas' columns",
)
async def export_aoi_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    """The columns of an All Our Ideas votes export. `Session ID` is the participant's pseudonym,
    `Wikisurvey ID` the pairs item's id; browser fields (hashed IP, user agent, referrer) are `NA`."""
    export = await aoi_votes_export(
        db, consultation, item=item, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-aoi-votes.csv")


@router.get(
    "/consultations/{slug}/export/aoi/non_votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", ",".join(formats.AOI_NON_VOTES_COLUMNS) + "\n"),
    summary="\"Can't decide\" and skipped pairs in All Our Ideas' non_votes columns",
)
async def export_aoi_non_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await aoi_votes_export(
        db, consultation, item=item, non_votes=True, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-aoi-non_votes.csv")


@router.get(
    "/consultations/{slug}/export/aoi/ideas.csv",
    response_class=PlainTextResponse,
    responses={
        **EXPORT_ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": (
                        ",".join(formats.AOI_IDEAS_COLUMNS) + "\n7,17,More night buses,412,163,35,71.5771,FALSE,,"
                        "2026-02-20 10:12:00 UTC,2026-03-12 14:02:57 UTC,TRUE,291,284,NA\n"
                    ),
                }
            }
        },
    },
    summary="Ideas with wins, losses and score in All Our Ideas' columns",
)
async def export_aoi_ideas(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
) -> PlainTextResponse:
    """One row per accepted proposal of the pairs items (never a citizen's proposal that waits for moderation
    or was rejected). `Score` is 100·(W+1)/(W+L+2), four decimals. An `Idea Text` that starts like a
    spreadsheet formula gets a leading `'`."""
    rows = await aoi_ideas_table(db, consultation, item=item, settings=request.app.state.settings)
    return PlainTextResponse(
        table_csv(formats.AOI_IDEAS_COLUMNS, rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}-aoi-ideas.csv"'},
    )


@router.get(
    "/consultations/{slug}/export/polis/votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", POLIS_VOTES_EXAMPLE),
    summary="Agree/disagree votes in Polis' open-data votes.csv columns",
)
async def export_polis_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    """`vote` is 1 agree, -1 disagree, 0 pass (neutral); `comment-id` the proposal id; `voter-id` the
    participant's pseudonym. One row per (voter, statement): the vote that counts."""
    export = await polis_votes_export(
        db, consultation, item=item, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-polis-votes.csv")


@router.get(
    "/consultations/{slug}/export/polis/comments.csv",
    response_class=PlainTextResponse,
    responses={
        **EXPORT_ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": (
                        ",".join(formats.POLIS_COMMENTS_COLUMNS) + "\n1772442940002,Mon Mar 02 09:15:40 UTC 2026,42,,"
                        "118,37,1,More night buses\n"
                    ),
                }
            }
        },
    },
    summary="Statements in Polis' open-data comments.csv columns",
)
async def export_polis_comments(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
) -> PlainTextResponse:
    """Accepted statements only: a citizen's proposal appears once a moderator has accepted it, never while it
    waits or after it was rejected, so `moderated` is always 1. `author-id` is a pseudonym (empty for the
    organiser's own statements). A `comment-body` that starts like a spreadsheet formula gets a leading `'`."""
    rows = await polis_comments_table(db, consultation, item=item, settings=request.app.state.settings)
    return PlainTextResponse(
        table_csv(formats.POLIS_COMMENTS_COLUMNS, rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}-polis-comments.csv"'},
    )
