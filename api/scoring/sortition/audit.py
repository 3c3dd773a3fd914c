"""A draw's audit: what anyone may check about it, naming no one.

It holds the seed and the algorithm (so the draw can be run again and give the same panel), every volunteer's
chance of selection under a pseudonym (so each can see that their chance was as large as the quotas allowed),
and the panel's composition against the quotas. Pseudonyms are keyed with the jury's secret salt: without it
they cannot be traced back to the pool's rows; the organiser can tell a volunteer theirs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.scoring.sortition.draw import Draw
from api.scoring.sortition.quotas import Quotas


def pseudonym(salt: str, key: str) -> str:
    return "v-" + hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class Audit:
    seed: int
    algorithm: str
    note: str
    size: int
    pool: int
    panels: int  # panel compositions (members of each type) the distribution mixes
    probabilities: dict[str, float]  # pseudonym → chance, sorted by pseudonym
    composition: list[dict[str, Any]]  # per category value: min, max, selected, in_pool, met

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "algorithm": self.algorithm,
            "note": self.note,
            "size": self.size,
            "pool": self.pool,
            "panels": self.panels,
            "lowest_probability": min(self.probabilities.values(), default=0.0),
            "highest_probability": max(self.probabilities.values(), default=0.0),
            "probabilities": self.probabilities,
            "composition": self.composition,
        }


def audit(draw: Draw, pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int, salt: str) -> Audit:
    chosen = set(draw.selected)
    composition: list[dict[str, Any]] = []
    for name, values in quotas.categories.items():
        in_pool = Counter(answers[name].lower() for answers in pool.values())
        in_panel = Counter(pool[key][name].lower() for key in chosen)
        for value, quota in values.items():
            selected = in_panel[value.lower()]
            composition.append(
                {
                    "category": name,
                    "value": value,
                    "min": quota.min,
                    "max": quota.max,
                    "selected": selected,
                    "in_pool": in_pool[value.lower()],
                    "met": quota.min <= selected <= quota.max,
                }
            )
    named = {pseudonym(salt, key): round(chance, 6) for key, chance in draw.probabilities.items()}
    return Audit(
        seed=seed,
        algorithm=draw.algorithm,
        note=draw.note,
        size=quotas.size,
        pool=len(pool),
        panels=draw.panels,
        probabilities=dict(sorted(named.items())),
        composition=composition,
    )
