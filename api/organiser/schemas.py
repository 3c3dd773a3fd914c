"""What the organiser routes take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import schemas
from core.vocabulary import StatusAction


class ItemStats(BaseModel):
    key: str
    kind: str
    prompt: str = ""
    answers: int


class GroupsStats(BaseModel):
    """The opinion groups in short, as /stats shows them (the whole answer: ``/organiser/…/groups``)."""

    sizes: list[int] = Field(description="Sizes of the published groups (none smaller than min_segment_size)")
    withheld: int = Field(description="Groups too small to be shown")
    bridging: str | None = Field(description="The statement agreed across all groups with the best consensus")


class Stats(BaseModel):
    slug: str
    title: str = ""
    status: str
    participants: int
    consented: int
    completed: int
    completion_rate: float
    pending_proposals: int = 0
    items: list[ItemStats]
    groups: GroupsStats | None = None


class StatusChange(BaseModel):
    action: StatusAction


class ConsultationRow(BaseModel):
    slug: str
    title: str = ""
    status: str
    participants: int
    actions: list[StatusAction] = Field(description="The status actions its status allows now, in order")


class DefinitionUpload(BaseModel):
    content: str = Field(max_length=512 * 1024, description="The definition file's text, YAML or JSON")
    filename: str | None = Field(default=None, max_length=255, description="Decides YAML or JSON by its suffix")


class ProblemOut(BaseModel):
    path: str
    line: int | None
    message: str
    text: str = Field(description="'file:line: path: message', as `viche validate` prints it")


class DraftOut(BaseModel):
    slug: str
    title: str
    status: str
    items: int
    languages: list[str]
    created: bool = Field(description="False when an existing draft was replaced")
    warnings: list[ProblemOut] = []


class PreviewOut(schemas.NextOut):
    """One step of a consultation as a participant would see it (the shape of ``/participant/{id}/next``)."""

    position: int
    steps: int = Field(description="Consent, each profile question, each item (branches included), the end")
    next_position: int | None = None
    show_if: dict[str, Any] | None = Field(default=None, description="The item's branch condition, when it has one")
    pool: int = Field(default=0, description="Accepted proposals of a proposal or pairs item")
    pending: int = Field(default=0, description="Citizen proposals of this item waiting for moderation")


class LinkOut(BaseModel):
    slug: str
    title: str
    status: str
    payload: str = Field(description="The /start payload: the slug, or '<slug>--<source>'")
    url: str
    qr_png: str = Field(description="Path of the QR code image of ``url``")


class AccessOut(BaseModel):
    telegram_id: int
    organiser: bool
    owner: bool


class OrganiserOut(BaseModel):
    telegram_id: int
    source: Literal["configured", "granted"] = Field(description="VICHE_ADMINS / VICHE_OWNERS, or /grant")
    owner: bool = False
    granted_by: int | None = None
    granted_at: datetime | None = None


class GrantIn(BaseModel):
    telegram_id: int = Field(gt=0)


class RevokeOut(BaseModel):
    telegram_id: int
    revoked: bool


class MenuOut(BaseModel):
    telegram_id: int
    owner: bool = False
