"""A report written out: HTML (the charts inline as SVG, nothing from another host), Markdown (each chart an
SVG data URI, so that the report stays one file) and PDF (the HTML through :func:`api.pdf.html_to_pdf`)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from api.pages.i18n import page_text
from api.pages.model import Section
from api.pdf import pdf_of
from api.report.document import Report, build_report
from api.report.sources import read_sources
from api.results import ResultsCache
from storage.models import Consultation

FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_html(report: Report) -> str:
    tr = page_text(report.language)
    return templates.get_template("report.html").render(report=report, _=tr._, n_=tr.n_)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def _section_md(section: Section) -> list[str]:
    out = [f"## {section.heading}", "", f"*{section.meta}*", ""]
    out += [line for text in section.summary for line in (text, "")]
    if section.chart is not None:
        # A section may draw several charts (participation: people who joined, answers): one image each, as an
        # image is one SVG document.
        for drawing in re.findall(r"<svg\b.*?</svg>", str(section.chart), flags=re.S):
            svg = base64.b64encode(drawing.encode()).decode()
            out += [f"![{_cell(section.heading)}](data:image/svg+xml;base64,{svg})", ""]
    if section.table is not None:
        out.append("| " + " | ".join(_cell(h) for h in section.table.head) + " |")
        out.append("|" + "---|" * len(section.table.head))
        out += ["| " + " | ".join(_cell(c.text) for c in row) + " |" for row in section.table.rows]
        out.append("")
    return out


def to_markdown(report: Report) -> str:
    tr = page_text(report.language)
    lines = [f"# {report.title}", "", f"*{tr._('Recommendations report')}* · {report.status} · {report.meta}", ""]
    if report.intro:
        lines += [report.intro, ""]
    lines += [line for text in report.headline for line in (text, "")]
    for section in report.sections:
        lines += _section_md(section)
    lines += ["---", "", tr._("No figure about fewer than {k} people is shown.", k=report.k), ""]
    return "\n".join(lines)


async def render(report: Report, format_: str) -> bytes:
    """The report in ``format_`` (a key of :data:`FORMATS`); the PDF is made off the event loop."""
    if format_ == "md":
        return to_markdown(report).encode()
    html = to_html(report)
    return html.encode() if format_ == "html" else await pdf_of(html)


async def written(
    session: AsyncSession, consultation: Consultation, cache: ResultsCache, locale: str, format_: str
) -> bytes:
    """The consultation's report in ``locale`` and ``format_``: read, built, rendered. Raises
    :class:`api.disclosure.BelowThreshold` (too few participants) and :class:`api.pdf.PdfUnavailable`."""
    return await render(build_report(await read_sources(session, consultation, cache, locale)), format_)
