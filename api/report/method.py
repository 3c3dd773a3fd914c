"""The report's last section: how its figures were made, in plain words, saying only what applies to this
consultation (pairs only when it has pairs, and so on)."""

from __future__ import annotations

from api.pages.model import Section
from api.pages.model import Shape as Figures


def method_section(figures: Figures, kinds: set[str], k: int, groups: bool) -> Section:
    tr = figures.tr
    lines = [
        tr._(
            "Everyone who agreed to take part and answered at least one question is counted. No figure about fewer "
            "than {k} people is shown: smaller groups are joined into “other” or left out.",
            k=figures.number(k),
        ),
        tr._(
            "Each share comes with its interval (95 %, Wilson's): had other people like these taken part, the share "
            "would lie inside it in 95 cases out of 100. n is the number of people (or votes) a figure rests on."
        ),
    ]
    if "proposal" in kinds:
        lines.append(
            tr._(
                "Statements: people agreed, disagreed or passed. “Broad agreement” means that clearly more of those "
                "who took a side agree than disagree."
            )
        )
    if groups:
        lines.append(
            tr._(
                "Opinion groups, as Pol.is makes them: people who voted on at least seven statements (or on all, if "
                "there are fewer) are placed on a map of how they voted (two principal components), and gathered in "
                "the two to five groups that separate them best. A group is named by the statement it agrees with "
                "most compared with the others."
            )
        )
        lines.append(
            tr._(
                "A statement is agreed across all groups when more than half of those who voted on it in each group "
                "agree; it divides when the groups' shares of agreement are far apart."
            )
        )
    if "pairs" in kinds:
        lines.append(
            tr._(
                "Pairs: people chose the better of two proposals, many times; the Bradley–Terry model turns these "
                "choices into each proposal's chance to win against a random other one."
            )
        )
    if "budget" in kinds:
        lines.append(
            tr._(
                "Budgets: every counting rule the organisers chose is shown, counted on the same ballots; the first "
                "is the official one."
            )
        )
    return Section(id="method", heading=tr._("How these figures were made"), meta=figures.date, summary=lines)
