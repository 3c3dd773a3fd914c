"""The error responses the OpenAPI documents: one shared model of the JSON problem every 4xx carries
(``{"error": {"status", "code", "message", …}}``, see :mod:`api.errors`), and what each status means here.

Routers declare what any of their routes may answer (``responses=SERVICE`` / ``ORGANISER``), routes what they
add (``responses=errors(404, 409)``); tests/production/test_schemathesis.py fails when a route answers a
status its OpenAPI does not list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ProblemDetail(BaseModel):
    model_config = ConfigDict(extra="allow")  # some errors say more: `problems`, `consultation_status`, …

    status: int
    code: str
    message: str


class Problem(BaseModel):
    error: ProblemDetail


MEANING = {
    400: "Values the route refuses (`error.code` says which), or a body that is not valid JSON",
    401: "No valid service token (Authorization: Bearer …)",
    403: "Not allowed to the one who acts",
    404: "What the path or body names does not exist",
    409: "Conflicts with the current state (`error.code` says which: not open, already answered, …)",
    422: "A parameter or the body does not match the schema (`error.problems` lists each)",
}


def errors(*statuses: int, meaning: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these statuses, each with the shared problem model."""
    texts = {**MEANING, **(meaning or {})}
    return {status: {"model": Problem, "description": texts[status]} for status in statuses}


SERVICE = errors(401, 422)  # every route the bot calls with the service token
ORGANISER = errors(
    401,
    403,
    422,
    meaning={
        401: "No valid service token, or no valid X-Viche-Actor assertion of who acts (missing, forged, expired, or "
        "signed for another request)",
        403: "The one who acts is not an organiser (or, for owners' actions, not an owner)",
    },
)
