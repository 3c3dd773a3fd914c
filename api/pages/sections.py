"""What a results document is made of: sections, each with its heading, its n, plain sentences, a chart and the
table that holds the same figures. The results page (:mod:`api.pages.view`) and the recommendations report
(:mod:`api.report`) build them; templates, CSV and Markdown render them."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Cell:
    text: str  # as the page shows it
    value: float | int | str | None = None  # the figure itself, for the CSV (None: the text)


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    id: str
    heading: str
    meta: str  # its n and its date
    summary: list[str] = field(default_factory=list)  # plain sentences over the chart
    chart: Markup | None = None
    table: Table | None = None
    texts: list[str] = field(default_factory=list)  # free texts (private page only)
    kind: str = "reach"  # the item kind it shows


@dataclass
class Page:
    language: str
    title: str
    status: str
    meta: str
    headline: list[str]
    sections: list[Section]
