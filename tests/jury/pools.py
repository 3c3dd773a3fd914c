"""Synthetic pools of volunteers, skewed against the panel's targets, and quotas for them."""

from __future__ import annotations

import random
from collections import Counter

AGES = {"16-24": 0.55, "25-44": 0.30, "45+": 0.15}  # the young volunteer most; the quotas want each band alike
GENDERS = {"woman": 0.30, "man": 0.70}  # men volunteer more; the quotas want parity
DISTRICTS = {"north": 0.6, "south": 0.4}

QUOTAS = {
    "size": 12,
    "categories": {
        "age_band": {"16-24": {"min": 3, "max": 5}, "25-44": {"min": 3, "max": 5}, "45+": {"min": 3, "max": 5}},
        "gender": {"woman": {"min": 6, "max": 6}, "man": {"min": 6, "max": 6}},
        "district": {"north": {"min": 5, "max": 7}, "south": {"min": 5, "max": 7}},
    },
}

QUOTAS_YAML = """size: 12
categories:
  age_band: {"16-24": {min: 3, max: 5}, "25-44": {min: 3, max: 5}, "45+": {min: 3, max: 5}}
  gender: {woman: {min: 6, max: 6}, man: {min: 6, max: 6}}
  district: {north: {min: 5, max: 7}, south: {min: 5, max: 7}}
"""


def skewed_pool(size: int, seed: int = 1) -> dict[str, dict[str, str]]:
    rng = random.Random(seed)

    def pick(shares: dict[str, float]) -> str:
        return rng.choices(list(shares), list(shares.values()))[0]

    return {
        f"p{n:05d}": {"age_band": pick(AGES), "gender": pick(GENDERS), "district": pick(DISTRICTS)} for n in range(size)
    }


def pool_csv(pool: dict[str, dict[str, str]]) -> str:
    lines = ["id,age_band,gender,district"]
    lines += [f"{key},{v['age_band']},{v['gender']},{v['district']}" for key, v in pool.items()]
    return "\n".join(lines) + "\n"


def meets(panel: list[str], pool: dict[str, dict[str, str]], quotas: dict) -> bool:
    """The panel has the quotas' size, no one twice, and every category value within its min and max."""
    if len(set(panel)) != len(panel) or len(panel) != quotas["size"]:
        return False
    for name, values in quotas["categories"].items():
        counts = Counter(pool[key][name] for key in panel)
        if any(not (q["min"] <= counts[value] <= q["max"]) for value, q in values.items()):
            return False
    return True
