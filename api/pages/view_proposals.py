"""The page's sections about proposals: agree / disagree votes (with the opinion groups' views where they
exist) and pairs."""

from __future__ import annotations

from typing import Any

from api.pages import charts, formats
from api.pages.model import Cell, Section, Shape, Table


class Proposals(Shape):
    def verdict(self, zone: str) -> str:
        return {
            "consensus": self.tr._("Broad agreement"),
            "rejection": self.tr._("Broad disagreement"),
            "controversy": self.tr._("Divides people"),
        }.get(zone, self.tr._("Not clear yet"))

    def across(self, statement: dict[str, Any] | None) -> str:
        """Consensus across the opinion groups, in plain words: bridging (a majority in every group) or a majority
        overall only."""
        if statement is None or statement["consensus_agree"] is None:
            return self.tr._("Too few votes in some group to tell")
        if statement["bridging"]:
            return self.tr._("Every group agrees")
        if statement["majority"]:
            return self.tr._("A majority overall, but not in every group")
        return self.tr._("No majority across the groups")

    def group_name(self, groups: dict[str, Any], group: int) -> str:
        """A group as api/standing.py names it: by the statement it agrees on more than the others do."""
        statement = (groups.get("names") or {}).get(str(group))
        if statement:
            return self.tr._("Those who agree with “{statement}”", statement=statement)
        return self.tr._("A group without a statement of its own")

    def proposal_groups(self, item: dict[str, Any], groups: dict[str, Any]) -> Section | None:
        """Each proposal's agreement in each released opinion group, and whether every group agrees."""
        statements = {s["proposal_id"]: s for s in groups.get("statements") or []}
        shown = [p for p in item["proposals"] if p["id"] in statements]
        if not shown:
            return None
        ids = [g["id"] for g in groups["groups"]]
        names = [self.group_name(groups, g) for g in ids]
        title = self.tr._("{heading}: by opinion group", heading=self.heading(item))
        rows = []
        for p in shown:
            statement = statements[p["id"]]
            by_group = {c["group"]: c for c in statement["groups"]}
            row = [Cell(p["text"])]
            for g in ids:
                cell = by_group.get(g) or {}
                share = cell.get("agree_share")
                row.append(Cell(self.tr._("not shown")) if share is None else Cell(self.share(share), share))
            across = self.across(statement)
            row.append(Cell(across))
            rows.append(row)
        sizes = ", ".join(f"{name}: {self.number(g['size'])}" for g, name in zip(groups["groups"], names, strict=True))
        summary = [
            self.tr._("Opinion groups gather people who voted alike. Their sizes: {sizes}.", sizes=sizes),
            self.tr._(
                "Every group agrees: a majority of each group's voters agree. A majority overall can hide a group "
                "that disagrees."
            ),
        ]
        if groups.get("withheld_groups"):
            summary.append(self.tr._("Groups smaller than the consultation's threshold are not shown."))
        return Section(
            id=f"item-{item['key']}-groups",
            heading=title,
            meta=self.meta(sum(g["size"] for g in groups["groups"])),
            summary=summary,
            table=Table(
                title,
                [self.tr._("Proposal"), *names, self.tr._("Across the groups")],
                rows,
            ),
        )

    def proposal(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        rows, stacks = [], []
        # Each person votes once on a statement: fewer votes than k would show a few people's votes.
        shown = [p for p in item["proposals"] if p["votes"] >= self.k]
        for p in shown:
            agree, neutral, disagree = p["agree"], p["neutral"], p["disagree"]
            verdict = self.verdict(p["zone"])
            low, high = p["agree_among_decided"]["interval"]
            stacks.append(
                (
                    f"{p['rank']}. {p['text']}",
                    verdict,
                    [
                        charts.Part(
                            agree["share"], charts.AGREE, self.tr._("agree {share}", share=self.share(agree["share"]))
                        ),
                        charts.Part(
                            neutral["share"],
                            charts.NEUTRAL,
                            self.tr._("neutral {share}", share=self.share(neutral["share"])),
                        ),
                        charts.Part(
                            disagree["share"],
                            charts.DISAGREE,
                            self.tr._("disagree {share}", share=self.share(disagree["share"])),
                        ),
                    ],
                )
            )
            rows.append(
                [
                    Cell(self.number(p["rank"]), p["rank"]),
                    Cell(p["text"]),
                    Cell(self.number(p["votes"]), p["votes"]),
                    Cell(self.share(agree["share"]), agree["share"]),
                    Cell(self.share(neutral["share"]), neutral["share"]),
                    Cell(self.share(disagree["share"]), disagree["share"]),
                    Cell(
                        self.tr._(
                            "{verdict}: of those who took a side, {low} to {high} agree",
                            verdict=verdict,
                            low=self.share(low),
                            high=self.share(high),
                        )
                    ),
                ]
            )
        return Section(
            id=f"item-{item['key']}",
            heading=title,
            meta=self.meta(item["votes"]),
            summary=[
                self.tr.n_("{n} vote on the proposals.", "{n} votes on the proposals.", item["votes"]),
                self.tr._("Broad agreement: clearly more agree than disagree. Divides people: both sides are large."),
                *(
                    [
                        self.tr.n_(
                            "{n} proposal with fewer than {k} votes is not shown.",
                            "{n} proposals with fewer than {k} votes are not shown.",
                            len(item["proposals"]) - len(shown),
                            k=self.number(self.k),
                        )
                    ]
                    if len(shown) < len(item["proposals"])
                    else []
                ),
            ],
            chart=charts.stacked(
                f"chart-{item['key']}",
                title,
                self.tr._("For each proposal, the shares who agree, are neutral and disagree."),
                stacks,
            )
            if stacks
            else None,
            table=Table(
                title,
                [
                    self.tr._("Rank"),
                    self.tr._("Proposal"),
                    self.tr._("Votes"),
                    self.tr._("Agree"),
                    self.tr._("Neutral"),
                    self.tr._("Disagree"),
                    self.tr._("In plain words"),
                ],
                rows,
            ),
        )

    def pairs(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        bars, rows = [], []
        for p in item["proposals"]:
            low, high = p["interval"]
            chance = formats.percent_points(p["score"], self.tr.locale)
            bars.append(charts.Bar(f"{p['rank']}. {p['text']}", p["score"] / 100, chance, low / 100, high / 100))
            rows.append(
                [
                    Cell(self.number(p["rank"]), p["rank"]),
                    Cell(p["text"]),
                    Cell(chance, p["score"] / 100),
                    Cell(self.interval(low / 100, high / 100)),
                    Cell(self.number(p["comparisons"]), p["comparisons"]),
                ]
            )
        return Section(
            id=f"item-{item['key']}",
            heading=title,
            meta=self.meta(item["comparisons"]),
            summary=[
                self.tr.n_(
                    "{n} choice between two proposals.", "{n} choices between two proposals.", item["comparisons"]
                ),
                self.tr._(
                    "Each bar: the chance that the proposal wins against a random other one, with its interval (95 %)."
                ),
            ],
            chart=charts.bars(
                f"chart-{item['key']}",
                title,
                self.tr._("The chance of each proposal to win against a random other one."),
                bars,
            )
            if bars
            else None,
            table=Table(
                title,
                [
                    self.tr._("Rank"),
                    self.tr._("Proposal"),
                    self.tr._("Chance to win"),
                    self.tr._("Interval (95 %)"),
                    self.tr._("Comparisons"),
                ],
                rows,
            ),
        )
