"""The complementary draw: seats freed on a panel (a decline, no answer by the deadline, a withdrawal) are
filled from the volunteers not yet drawn, so that the whole panel still meets every quota.

The draw itself is :func:`api.scoring.sortition.complementary_draw` (leximin over types): the members who keep
their seats take their share of each quota and of the size, and everyone drawn before is left out. Here: what
the panel's store knows (volunteers by id, the seats held, the seats freed) put into that function's terms, and
the quotas left for the open seats, which the draw's record keeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

from api.scoring.sortition import Draw, InfeasibleQuotas, Quota, Quotas
from api.scoring.sortition import complementary_draw as draw_open_seats


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
    pool: Mapping[str, Mapping[str, str]], quotas: Quotas, seed: int, kept: Collection[str], drawn: Collection[str]
) -> Draw:
    """The replacements for the seats the ``kept`` members (keys of ``pool``) leave open, drawn from ``pool``
    less everyone ``drawn`` for this panel before, so that kept members and replacements together meet
    ``quotas``. ``selected`` holds the replacements only. Raises what the scoring package's draw raises."""
    return draw_open_seats(pool, quotas, seed, accepted=kept, excluded=set(drawn) - set(kept))
