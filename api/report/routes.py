"""``GET /organiser/consultations/{slug}/report``: the recommendations report, as ``viche report`` writes it.

Protected like the other organiser routes (the service token and an acting organiser, api/acting.py). The report
holds only what may be published (no free text, no place, nothing about fewer than ``min_segment_size`` people):
it is meant to be handed over.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.acting import acting_organiser
from api.deps import consultation_or_404, require_service_token, results_cache, session
from api.disclosure import BelowThreshold
from api.error_docs import ORGANISER, errors
from api.errors import ApiError
from api.pdf import PdfUnavailable
from api.report.render import FORMATS, written
from api.report.sources import report_locale
from api.results import ResultsCache
from storage.models import Consultation

router = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)


@router.get(
    "/consultations/{slug}/report",
    response_class=Response,
    summary="The recommendations report: Markdown, HTML or PDF",
    responses={
        **errors(404, 409, meaning={409: "Fewer participants than the consultation's min_segment_size"}),
        503: {"description": "PDF asked for where the system lacks Pango (HTML and Markdown still work)"},
        200: {"content": {media.split(";")[0]: {} for media in FORMATS.values()}, "description": "The report"},
    },
)
async def report(
    format: Literal["md", "html", "pdf"] = Query("html", description="md (charts as SVG data URIs), html or pdf"),
    language: str | None = Query(
        None, max_length=16, description="Any of viche's languages (default: the consultation's); any other is a 422"
    ),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: ResultsCache = Depends(results_cache),
) -> Response:
    locale = report_locale(consultation, language)
    try:
        body = await written(db, consultation, cache, locale, format)
    except BelowThreshold as below:
        raise below.api_error(consultation.slug) from None
    except PdfUnavailable as error:
        raise ApiError(503, "pdf_unavailable", str(error)) from None
    name = f"{consultation.slug}-report-{locale}.{format}"
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body, media_type=FORMATS[format], headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )
