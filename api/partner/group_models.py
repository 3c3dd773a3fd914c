"""What ``/v1/consultations/{slug}/groups`` and ``/organiser/consultations/{slug}/groups`` answer, as models for the
OpenAPI document (the routes build it in :mod:`api.results.groups`; the tests validate real answers and the
example against these models)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GROUPS_DESCRIPTION = """Opinion groups found in the votes on the consultation's statements, as Pol.is finds them
(PCA of the agree / disagree / pass votes of the participants who voted on at least 7 statements, k-means, 2 to 5
groups chosen by silhouette), recomputed in the background as votes arrive: `computed_at` says when, `seconds`
how long it took and `stability` which share of the previous run's participants stayed in their group.

Per group: its size and its representative statements (Polis' repness: what the group thinks more than the
others, both tests at 90 %), with how each other group voted on them. Per statement: group-informed consensus
(Π over groups of (agree+1)/(seen+2): high only when every group agrees, whatever the groups' sizes), and
divisiveness (highest minus lowest group agreement). `bridging` lists the statements a majority of every group
agrees with, best consensus first; `majority_only` those most voters agree with but not every group;
`divisive` those that split the groups most.

**Privacy.** A group of fewer participants than the consultation's `min_segment_size` is withheld whole (never
merged into an "other" group): it has no entry in `groups`, its votes are in no figure, and consensus and
divisiveness are computed over the published groups only; `withheld_groups` says how many there were. When fewer
than two groups are large enough, no group is published. A group's figures on a statement seen by fewer than
`min_segment_size` of its members are null, and so are that statement's consensus and divisiveness. Which
group a participant is in is never published (docs/privacy.md)."""


class GroupVotes(BaseModel):
    group: int = Field(description="The group's `id`.")
    seen: int | None = Field(
        description="Members of the group who voted on the statement (pass included); null "
        "when fewer than `min_segment_size`."
    )
    agree: int | None = Field(description="Of them, how many agreed; null with `seen`.")
    agree_share: float | None = Field(description="agree / seen, 0..1; null with `seen`.")


class RepresentativeStatement(BaseModel):
    proposal_id: int
    text: str = Field(description="The statement, in the requested language.")
    direction: Literal["agree", "disagree"] = Field(description="What the group thinks of it, more than the others.")
    votes: int = Field(description="Members of the group who voted on it.")
    in_direction: int = Field(description="Of them, how many voted in `direction`.")
    share: float = Field(description="(in_direction + 1) / (votes + 2), Polis' smoothed share.")
    repness: float = Field(description="How many times more than the other groups (Polis' ra or rd).")
    repness_test: float = Field(description="z of the two-proportion test against the other groups.")
    others: list[GroupVotes] = Field(description="How each other published group voted on it.")


class Group(BaseModel):
    id: int = Field(description="The group's number (0, 1, …; Polis' `group-id`); stable across recomputations.")
    size: int = Field(description="Participants in the group (always at least `min_segment_size`).")
    representative: list[RepresentativeStatement]


class StatementGroups(BaseModel):
    proposal_id: int
    text: str
    consensus_agree: float | None = Field(
        description="Group-informed consensus: Π over groups of (agree+1)/(seen+2), 0..1."
    )
    consensus_disagree: float | None = Field(description="The same for disagree votes.")
    divisiveness: float | None = Field(description="Highest minus lowest group agreement share, 0..1.")
    bridging: bool = Field(description="A majority of every published group agrees.")
    majority: bool = Field(description="A majority of the grouped voters agrees (bridging or not).")
    groups: list[GroupVotes]


class Groups(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "budget-2026",
                    "language": "en",
                    "min_segment_size": 10,
                    "computed_at": "2026-03-12T14:03:11Z",
                    "k": 3,
                    "seconds": 0.412,
                    "stability": 0.97,
                    "withheld_groups": 1,
                    "groups": [
                        {
                            "id": 0,
                            "size": 412,
                            "representative": [
                                {
                                    "proposal_id": 42,
                                    "text": "More night buses",
                                    "direction": "agree",
                                    "votes": 390,
                                    "in_direction": 351,
                                    "share": 0.8977,
                                    "repness": 2.31,
                                    "repness_test": 11.2,
                                    "others": [{"group": 1, "seen": 280, "agree": 98, "agree_share": 0.35}],
                                }
                            ],
                        },
                        {"id": 1, "size": 301, "representative": []},
                    ],
                    "statements": [
                        {
                            "proposal_id": 42,
                            "text": "More night buses",
                            "consensus_agree": 0.3152,
                            "consensus_disagree": 0.0588,
                            "divisiveness": 0.5477,
                            "bridging": False,
                            "majority": True,
                            "groups": [
                                {"group": 0, "seen": 390, "agree": 351, "agree_share": 0.9},
                                {"group": 1, "seen": 280, "agree": 98, "agree_share": 0.35},
                            ],
                        }
                    ],
                    "bridging": [],
                    "majority_only": [42],
                    "divisive": [42],
                }
            ]
        }
    )

    slug: str
    language: str = Field(description="The language of the statements' texts.")
    min_segment_size: int
    computed_at: datetime | None = Field(description="When the groups were computed; null: not yet.")
    k: int = Field(description="Groups found (withheld ones included); 0: not enough votes yet.")
    seconds: float | None = Field(description="How long the computation took.")
    stability: float | None = Field(
        description="Share of the previous computation's participants still in their group; null after the first."
    )
    withheld_groups: int = Field(description="Groups not published (smaller than `min_segment_size`).")
    groups: list[Group]
    statements: list[StatementGroups] = Field(description="Every accepted statement, with its figures per group.")
    bridging: list[int] = Field(
        description="Up to 5 statements a majority of every group agrees with (proposal ids, best consensus first)."
    )
    majority_only: list[int] = Field(
        description="Up to 5 statements most grouped voters agree with, but not every group."
    )
    divisive: list[int] = Field(description="Up to 5 statements that divide the groups most.")
