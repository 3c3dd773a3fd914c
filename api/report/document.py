"""The report as a document: its header, the opinion groups' sections, the results pages' sections (who took part,
each item, with the budget items' every counting rule), and the method — in the report's language."""

from __future__ import annotations

from dataclasses import dataclass

from api.content import localized
from api.pages import formats
from api.pages.i18n import page_text
from api.pages.model import Section, Shape
from api.pages.view import build_page
from api.report.budgets import rules_section
from api.report.method import method_section
from api.report.opinions import Opinions
from api.report.sources import Sources


@dataclass
class Report:
    language: str
    slug: str
    title: str
    intro: str
    status: str
    meta: str
    headline: list[str]
    sections: list[Section]
    k: int


def build_report(sources: Sources) -> Report:
    tr = page_text(sources.locale)
    consultation, whole = sources.consultation, sources.results
    # The results page's own sections: one home for who took part and for each item's figures.
    # (The groups' views have sections of their own here: the page's per-proposal group tables are left out.)
    targets = (consultation.definition or {}).get("targets")
    page = build_page(whole, sources.overview, tr=tr, time_zone=consultation.time_zone, targets=targets)
    figures = Shape(tr, formats.moment(whole["computed_at"], consultation.time_zone, tr.locale))
    items = {f"item-{item['key']}": item for item in whole["items"]}
    results: list[Section] = []
    for section in page.sections:
        results.append(section)
        item = items.get(section.id)
        if item is not None and item["kind"] == "budget" and item["ballots"]:
            results.append(rules_section(figures, item))
    opinions = Opinions(sources, figures)
    k = whole["min_segment_size"]
    return Report(
        language=tr.locale,
        slug=consultation.slug,
        title=page.title,
        intro=localized(consultation.intro, sources.language, consultation.default_language),
        status=page.status,
        meta=page.meta,
        headline=page.headline,
        sections=[
            *opinions.sections(),
            *results,
            method_section(figures, {item["kind"] for item in whole["items"]}, k, bool(opinions.groups)),
        ],
        k=k,
    )
