"""Organiser results route: every item's scores, optionally split into segments (see :mod:`api.results`).

Protected like the other organiser routes: the service token and an acting organiser (api/acting.py).
Organisers read raw content too: free texts and place points, never who wrote them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api import results
from api.acting import acting_organiser
from api.content import consultation_language
from api.deps import consultation_or_404, require_service_token, results_cache, session
from api.error_docs import ORGANISER, errors
from api.partner.group_models import GROUPS_DESCRIPTION, Groups
from api.results.groups import published_groups
from storage.models import Consultation

router = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)


@router.get(
    "/consultations/{slug}/results",
    response_class=Response,
    summary="Results of every item, optionally by segment",
    responses={
        **errors(400, 404),
        200: {
            "content": {"application/json": {}},
            "description": "The structure documented in api/results/__init__.py",
        },
    },
)
async def consultation_results(
    segment: str | None = Query(
        None,
        description="Split by " + ", ".join(results.SPLITS) + "; segments "
        "smaller than the consultation's min_segment_size are pooled or withheld.",
    ),
    lang: str | None = Query(
        None,
        max_length=8,
        description="Language of labels and texts: one of the "
        "consultation's (default: its default); any other is a 422",
    ),
    fresh: bool = Query(False, description="Recompute now instead of a result up to a few seconds old"),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: results.ResultsCache = Depends(results_cache),
) -> Response:
    body = await results.consultation_results_json(
        db,
        consultation,
        cache=cache,
        segment=segment,
        raw=True,
        language=consultation_language(consultation, lang),
        fresh=fresh,
    )
    return Response(content=body, media_type="application/json")


@router.get(
    "/consultations/{slug}/groups",
    response_model=Groups,
    summary="Opinion groups: what each thinks, consensus across them, divisive statements",
    description=GROUPS_DESCRIPTION,
    responses=errors(404),
)
async def consultation_groups(
    lang: str | None = Query(
        None,
        max_length=8,
        description="Language of the statements: one of the consultation's (default: its default); any other is a 422",
    ),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
) -> object:
    """The partner route's answer, under the same disclosure rule (organisers see no group smaller than the
    consultation's ``min_segment_size`` either)."""
    return await published_groups(db, consultation, consultation_language(consultation, lang))
