"""The page's sections about the people: participation by day, and who took part by segment next to the organisers'
target shares (who is missing), from :mod:`api.results.overview`."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel import Locale, UnknownLocaleError

from api.pages import charts, formats
from api.pages.model import Cell, Section, Shape, Table
from api.results import shares


class People(Shape):
    SEGMENT_NAMES = ("language", "age_band", "country", "region", "source")

    def _segment_name(self, segment: str) -> str:
        return {
            "language": self.tr._("Language"),
            "age_band": self.tr._("Age band"),
            "country": self.tr._("Country"),
            "region": self.tr._("Region"),
            "source": self.tr._("Where they heard of it"),
        }.get(segment, segment)

    # ---- participation over time ----------------------------------------------------------------------

    def participation(self, overview: dict[str, Any]) -> Section | None:
        days = overview.get("days") or []
        if not days:
            return None
        title = self.tr._("Participation over time")
        hidden = self.tr._("not shown")
        joined = [d["joined"] for d in days if d["joined"] is not None]
        answers = [d["answers"] for d in days if d["answers"] is not None]
        rows, people_columns, answer_columns = [], [], []
        top_people, top_answers = max(joined, default=0) or 1, max(answers, default=0) or 1
        for d in days:
            moment = date.fromisoformat(d["day"])
            label = formats.day(moment, self.tr.locale, short=True)
            n, m = d["joined"], d["answers"]
            people_columns.append(
                charts.Column(label, (n or 0) / top_people, hidden if n is None else self.number(n), n is None)
            )
            answer_columns.append(
                charts.Column(label, (m or 0) / top_answers, hidden if m is None else self.number(m), m is None)
            )
            rows.append(
                [
                    Cell(formats.day(moment, self.tr.locale), d["day"]),
                    Cell(hidden) if n is None else Cell(self.number(n), n),
                    Cell(hidden) if m is None else Cell(self.number(m), m),
                ]
            )
        first = formats.day(date.fromisoformat(days[0]["day"]), self.tr.locale)
        last = formats.day(date.fromisoformat(days[-1]["day"]), self.tr.locale)
        chart = charts.columns(
            "chart-joined",
            self.tr._("People who joined each day"),
            self.tr._("From {first} to {last}: how many people joined each day.", first=first, last=last),
            people_columns,
        ) + charts.columns(
            "chart-answers",
            self.tr._("Answers each day"),
            self.tr._("From {first} to {last}: how many answers and votes arrived each day.", first=first, last=last),
            answer_columns,
        )
        return Section(
            id="participation",
            heading=title,
            meta=self.meta(overview["participants"]),
            summary=[
                self.tr._(
                    "Days are counted in the consultation's time zone ({zone}). A day's count of fewer than {k} is "
                    "not shown.",
                    zone=overview["time_zone"],
                    k=self.number(overview["min_segment_size"]),
                )
            ],
            chart=chart,
            table=Table(title, [self.tr._("Day"), self.tr._("People who joined"), self.tr._("Answers")], rows),
        )

    # ---- who took part, and who is missing -------------------------------------------------------------

    def reach(
        self, participants: int, by_segment: dict[str, list[dict[str, Any]]], targets: dict[str, dict[str, float]]
    ) -> Section | None:
        rows: list[list[Cell]] = []
        bars: list[charts.Bar] = []
        missing: list[str] = []
        with_targets = any(targets.get(segment) for segment in by_segment)
        for segment, groups in by_segment.items():
            wanted = dict(targets.get(segment) or {})
            if all(group["kind"] == "unknown" for group in groups) and not wanted:
                continue  # nobody was asked, or nobody said: nothing to show
            name_of_segment = self._segment_name(segment)
            for group in groups:
                count = group.get("participants")
                if count is None or participants == 0:
                    continue  # withheld: too few people to show
                share = count / participants
                low, high = shares.share(count, participants)["interval"]
                name = self._group(segment, group)
                target = wanted.pop(str(group["value"]), None) if group["kind"] == "value" else None
                figure = f"{self.number(count)} · {self.share(share)}"
                if target is not None:
                    figure += " · " + self.tr._("target {share}", share=self.share(target))
                bars.append(charts.Bar(f"{name_of_segment}: {name}", share, figure, low, high, target=target))
                row = [
                    Cell(name_of_segment),
                    Cell(name),
                    Cell(self.number(count), count),
                    Cell(self.share(share), share),
                    Cell(self.interval(low, high)),
                ]
                if with_targets:
                    row += self._against(share, target)
                    if target is not None and share < target:
                        missing.append(f"{name} ({name_of_segment})")
                rows.append(row)
            for value, target in wanted.items():  # a target whose group is too small to be shown on its own
                name = self._group(segment, {"kind": "value", "value": value, "label": value})
                rows.append(
                    [
                        Cell(name_of_segment),
                        Cell(name),
                        Cell(self.tr._("not shown")),
                        Cell(self.tr._("not shown")),
                        Cell(""),
                        Cell(self.share(target), target),
                        Cell(self.tr._("fewer than {k} people, or among the small groups together", k=self.k)),
                    ]
                )
                missing.append(f"{name} ({name_of_segment})")
        if not rows:
            return None
        title = self.tr._("Who took part")
        summary = [self.tr._("Groups smaller than the consultation's threshold are not shown.")]
        head = [self.tr._("Split by"), self.tr._("Group"), self.tr._("People"), self.tr._("Share")]
        head.append(self.tr._("Interval (95 %)"))
        if with_targets:
            head += [self.tr._("Target share"), self.tr._("Against the target")]
            summary.append(
                self.tr._("Under-represented against the organisers' targets: {groups}.", groups="; ".join(missing))
                if missing
                else self.tr._("Every group with a target reached it.")
            )
        return Section(
            id="reach",
            heading=title,
            meta=self.meta(participants),
            summary=summary,
            chart=charts.bars(
                "chart-reach",
                title,
                self.tr._(
                    "Participants in each group and their share, with its interval (95 %); a dashed mark shows the "
                    "target share."
                )
                if with_targets
                else self.tr._("Participants in each group and their share, with its interval (95 %)."),
                bars,
            ),
            table=Table(title, head, rows),
        )

    def _against(self, share: float, target: float | None) -> list[Cell]:
        if target is None:
            return [Cell(self.tr._("no target")), Cell("")]
        gap = share - target
        points = formats.number(abs(round(100 * gap, 1)), self.tr.locale)
        if gap < 0:
            said = self.tr._("{points} points under: under-represented", points=points)
        else:
            said = self.tr._("{points} points over: reached", points=points)
        return [Cell(self.share(target), target), Cell(said, round(gap, 4))]

    def _group(self, segment: str, group: dict[str, Any]) -> str:
        if group["kind"] == "other":
            return self.tr._("Other (small groups together)")
        if group["kind"] == "unknown":
            return self.tr._("Not given")
        value, locale = str(group["value"]), Locale.parse(self.tr.locale)
        if segment == "language":
            try:
                return Locale.parse(value).get_display_name(locale) or value
            except (ValueError, UnknownLocaleError):
                return value
        if segment == "country":
            return locale.territories.get(value.upper(), value)
        return str(group["label"])
