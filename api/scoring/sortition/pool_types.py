"""A pool as types: volunteers who gave the same answer in every category are interchangeable for the quotas.

A pool of 10 000 volunteers with 4 categories of 2 to 4 values has at most 72 types, whatever its size: the
draw's programmes are over the types (api/scoring/sortition/leximin.py), the members are drawn within them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from api.scoring.sortition.leximin import CountProblem
from api.scoring.sortition.quotas import Quotas


class PoolError(ValueError):
    """The pool does not fit the quotas (a volunteer's value with no quota, a category missing)."""


@dataclass(frozen=True)
class PoolTypes:
    categories: tuple[str, ...]  # the quotas' categories, in their order
    answers: tuple[tuple[str, ...], ...]  # per type: its value in each category (as the quotas spell it), sorted
    members: tuple[tuple[str, ...], ...]  # per type: its volunteers' keys, sorted

    def problem(self, quotas: Quotas) -> CountProblem:
        rows = []
        for position, name in enumerate(self.categories):
            for value, quota in quotas.categories[name].items():
                counted = tuple(kind for kind, answers in enumerate(self.answers) if answers[position] == value)
                rows.append((counted, quota.min, quota.max))
        return CountProblem(tuple(len(keys) for keys in self.members), quotas.size, tuple(rows))

    def type_of(self) -> dict[str, int]:
        return {key: kind for kind, keys in enumerate(self.members) for key in keys}


def check_pool(pool: Mapping[str, Mapping[str, str]], quotas: Quotas) -> None:
    """Every volunteer has a value in every category, each with a quota (compared without case, as the
    library compares them)."""
    for name, values in quotas.categories.items():
        known = {value.lower() for value in values}
        missing = sum(1 for answers in pool.values() if not answers.get(name))
        unknown = sorted(
            {answers[name] for answers in pool.values() if answers.get(name) and answers[name].lower() not in known}
        )
        if missing:
            raise PoolError(f"{missing} volunteer(s) have no value for the category {name!r}")
        if unknown:
            raise PoolError(f"category {name!r}: values in the pool without a quota: {', '.join(unknown)}")


def pool_types(pool: Mapping[str, Mapping[str, str]], quotas: Quotas) -> PoolTypes:
    """The pool's types (only those with members). Raises :class:`PoolError` when the pool does not fit."""
    check_pool(pool, quotas)
    names = tuple(quotas.categories)
    spelling = {name: {value.lower(): value for value in quotas.categories[name]} for name in names}
    groups: dict[tuple[str, ...], list[str]] = {}
    for key, answers in pool.items():
        groups.setdefault(tuple(spelling[name][answers[name].lower()] for name in names), []).append(key)
    ordered = sorted(groups.items())
    return PoolTypes(
        categories=names,
        answers=tuple(answers for answers, _ in ordered),
        members=tuple(tuple(sorted(keys)) for _, keys in ordered),
    )
