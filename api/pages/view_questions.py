"""The page's sections about questions: choices, scales, free texts, budgets and places."""

from __future__ import annotations

from typing import Any

from api.pages import charts, formats
from api.pages.model import Cell, Section, Shape, Table


class Questions(Shape):
    def _choices(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        bars, rows = [], []
        for option in item["options"]:
            low, high = option["interval"]
            bars.append(
                charts.Bar(
                    option["label"],
                    option["share"],
                    f"{self.number(option['count'])} · {self.share(option['share'])}",
                    low,
                    high,
                )
            )
            rows.append(
                [
                    Cell(option["label"]),
                    Cell(self.number(option["count"]), option["count"]),
                    Cell(self.share(option["share"]), option["share"]),
                    Cell(self.interval(low, high)),
                ]
            )
        summary = [self.tr.n_("{n} person answered.", "{n} people answered.", item["answered"])]
        if item["kind"] == "multi_choice":
            summary.append(self.tr._("Each person could choose several answers: shares add up to more than 100 %."))
        return Section(
            id=f"item-{item['key']}",
            heading=title,
            meta=self.meta(item["answered"]),
            summary=summary,
            chart=charts.bars(
                f"chart-{item['key']}",
                title,
                self.tr._("How many chose each answer, with its interval (95 %)."),
                bars,
            ),
            table=Table(
                title,
                [self.tr._("Answer"), self.tr._("People"), self.tr._("Share"), self.tr._("Interval (95 %)")],
                rows,
            ),
        )

    single_choice = _choices
    multi_choice = _choices

    def scale(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        bars, rows = [], []
        for step in item["distribution"]:
            label = self.number(step["value"])
            bars.append(charts.Bar(label, step["share"], f"{self.number(step['count'])} · {self.share(step['share'])}"))
            rows.append(
                [
                    Cell(label, step["value"]),
                    Cell(self.number(step["count"]), step["count"]),
                    Cell(self.share(step["share"]), step["share"]),
                ]
            )
        summary = [self.tr.n_("{n} person answered.", "{n} people answered.", item["answered"])]
        if item.get("mean") is not None:
            summary.append(
                self.tr._(
                    "Average {mean} on a scale from {low} to {high}; half answered {median} or less.",
                    mean=formats.number(round(item["mean"], 1), self.tr.locale),
                    low=self.number(item["min"]),
                    high=self.number(item["max"]),
                    median=self.number(item["median"]),
                )
            )
        return Section(
            id=f"item-{item['key']}",
            heading=title,
            meta=self.meta(item["answered"]),
            summary=summary,
            chart=charts.bars(f"chart-{item['key']}", title, self.tr._("How many chose each value."), bars),
            table=Table(title, [self.tr._("Value"), self.tr._("People"), self.tr._("Share")], rows),
        )

    def free_text(self, item: dict[str, Any]) -> Section:
        summary = [self.tr.n_("{n} person wrote an answer.", "{n} people wrote an answer.", item["answered"])]
        if item.get("skipped"):
            summary.append(self.tr.n_("{n} person skipped it.", "{n} people skipped it.", item["skipped"]))
        return Section(
            id=f"item-{item['key']}",
            heading=self.heading(item),
            meta=self.meta(item["answered"]),
            summary=summary,
            texts=list(item.get("texts") or []),
        )

    def budget(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        locale, currency = self.tr.locale, item["currency"]
        scored = item.get("ballot") in ("cumulative", "ordinal")  # counted by points, not by ballots
        bars, rows = [], []
        for project in item["projects"]:
            funded = self.tr._("funded") if project["funded"] else self.tr._("not funded")
            bars.append(
                charts.Bar(
                    f"{project['label']} ({funded})",
                    project["share"],
                    f"{self.number(project['votes'])} · {self.share(project['share'])}",
                    *project["interval"],
                )
            )
            rows.append(
                [
                    Cell(self.number(project["rank"]), project["rank"]),
                    Cell(project["label"]),
                    Cell(formats.money(project["cost"], currency, locale), project["cost"]),
                    Cell(self.number(project["votes"]), project["votes"]),
                    Cell(self.share(project["share"]), project["share"]),
                    *([Cell(self.number(project["score"]), project["score"])] if scored else []),
                    Cell(funded),
                ]
            )
        summary = [
            self.tr.n_("{n} person voted.", "{n} people voted.", item["ballots"]),
            self.tr._(
                "Funded projects cost {spent} of {total}.",
                spent=formats.money(item["spent"], currency, locale),
                total=formats.money(item["total"], currency, locale),
            ),
        ]
        return Section(
            id=f"item-{item['key']}",
            heading=title,
            meta=self.meta(item["ballots"]),
            summary=summary,
            chart=charts.bars(
                f"chart-{item['key']}",
                title,
                self.tr._("Votes for each project with its interval (95 %); whether it is funded."),
                bars,
            ),
            table=Table(
                title,
                [
                    self.tr._("Rank"),
                    self.tr._("Project"),
                    self.tr._("Cost"),
                    self.tr._("Votes"),
                    self.tr._("Share"),
                    *([self.tr._("Points")] if scored else []),
                    self.tr._("Result"),
                ],
                rows,
            ),
        )

    def place(self, item: dict[str, Any]) -> Section:
        title = self.heading(item)
        summary = [self.tr.n_("{n} person marked a place.", "{n} people marked a place.", item["answered"])]
        if item.get("comments"):
            summary.append(self.tr.n_("{n} comment.", "{n} comments.", item["comments"]))
        points = [charts.Point(p["latitude"], p["longitude"]) for p in item.get("points") or []]
        section = Section(id=f"item-{item['key']}", heading=title, meta=self.meta(item["answered"]), summary=summary)
        if points:
            section.chart = charts.places(
                f"chart-{item['key']}",
                title,
                self.tr.n_(
                    "{n} place marked, drawn inside the box that holds them all.",
                    "{n} places marked, drawn inside the box that holds them all.",
                    len(points),
                ),
                points,
            )
            section.table = Table(
                title,
                [self.tr._("Latitude"), self.tr._("Longitude"), self.tr._("Comment")],
                [
                    [
                        Cell(formats.number(round(p["latitude"], 5), self.tr.locale), p["latitude"]),
                        Cell(formats.number(round(p["longitude"], 5), self.tr.locale), p["longitude"]),
                        Cell(p.get("comment") or ""),
                    ]
                    for p in item["points"]
                ],
            )
            section.texts = [p["comment"] for p in item["points"] if p.get("comment")]
        return section
