"""What the results page shows, shaped from the cached results: sections, each a chart, its table and its n.

Only figures the results already hold are shown, and the results keep every segment under
``min_segment_size`` out (api/disclosure.py, api/results/suppression.py): nothing here recounts anything.
Free texts and place points come only in the organiser's private page (``raw`` results). The parts: who took part
(:mod:`api.pages.view_people`), questions (:mod:`api.pages.view_questions`), proposals and pairs
(:mod:`api.pages.view_proposals`); the shapes they fill in: :mod:`api.pages.model`.
"""

from __future__ import annotations

from typing import Any

from api.pages import formats
from api.pages.model import Cell, Page, Section, Table
from api.pages.view_people import People
from api.pages.view_proposals import Proposals
from api.pages.view_questions import Questions
from core.translations import Translator

__all__ = ["Cell", "Page", "Section", "Table", "build_page"]


def build_page(
    results: dict[str, Any],
    overview: dict[str, Any],
    *,
    tr: Translator,
    time_zone: str | None,
    targets: dict[str, dict[str, float]] | None = None,
    groups: dict[str, Any] | None = None,
) -> Page:
    """``results``: :func:`api.results.consultation_results` of the whole; ``overview``:
    :func:`api.results.results_overview` (segments' sizes, participation by day); ``targets``: the definition's
    target shares per segment; ``groups``: :func:`api.results.groups.published_groups` (the released opinion
    groups) with each group's name (:func:`api.standing.group_view`) under ``"names"``, or None."""
    shape = _Shape(tr, formats.moment(results["computed_at"], time_zone, tr.locale), results["min_segment_size"])
    headline = [
        tr.n_("{n} person took part.", "{n} people took part.", results["participants"]),
        tr._(
            "{completed} of {consented} who agreed to take part answered every question.",
            completed=shape.number(results["completed"]),
            consented=shape.number(results["consented"]),
        ),
    ]
    sections: list[Section | None] = [
        shape.participation(overview),
        # The segments' sizes and their total from one computation: the whole's results may be a computation older
        # or newer than the overview (each is cached on its own), and a share of another moment's total can exceed 1.
        shape.reach(overview["participants"], overview["segments"], targets or {}),
    ]
    for item in results["items"]:
        kind = item["kind"]
        maker = None if item.get("withheld") else getattr(shape, kind, None)  # a district budget of too few
        section: Section | None = maker(item) if maker is not None else None
        if section is not None:
            section.kind = kind
            sections.append(section)
        if kind == "proposal" and groups:
            by_group = shape.proposal_groups(item, groups)
            if by_group is not None:
                by_group.kind = "groups"
                sections.append(by_group)
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


class _Shape(People, Questions, Proposals):
    """Every part of the page, one object: each item's kind names its maker."""
