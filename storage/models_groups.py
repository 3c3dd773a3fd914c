"""Tables of the opinion groups: each consultation's latest groups, and which group each clustered participant is in.

``opinion_groups`` holds one row per consultation, replaced at each recomputation: when (``computed_at``), how
many groups (``k``) and their sizes, how long the computation took (``seconds``), how many of the previous run's
participants stayed in their group (``stability``), the k smoother's state (Polis changes k only after the new
k was best several updates in a row), what each group thinks (representative statements, and per statement
group-informed consensus and divisiveness), and the votes it was computed from (``votes_count``, ``votes_max_id``:
a new or changed vote changes them, so the background recomputation knows what is stale).

``opinion_group_member`` says which group a clustered participant is in. It goes with the participant (/forget
deletes it) and is never exported with anything that identifies them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from storage.models import json_field, utcnow


class OpinionGroups(SQLModel, table=True):
    __tablename__ = "opinion_groups"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    computed_at: datetime = Field(default_factory=utcnow)
    k: int = 0
    sizes: list[int] = json_field(list)
    clustered: int = 0
    seconds: float = 0.0
    stability: float | None = None  # None: the first run
    best_k: int | None = None
    last_k: int | None = None
    last_k_count: int = 0
    votes_count: int = 0
    votes_max_id: int = 0
    # Per group: [{"proposal_id", "direction", "n_success", "n_trials", "p_success", "p_test", "repness",
    # "repness_test"}]; per statement: {"proposal_id", "consensus_agree", "consensus_disagree", "divisiveness",
    # "group_agree": [...], "group_seen": [...], "group_disagree": [...]}.
    representative: list[Any] = json_field(list)
    statements: list[Any] = json_field(list)


class OpinionGroupMember(SQLModel, table=True):
    __tablename__ = "opinion_group_member"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    participant_id: str = Field(
        sa_column=Column(String(32), ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    group: int
