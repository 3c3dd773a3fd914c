"""Partner routes, ``/v1``: consultations, results, ranking, live counters and streamed exports.

Every route needs a partner key (``Authorization: Bearer vk_…``). A consultation the key may not read
answers 404 exactly like one that does not exist. Participants appear only as pseudonyms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.content import consultation_language
from api.deps import results_cache, session
from api.partner import formats, group_models, result_models
from api.partner.auth import PartnerKey, partner_key, scoped_consultation
from api.partner.examples import RANKING_EXAMPLE, RESULTS_EXAMPLE
from api.results import ResultsCache, consultation_results_json, proposal_ranking
from api.results.groups import published_groups
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
            "segment must be one of language, age_band, country, region, source, group",
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
        "age_band, country, region, source or group (the opinion groups of `/groups`). Values held by "
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


@router.get(
    "/consultations/{slug}/groups",
    response_model=group_models.Groups,
    responses={**RELEASED_ERRORS, **LANGUAGE_ERROR},
    summary="Opinion groups: what each thinks, consensus across them, divisive statements",
    description=group_models.GROUPS_DESCRIPTION,
)
async def groups(
    consultation: Consultation = Depends(released_consultation),
    s: AsyncSession = Depends(session),
    language: str | None = LANGUAGE,
) -> Any:
    return await published_groups(s, consultation, consultation_language(consultation, language))
