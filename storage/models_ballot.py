"""A budget ballot being filled in: the projects a participant has picked so far, before they send it.

Kept here, not in the bot's memory nor in the buttons, so that a ballot survives a restart of the bot and
any front end can resume it. Sending the ballot writes (or replaces) the participant's one ``answer`` row for
the item and deletes the draft; a draft is never counted. ``version`` grows with each pick, so that two picks
arriving together cannot both start from the same ballot (the second one is applied again on the first's).
It goes with the participant (``/forget`` deletes it: it was never sent).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import fk, json_field, participant_fk, utcnow


class BallotDraft(SQLModel, table=True):
    __tablename__ = "ballot_draft"
    __table_args__ = (UniqueConstraint("participant_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = participant_fk()
    item_id: int = fk("item.id")
    value: list[int] = json_field(list)  # option ids, as a stored answer holds them (api/ballot_rules.py)
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
