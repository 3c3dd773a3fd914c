"""A jury's quotas: the panel's size and, per category value, the least and most members it may have.

Written in YAML by the organiser::

    size: 40
    categories:
      age_band: {"16-24": {min: 8, max: 12}, "25-44": {min: 10, max: 16}}
      gender: {woman: {min: 18, max: 22}, man: {min: 18, max: 22}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class QuotasError(ValueError):
    """The quotas file is not a valid set of quotas (the message says where)."""


@dataclass(frozen=True)
class Quota:
    min: int
    max: int


@dataclass(frozen=True)
class Quotas:
    size: int
    categories: dict[str, dict[str, Quota]]

    def as_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "categories": {
                name: {value: {"min": q.min, "max": q.max} for value, q in values.items()}
                for name, values in self.categories.items()
            },
        }


def _count(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QuotasError(f"{where}: a whole number of people (0 or more), not {value!r}")
    return value


def quotas_from(data: Any) -> Quotas:
    """Quotas from their parsed form (YAML or JSON), checked for what makes no sense whatever the pool."""
    if not isinstance(data, dict):
        raise QuotasError("the quotas are a mapping with 'size' and 'categories'")
    unknown = set(data) - {"size", "categories"}
    if unknown:
        raise QuotasError(f"unknown keys: {', '.join(sorted(map(str, unknown)))} (expected 'size' and 'categories')")
    size = _count("size", data.get("size"))
    if size < 1:
        raise QuotasError("size: a panel has at least one member")
    raw = data.get("categories")
    if not isinstance(raw, dict) or not raw:
        raise QuotasError("categories: at least one category, each a mapping of values to {min, max}")
    categories: dict[str, dict[str, Quota]] = {}
    for name, values in raw.items():
        if not isinstance(values, dict) or not values:
            raise QuotasError(f"categories.{name}: a mapping of values to {{min, max}}")
        parsed: dict[str, Quota] = {}
        for value, bounds in values.items():
            where = f"categories.{name}.{value}"
            if not isinstance(bounds, dict) or set(bounds) != {"min", "max"}:
                raise QuotasError(f"{where}: exactly 'min' and 'max'")
            low, high = _count(f"{where}.min", bounds["min"]), _count(f"{where}.max", bounds["max"])
            if low > high:
                raise QuotasError(f"{where}: min {low} is above max {high}")
            parsed[str(value)] = Quota(low, high)
        if sum(q.min for q in parsed.values()) > size:
            raise QuotasError(f"categories.{name}: the minimums add up to more than the panel's size {size}")
        if sum(q.max for q in parsed.values()) < size:
            raise QuotasError(f"categories.{name}: the maximums add up to less than the panel's size {size}")
        categories[str(name)] = parsed
    return Quotas(size, categories)


def parse_quotas(text: str) -> Quotas:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QuotasError(f"not valid YAML: {error}") from error
    return quotas_from(data)
