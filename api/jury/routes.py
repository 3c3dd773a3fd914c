"""The organisers' jury routes: the draw of a consultation's panel from its pool, with its audit.

Under ``/organiser``, with the same protection as every organiser route (the service token and an acting
organiser by the API's own records).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.acting import acting_organiser
from api.deps import consultation_or_404, require_service_token, session
from api.error_docs import ORGANISER, errors
from api.errors import ApiError, bad_request, not_found
from api.jury.store import draw_panel, jury_of
from api.scoring.sortition import InfeasibleQuotas, QuotasError
from api.scoring.sortition.draw import PoolError
from api.scoring.sortition.quotas import quotas_from
from storage.models import Consultation

router = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)
# One draw at a time, waited for here rather than in a worker thread: a draw keeps a core busy for seconds
# (api/scoring/sortition; BENCHMARKS.md), and draws side by side would take several of the few threads the
# API's other off-loop work shares.
_drawing = asyncio.Lock()


class DrawIn(BaseModel):
    seed: int = Field(ge=-(2**63), lt=2**63, description="The same seed, pool and quotas give the same panel")
    quotas: dict[str, Any] = Field(
        description="`size` and `categories`: {category: {value: {min, max}}}, as in the quotas YAML file"
    )


class DrawOut(BaseModel):
    selected: list[str] = Field(description="The organiser's references of the panel's members")
    algorithm: str
    note: str = Field(description="Which algorithm and solver ran, and why not LEXIMIN")
    audit: dict[str, Any] = Field(description="Seed, every volunteer's chance under a pseudonym, composition vs quotas")


@router.post(
    "/consultations/{slug}/jury/draw",
    response_model=DrawOut,
    summary="Draw the jury's panel by stratified lottery",
    responses=errors(400, 404, 422),
)
async def draw_jury(
    body: DrawIn,
    db: AsyncSession = Depends(session),
    consultation: Consultation = Depends(consultation_or_404),
) -> DrawOut:
    try:
        quotas = quotas_from(body.quotas)
    except QuotasError as error:
        raise bad_request("invalid_quotas", str(error)) from error
    jury = await jury_of(db, consultation)
    if jury is None:
        raise not_found(f"a pool of volunteers for {consultation.slug!r}")
    try:
        async with _drawing:
            outcome = await draw_panel(db, jury, quotas, body.seed)
    except InfeasibleQuotas as error:
        relaxations = [change.__dict__ for change in error.relaxations]
        raise ApiError(422, "infeasible_quotas", error.reason, relaxations=relaxations) from error
    except PoolError as error:
        raise bad_request("pool_does_not_fit_quotas", str(error)) from error
    return DrawOut(
        selected=[outcome.reference(key) for key in outcome.draw.selected],
        algorithm=outcome.draw.algorithm,
        note=outcome.draw.note,
        audit=outcome.audit.as_json(),
    )
