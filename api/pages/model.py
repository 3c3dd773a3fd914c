"""The shapes a results page is made of (a page, its sections, their tables and cells) and :class:`Shape`, what
every part of :mod:`api.pages.view` writes figures with: numbers, shares, intervals and "n · date" in the page's
locale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from api.pages import formats
from core.translations import Translator


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


class Shape:
    """Writes figures in the page's language; the parts of a page (people, questions, proposals) build on it."""

    def __init__(self, tr: Translator, date: str, k: int = 1) -> None:
        self.tr = tr
        self.date = date
        self.k = k  # the consultation's min_segment_size

    def number(self, value: float) -> str:
        return formats.number(value, self.tr.locale)

    def share(self, value: float) -> str:
        return formats.share(value, self.tr.locale)

    def meta(self, n: int) -> str:
        return self.tr._("n = {n} · {date}", n=self.number(n), date=self.date)

    def interval(self, low: float, high: float) -> str:
        return self.tr._("{low} to {high}", low=self.share(low), high=self.share(high))

    def heading(self, item: dict[str, Any]) -> str:
        where = item.get("districts") and self.tr._("district: {names}", names=", ".join(item["districts"]))
        return f"{item['number']}. {item['prompt']}" + (f" ({where})" if where else "")
