"""What the results page shows, shaped from the cached results: sections, each a chart, its table and its n.

Only figures the results already hold are shown, and the results keep every segment under
``min_segment_size`` out (api/disclosure.py, api/results/suppression.py): nothing here recounts anything.
Free texts and place points come only in the organiser's private page (``raw`` results).
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError

from api.pages import charts, formats
from api.pages.sections import Cell, Page, Section, Table
from api.results import shares
from core.translations import Translator


def build_page(
    results: dict[str, Any],
    reach: dict[str, dict[str, Any]],
    *,
    tr: Translator,
    time_zone: str | None,
) -> Page:
    """``results``: :func:`api.results.consultation_results` of the whole; ``reach``: the same per segment."""
    shape = _Shape(tr, formats.moment(results["computed_at"], time_zone, tr.locale))
    shape.k = int(results["min_segment_size"])
    headline = [
        tr.n_("{n} person took part.", "{n} people took part.", results["participants"]),
        tr._(
            "{completed} of {consented} who agreed to take part answered every question.",
            completed=shape.number(results["completed"]),
            consented=shape.number(results["consented"]),
        ),
    ]
    sections = [shape.reach(results["participants"], reach)]
    for item in results["items"]:
        kind = item["kind"]
        maker = None if item.get("withheld") else getattr(shape, kind, None)  # a district budget of too few
        if maker is not None:
            section = maker(item)
            section.kind = kind
            sections.append(section)
    return Page(
        language=tr.locale,
        title=results["title"],
        status=_status(tr, results["status"]),
        meta=tr._("Figures as of {date}.", date=shape.date),
        headline=headline,
        sections=[s for s in sections if s is not None],
    )


def _status(tr: Translator, status: str) -> str:
    return {
        "draft": tr._("Not open yet"),
        "open": tr._("Open: results change as answers arrive"),
        "paused": tr._("Paused"),
        "closed": tr._("Closed: final results"),
    }.get(status, status)


class _Shape(formats.Figures):
    k = 0  # the consultation's min_segment_size: a statement fewer people voted on is not shown

    def _heading(self, item: dict[str, Any]) -> str:
        where = item.get("districts") and self.tr._("district: {names}", names=", ".join(item["districts"]))
        return f"{item['number']}. {item['prompt']}" + (f" ({where})" if where else "")

    # ---- who took part ----------------------------------------------------------------------------------

    def reach(self, participants: int, by_segment: dict[str, dict[str, Any]]) -> Section | None:
        names = {
            "language": self.tr._("Language"),
            "age_band": self.tr._("Age band"),
            "country": self.tr._("Country"),
            "region": self.tr._("Region"),
            "source": self.tr._("Where they heard of it"),
        }
        rows: list[list[Cell]] = []
        bars: list[charts.Bar] = []
        for segment, results in by_segment.items():
            groups = results.get("segments", [])
            if all(group["kind"] == "unknown" for group in groups):
                continue  # nobody was asked, or nobody said: nothing to show
            for group in groups:
                count = group.get("participants")
                if count is None or participants == 0:
                    continue  # withheld: too few people to show
                share = count / participants
                low, high = shares.share(count, participants)["interval"]
                name = self._group(segment, group)
                label = f"{names.get(segment, segment)}: {name}"
                bars.append(charts.Bar(label, share, f"{self.number(count)} · {self.share(share)}", low, high))
                rows.append(
                    [
                        Cell(names.get(segment, segment)),
                        Cell(name),
                        Cell(self.number(count), count),
                        Cell(self.share(share), share),
                        Cell(self.interval(low, high)),
                    ]
                )
        if not rows:
            return None
        title = self.tr._("Who took part")
        return Section(
            id="reach",
            heading=title,
            meta=self.meta(participants),
            summary=[self.tr._("Groups smaller than the consultation's threshold are not shown.")],
            chart=charts.bars(
                "chart-reach",
                title,
                self.tr._("Participants in each group and their share, with its interval (95 %)."),
                bars,
            ),
            table=Table(
                title,
                [
                    self.tr._("Split by"),
                    self.tr._("Group"),
                    self.tr._("People"),
                    self.tr._("Share"),
                    self.tr._("Interval (95 %)"),
                ],
                rows,
            ),
        )

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

    # ---- questions ------------------------------------------------------------------------------------

    def _choices(self, item: dict[str, Any]) -> Section:
        title = self._heading(item)
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
        title = self._heading(item)
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
            heading=self._heading(item),
            meta=self.meta(item["answered"]),
            summary=summary,
            texts=list(item.get("texts") or []),
        )

    def budget(self, item: dict[str, Any]) -> Section:
        title = self._heading(item)
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
        spent, total = (formats.money(item[key], currency, locale) for key in ("spent", "total"))
        summary = [
            self.tr.n_("{n} person voted.", "{n} people voted.", item["ballots"]),
            self.tr._("Funded projects cost {spent} of {total}.", spent=spent, total=total),
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
        title = self._heading(item)
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

    # ---- proposals ------------------------------------------------------------------------------------

    def verdict(self, zone: str) -> str:
        return {
            "consensus": self.tr._("Broad agreement"),
            "rejection": self.tr._("Broad disagreement"),
            "controversy": self.tr._("Divides people"),
        }.get(zone, self.tr._("Not clear yet"))

    def proposal(self, item: dict[str, Any]) -> Section:
        title = self._heading(item)
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
        title = self._heading(item)
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
