"""The complementary draw: seats freed on a panel (a decline, no answer by the deadline, a withdrawal) are
filled from the volunteers not yet drawn, so that the whole panel still meets every quota.

Built on :func:`api.scoring.sortition.draw` as it is: the members who keep their seats take their share of
each quota (every min and max lowered by how many of them have that value) and of the size; the pool leaves
out everyone drawn before. A faster draw by types will replace this function's body, not its call sites.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from api.scoring.sortition import Draw, InfeasibleQuotas, Quota, Quotas, draw


def remaining_quotas(quotas: Quotas, kept: list[Mapping[str, str]]) -> Quotas:
    """What is left of ``quotas`` for the seats the ``kept`` members (their categories) do not fill.
    :class:`InfeasibleQuotas` when they already break a maximum (they cannot: they came from valid draws)."""
    categories: dict[str, dict[str, Quota]] = {}
    for name, values in quotas.categories.items():
        held = Counter(member.get(name) for member in kept)
        left: dict[str, Quota] = {}
        for value, quota in values.items():
            count = held.get(value, 0)
            if count > quota.max:
                raise InfeasibleQuotas([], f"the members kept already exceed {name} {value}'s maximum")
            left[value] = Quota(max(0, quota.min - count), quota.max - count)
        categories[name] = left
    return Quotas(quotas.size - len(kept), categories)


def complementary_draw(
    pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int, kept: list[Mapping[str, str]]
) -> Draw:
    """The replacements for ``quotas.size - len(kept)`` seats, drawn from ``pool`` (volunteers never drawn for
    this panel), so that kept members and replacements together meet ``quotas``. Raises what
    :func:`api.scoring.sortition.draw` raises."""
    return draw(pool, remaining_quotas(quotas, kept), seed)
