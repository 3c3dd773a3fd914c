"""The report's opinion-group sections: what every group agrees on (the candidates for recommendations), what a
majority agrees on but not every group, what divides the groups, and each group's view, named by what it agrees on.

The figures are :func:`api.results.groups.published_groups`'s (what ``/groups`` answers: a group under the
consultation's ``min_segment_size`` is withheld there, and a group's figures on a statement fewer of its members
voted on are null), the names :func:`api.standing.group_view`'s (as the digest names groups). Each share is shown
with its 95 % interval and its n: the group's members who voted on the statement.
"""

from __future__ import annotations

from typing import Any

from api.content import localized
from api.pages import charts
from api.pages.model import Cell, Section, Table
from api.pages.model import Shape as Figures
from api.report.sources import Sources
from api.results.shares import share

LISTED = 10
"""Statements at most in each list (the candidates, the majority-only ones, the divisive ones)."""
NAME_CHARS = 80
"""A group's name quotes its statement up to this length (a whole statement is in the group's table)."""


def _short(text: str, limit: int = NAME_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-–—")
    return cut + "…"


class Opinions:
    def __init__(self, sources: Sources, figures: Figures) -> None:
        self.figures, self.tr = figures, figures.tr
        self.published = sources.groups
        self.groups: list[dict[str, Any]] = sources.groups["groups"]
        self.statements = {s["proposal_id"]: s for s in sources.groups["statements"]}
        default = sources.consultation.default_language
        named = (sources.names or {}).get("groups", {})
        self.names: dict[int, str] = {}
        for group in self.groups:
            name = named.get(str(group["id"]))
            self.names[group["id"]] = (
                self.tr._(
                    "People who agree that «{statement}»",
                    statement=_short(localized(name["name"]["text"], sources.language, default)),
                )
                if name
                else self.tr.n_("A group of {n} person", "A group of {n} people", group["size"])
            )

    def sections(self) -> list[Section]:
        if not self.groups:
            return [self._none()]
        bridging = sorted(
            (s for s in self.statements.values() if s["bridging"]), key=lambda s: -(s["consensus_agree"] or 0)
        )
        majority = sorted(
            (s for s in self.statements.values() if s["majority"] and not s["bridging"]),
            key=lambda s: -(s["consensus_agree"] or 0),
        )
        divisive = sorted(
            (s for s in self.statements.values() if (s["divisiveness"] or 0) > 0), key=lambda s: -s["divisiveness"]
        )
        tr = self.tr
        return [
            self._list(
                "bridging",
                tr._("Agreed across all groups: candidates for recommendations"),
                tr._("A majority of every opinion group agrees with these statements."),
                tr._("No statement has the agreement of a majority in every group."),
                bridging[:LISTED],
            ),
            self._list(
                "majority",
                tr._("Agreed by a majority, but not by every group"),
                tr._("More people agree than not overall, but at least one group does not agree."),
                tr._("No statement is in this case."),
                majority[:LISTED],
            ),
            self._list(
                "divisive",
                tr._("What divides the groups"),
                tr._("The statements on which the groups' agreement differs the most."),
                tr._("No statement divides the groups."),
                divisive[:LISTED],
                divides=True,
            ),
            *(self._group(group) for group in self.groups),
        ]

    # ---- pieces ---------------------------------------------------------------------------------------

    def _none(self) -> Section:
        tr = self.tr
        if self.published["computed_at"] is None:
            why = tr._("Opinion groups have not been computed: there are no votes on agree / disagree statements yet.")
        elif self.published["withheld_groups"]:
            why = tr._(
                "Opinion groups are not shown: fewer than two groups have at least {k} people.",
                k=self.figures.number(self.published["min_segment_size"]),
            )
        else:
            why = tr._("The votes do not form separate opinion groups yet.")
        return Section(id="groups", heading=tr._("Opinion groups"), meta=self.figures.date, summary=[why])

    def _agree(self, cell: dict[str, Any]) -> tuple[float, float, float]:
        figure = share(cell["agree"], cell["seen"])
        low, high = figure["interval"]
        return figure["share"], low, high

    def _cells(self, statement: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in statement["groups"] if c["seen"] is not None]

    def _list(
        self,
        section_id: str,
        heading: str,
        about: str,
        empty: str,
        chosen: list[dict[str, Any]],
        *,
        divides: bool = False,
    ) -> Section:
        tr, f = self.tr, self.figures
        rows: list[list[Cell]] = []
        bars: list[charts.Bar] = []
        for number, statement in enumerate(chosen, start=1):
            cells = self._cells(statement)
            figures = [(c, *self._agree(c)) for c in cells]
            for c, value, low, high in figures:
                rows.append(
                    [
                        Cell(f"{number}. {statement['text']}"),
                        Cell(self.names[c["group"]]),
                        Cell(f.share(value), value),
                        Cell(f.interval(low, high)),
                        Cell(f.number(c["seen"]), c["seen"]),
                    ]
                )
            least = min(figures, key=lambda x: x[1])
            most = max(figures, key=lambda x: x[1])
            label = f"{number}. {statement['text']}"
            if divides:
                text = tr._("{low} to {high} agree", low=f.share(least[1]), high=f.share(most[1]))
                bars.append(charts.Bar(label, most[1], text))
            else:
                bars.append(charts.Bar(label, least[1], f.share(least[1]), least[2], least[3]))
        if not chosen:
            return Section(id=section_id, heading=heading, meta=f.date, summary=[about, empty], kind="groups")
        seen = sum(c["seen"] for s in chosen for c in self._cells(s))
        section = Section(id=section_id, heading=heading, meta=f.meta(seen), summary=[about], kind="groups")
        section.chart = charts.bars(
            f"chart-{section_id}",
            heading,
            tr._("For each statement, the share who agree in the group agreeing least and in the one agreeing most.")
            if divides
            else tr._("For each statement, the share who agree in the group agreeing least, with its interval (95 %)."),
            bars,
        )
        section.table = Table(
            heading,
            [tr._("Statement"), tr._("Group"), tr._("Agree"), tr._("Interval (95 %)"), tr._("Voted")],
            rows,
        )
        return section

    def _group(self, group: dict[str, Any]) -> Section:
        tr, f = self.tr, self.figures
        total = sum(g["size"] for g in self.groups)
        size = share(group["size"], total)
        rows: list[list[Cell]] = []
        bars: list[charts.Bar] = []
        for r in group["representative"]:
            mine = next(c for c in self.statements[r["proposal_id"]]["groups"] if c["group"] == group["id"])
            if mine["seen"] is None:
                continue
            value, low, high = self._agree(mine)
            others = "; ".join(
                tr._(
                    "{share} ({interval}), n = {n}",
                    share=f.share(other_value),
                    interval=f.interval(other_low, other_high),
                    n=f.number(c["seen"]),
                )
                for c in r["others"]
                if c["seen"] is not None
                for other_value, other_low, other_high in [self._agree(c)]
            )
            stands = tr._("agrees more") if r["direction"] == "agree" else tr._("disagrees more")
            bars.append(charts.Bar(r["text"], value, f.share(value), low, high))
            rows.append(
                [
                    Cell(r["text"]),
                    Cell(stands),
                    Cell(f.share(value), value),
                    Cell(f.interval(low, high)),
                    Cell(f.number(mine["seen"]), mine["seen"]),
                    Cell(others),
                ]
            )
        name = self.names[group["id"]]
        section = Section(
            id=f"group-{group['id']}",
            heading=name,
            meta=f.meta(group["size"]),
            summary=[
                tr.n_(
                    "{n} person is in this group: {share} of the people placed in a group ({interval}).",
                    "{n} people are in this group: {share} of the people placed in a group ({interval}).",
                    group["size"],
                    share=f.share(size["share"]),
                    interval=f.interval(*size["interval"]),
                ),
                tr._("What sets this group apart from the others (Polis's representative statements):"),
            ],
            kind="groups",
        )
        if rows:
            section.chart = charts.bars(
                f"chart-group-{group['id']}",
                name,
                tr._("The share of this group who agree with each statement, with its interval (95 %)."),
                bars,
            )
            section.table = Table(
                name,
                [
                    tr._("Statement"),
                    tr._("This group"),
                    tr._("Agree"),
                    tr._("Interval (95 %)"),
                    tr._("Voted"),
                    tr._("Agree in the other groups"),
                ],
                rows,
            )
        return section
