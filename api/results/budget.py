"""A budget item's results: every counting rule the organiser chose, side by side, counted exactly.

Stored answers are lists of option ids, whatever the ballot (api/answers.py records knapsack ballots from the
chat; ``viche import pabulib`` writes the others): ``knapsack`` and ``approval`` name each chosen project once,
``ordinal`` names them best first, ``cumulative`` names a project once per point given to it. :func:`election`
turns them into the points :mod:`api.scoring.budget` counts (ordinal: ``max_projects - position``, Pabulib's
score), so the results, the ``.pb`` export and a count by pabutools agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from api.results.shares import share
from api.scoring.budget import Election, Project, count
from storage.models import Item, Option

DEFAULT_COUNTING = ({"rule": "greedy"},)


def ballot_points(kind: str, value: Any, depth: int, key_of: dict[int, str]) -> dict[str, int] | None:
    """One stored ballot as points per project key; None for a stored value that is not a ballot."""
    if not isinstance(value, list):
        return None
    ids = [v for v in value if v in key_of]
    if kind == "ordinal":
        return {key_of[v]: depth - position for position, v in enumerate(ids)}
    if kind == "cumulative":
        return {key_of[v]: n for v, n in Counter(ids).items()}
    return dict.fromkeys((key_of[v] for v in ids), 1)


def tie_order(item: Item, options: Sequence[Option]) -> list[str]:
    rule = item.config.get("tie_break", "cheaper_first")
    if rule == "key":
        return sorted(o.key for o in options)
    if rule == "listed":
        return [o.key for o in sorted(options, key=lambda o: o.position)]
    return [o.key for o in sorted(options, key=lambda o: (o.cost or 0, o.position))]


def election(item: Item, options: Sequence[Option], values: Iterable[Any]) -> Election:
    kind = item.config.get("ballot", "knapsack")
    key_of = {o.id: o.key for o in options if o.id is not None}
    stored = [v for v in values if isinstance(v, list)]
    depth = int(item.config.get("max_projects") or max((len(v) for v in stored), default=0))
    ballots = [b for b in (ballot_points(kind, v, depth, key_of) for v in stored) if b is not None]
    return Election(
        budget=int(item.config.get("total") or 0),
        projects=tuple(Project(o.key, o.cost or 0) for o in options),
        ballots=tuple(ballots),
        tie_order=tie_order(item, options),
    )


def counted(the: Election, rule: dict[str, Any]) -> dict[str, Any]:
    """One configured rule with the projects it funds (in funding order) and the money they take."""
    funded = count(the, rule["rule"], threshold=int(rule.get("threshold", 0)), comparison=bool(rule.get("comparison")))
    return {
        "rule": rule["rule"],
        "threshold": int(rule.get("threshold", 0)),
        "comparison": bool(rule.get("comparison", False)),
        "funded": funded,
        "spent": the.cost(funded),
    }


def counts(item: Item, the: Election) -> list[dict[str, Any]]:
    """Each configured rule, counted, in the organiser's order (the first is the official one)."""
    return [counted(the, rule) for rule in item.config.get("counting") or DEFAULT_COUNTING]


def official(item: Item, the: Election) -> dict[str, Any]:
    """The official rule alone (the first configured), counted: what decides which projects are funded. The
    other rules are shown beside it in results only; an export need not pay for them (add1 is many counts of MES)."""
    return counted(the, (item.config.get("counting") or DEFAULT_COUNTING)[0])


def budget(
    item: Item, options: list[Option], label: dict[int, str], values: list[Any], districts: list[str] | None = None
) -> dict[str, Any]:
    """Ballots, each project's votes (ballots naming it) and score (points), and every rule's funded set; the
    first configured rule is the official one (``funded``, ``spent``, each project's ``funded``). ``districts``:
    the names of the regions a district's budget is for (none: everyone's)."""
    the = election(item, options, values)
    scores = the.scores()
    votes: Counter[str] = Counter()
    for ballot in the.ballots:
        votes.update(key for key, points in ballot.items() if points > 0)
    n = len(the.ballots)
    rules = counts(item, the)
    official = set(rules[0]["funded"])
    tie = {key: i for i, key in enumerate(the.tie_order or [])}
    order = sorted(options, key=lambda o: (-scores[o.key], tie[o.key]))
    projects = [
        {
            "key": o.key,
            "label": label[o.id],  # type: ignore[index]
            "cost": o.cost,
            "votes": votes[o.key],
            "score": scores[o.key],
            **{k: v for k, v in share(votes[o.key], n).items() if k != "count"},
            "rank": rank,
            "funded": o.key in official,
        }
        for rank, o in enumerate(order, start=1)
    ]
    return {
        "answered": n,
        "ballots": n,
        "ballot": item.config.get("ballot", "knapsack"),
        "districts": districts or [],
        "total": the.budget,
        "currency": item.config.get("currency", "EUR"),
        "spent": rules[0]["spent"],
        "funded": rules[0]["funded"],
        "rules": rules,
        "projects": projects,
    }
