"""The rules of a participatory-budget ballot, kind by kind: what one pick may do, and what a sent ballot must be.

One home for them: the chat's picks (``api/participant/ballots.py``) and a whole ballot posted to
``/participant/{id}/answers`` (``api/answers.py``) are checked here, so that no front end can store a ballot the
definition forbids. A ballot is a list of option ids, as the ``answer`` row stores it and
``api/results/budget.py`` counts it:

- ``knapsack`` and ``approval``: each chosen project once (kept sorted);
- ``cumulative``: a project once per point given to it (kept sorted);
- ``ordinal``: the ranked projects, best first.

A refusal is a 400 whose code and details let the front end say why in the participant's language:
``over_budget`` (``cost``, ``left``, ``spent``, ``total``), ``too_many`` (``max``), ``no_points_left``
(``points``), ``project_points`` (``max``), ``invalid_count`` (``min``, ``max``, ``named``), ``under_min_spend``
(``min_spend``, ``spent``), ``empty_ballot``; money comes with the item's ``currency``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from api.errors import bad_request
from core.definition.model import minimum_spend

PickAction = Literal["add", "remove", "clear"]


@dataclass(frozen=True)
class BallotRules:
    """A budget item's ballot rules, read from its stored config."""

    kind: str
    currency: str
    total: int
    low: int
    high: int
    points: int
    per_project: int
    min_spend: int

    @classmethod
    def of(cls, config: dict[str, Any], projects: int) -> BallotRules:
        total = int(config["total"])
        points = int(config.get("points") or 0)
        return cls(
            kind=str(config.get("ballot", "knapsack")),
            currency=str(config.get("currency", "EUR")),
            total=total,
            low=int(config.get("min_projects", 1)),
            high=int(config.get("max_projects") or projects),
            points=points,
            per_project=int(config.get("max_points_per_project") or points),
            min_spend=minimum_spend(total, config.get("min_spend_share")),
        )


def canonical(kind: str, value: list[int]) -> list[int]:
    """The one way a ballot is stored: an ordinal ballot keeps its order, the others are sorted."""
    return list(value) if kind == "ordinal" else sorted(value)


def projects_named(value: list[int]) -> int:
    return len(set(value))


def spent(value: list[int], costs: dict[int, int]) -> int:
    return sum(costs[option] for option in set(value))


def parse(kind: str, value: Any, costs: dict[int, int]) -> list[int]:
    """A posted ballot's option ids, checked to be the item's and in the shape of its kind."""
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise bad_request("invalid_value", "a budget ballot is a list of option ids")
    unknown = sorted({v for v in value if v not in costs})
    if unknown:
        raise bad_request("invalid_option", f"options {unknown} are not projects of this item")
    if kind != "cumulative" and len(set(value)) != len(value):
        raise bad_request("invalid_value", "a project is listed twice")
    return canonical(kind, value)


def pick(
    rules: BallotRules, costs: dict[int, int], current: list[int], action: PickAction, option: int | None
) -> list[int]:
    """The ballot after one pick: a project added (cumulative: one more point), taken out (one point fewer), or
    everything cleared. A pick the rules forbid is refused with what stands in its way; adding a project
    already chosen (or taking out one that is not) changes nothing, so a press delivered twice is harmless."""
    if action == "clear":
        return []
    if option is None or option not in costs:
        raise bad_request("invalid_option", "the pick names no project of this item")
    if action == "remove":
        if option not in current:
            return list(current)
        if rules.kind == "cumulative":
            kept = list(current)
            kept.remove(option)
            return canonical(rules.kind, kept)
        return [v for v in current if v != option]
    if rules.kind != "cumulative" and option in current:
        return list(current)
    if option not in current and projects_named(current) >= rules.high:
        raise bad_request("too_many", f"a ballot names at most {rules.high} projects", max=rules.high)
    if rules.kind == "knapsack":
        used = spent(current, costs)
        if used + costs[option] > rules.total:
            raise bad_request(
                "over_budget",
                f"the project costs {costs[option]}, {rules.total - used} is left",
                cost=costs[option],
                left=rules.total - used,
                spent=used,
                total=rules.total,
                currency=rules.currency,
            )
    if rules.kind == "cumulative":
        if len(current) >= rules.points:
            raise bad_request("no_points_left", f"all {rules.points} points are given", points=rules.points)
        if Counter(current)[option] >= rules.per_project:
            raise bad_request(
                "project_points", f"at most {rules.per_project} points go to one project", max=rules.per_project
            )
    return canonical(rules.kind, [*current, option])


def complete(rules: BallotRules, costs: dict[int, int], value: list[int]) -> None:
    """Refuse a ballot that cannot be sent as it stands."""
    named = projects_named(value)
    if named == 0 and rules.low > 0:
        raise bad_request("empty_ballot", "pick at least one project", min=rules.low, max=rules.high)
    if not rules.low <= named <= rules.high:
        raise bad_request(
            "invalid_count",
            f"choose between {rules.low} and {rules.high} projects",
            min=rules.low,
            max=rules.high,
            named=named,
        )
    if rules.kind == "knapsack":
        used = spent(value, costs)
        if used > rules.total:
            raise bad_request(
                "over_budget",
                f"the projects cost {used}, more than the budget of {rules.total}",
                spent=used,
                total=rules.total,
                currency=rules.currency,
            )
        if used < rules.min_spend:
            raise bad_request(
                "under_min_spend",
                f"the projects cost {used}, less than the {rules.min_spend} a ballot spends",
                min_spend=rules.min_spend,
                spent=used,
                total=rules.total,
                currency=rules.currency,
            )
    if rules.kind == "cumulative":
        if len(value) > rules.points:
            raise bad_request("over_points", f"a ballot gives at most {rules.points} points", points=rules.points)
        most = max(Counter(value).values(), default=0)
        if most > rules.per_project:
            raise bad_request(
                "project_points", f"at most {rules.per_project} points go to one project", max=rules.per_project
            )
