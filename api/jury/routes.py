"""The organisers' jury routes: the draw of a consultation's panel from its pool, with its audit; the panel of
the definition's jury drawn and called in the chat, its state, and its end.

Under ``/organiser``, with the same protection as every organiser route (the service token and an acting
organiser by the API's own records).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.acting import acting_organiser
from api.deps import consultation_or_404, require_service_token, session
from api.error_docs import ORGANISER, errors
from api.errors import ApiError, bad_request, not_found
from api.jury import panel
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
# (api/scoring/sortition; BENCHMARKS.md), and a second draw parked on that
# lock in a thread would take one of the few threads the API's other off-loop work shares. The panel's draws and
# refills (api/jury/panel.py) take the same lock.
_drawing = panel.drawing


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
    with _refusals_of_the_draw():
        async with _drawing:
            outcome = await draw_panel(db, jury, quotas, body.seed)
    return DrawOut(
        selected=[outcome.reference(key) for key in outcome.draw.selected],
        algorithm=outcome.draw.algorithm,
        note=outcome.draw.note,
        audit=outcome.audit.as_json(),
    )


class PanelIn(BaseModel):
    seed: int = Field(ge=-(2**63), lt=2**63, description="The same seed and pool give the same panel")
    organiser_chat_id: int | None = Field(default=None, description="Where the jury calls' progress is shown")
    organiser_language: str | None = Field(default=None, max_length=8)


class JuryStatus(BaseModel):
    slug: str
    size: int
    quotas: dict[str, Any]
    pool: int = Field(description="Volunteers who may be contacted and have not withdrawn")
    withdrawn: int
    drawn: bool
    panel: dict[str, int] = Field(
        description="Seats by state: selected, invited, accepted, declined, expired, withdrawn"
    )
    replacements: int = Field(description="Members drawn to replace others")
    refill_problem: str | None = Field(description="Why the last replacement could not be drawn")
    ends_at: str | None
    ended: bool
    answer_within_hours: int
    algorithm: str | None = None
    note: str | None = None


@router.get(
    "/consultations/{slug}/jury",
    response_model=JuryStatus,
    summary="The jury of the definition: pool, panel filling up",
    responses=errors(404),
)
async def jury_status(
    db: AsyncSession = Depends(session), consultation: Consultation = Depends(consultation_or_404)
) -> dict[str, Any]:
    return await panel.status(db, consultation)


@router.post(
    "/consultations/{slug}/jury/panel",
    response_model=JuryStatus,
    summary="Draw the panel with the definition's quotas and call the drawn volunteers",
    responses=errors(400, 404, 409, 422),
)
async def jury_panel(
    body: PanelIn, db: AsyncSession = Depends(session), consultation: Consultation = Depends(consultation_or_404)
) -> dict[str, Any]:
    with _refusals_of_the_draw():
        return await panel.draw_and_call(db, consultation, body.seed, body.organiser_chat_id, body.organiser_language)


@contextmanager
def _refusals_of_the_draw() -> Iterator[None]:
    """A draw the quotas cannot give: 422 with the relaxations that would make them feasible; a pool that cannot
    fill them at all: 400. The same answers from both routes that draw."""
    try:
        yield
    except InfeasibleQuotas as error:
        relaxations = [change.__dict__ for change in error.relaxations]
        raise ApiError(422, "infeasible_quotas", error.reason, relaxations=relaxations) from error
    except PoolError as error:
        raise bad_request("pool_does_not_fit_quotas", str(error)) from error


@router.post(
    "/consultations/{slug}/jury/end",
    response_model=JuryStatus,
    summary="The jury's work ends now: retention counts from here",
    responses=errors(404),
)
async def jury_end(
    db: AsyncSession = Depends(session), consultation: Consultation = Depends(consultation_or_404)
) -> dict[str, Any]:
    return await panel.end(db, consultation)
