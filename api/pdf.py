"""HTML to PDF, one function for every document viche hands over as PDF: the recommendations report
(:mod:`api.report`) and the results page's "whole page as PDF" (:mod:`api.pages.routes`).

WeasyPrint lays the same HTML and CSS out for print, the pages' inline SVG charts included, with no browser at run
time. Chosen over fpdf2 (a second layout of every document in its own API: its HTML subset has no CSS and no
inline SVG) and over Chromium's print-to-PDF (a browser process per document, ~300 MB, a test dependency only).
It needs Pango and a font with Cyrillic from the system (Debian's libpango-1.0-0, libpangoft2-1.0-0,
fonts-dejavu-core: ``make run`` / ``make test`` and the Dockerfile install them). Without them,
:class:`PdfUnavailable` says so; HTML and Markdown still work.

Nothing is fetched while a PDF is made: the documents hold everything they show (inline SVG, data URIs), and any
other address is refused, so a PDF never reaches another host.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; }
figure svg { max-width: 13cm; }
section, figure, tr { break-inside: avoid; }
.skip, .no-print { display: none; }
"""
"""Print rules added to every document: A4 with page numbers, a font every Cyrillic letter is in, charts at a
readable size, nothing split across pages that need not be, and what only works on screen (skip link, downloads,
the language choice) left out."""


class PdfUnavailable(RuntimeError):
    """The system lacks what WeasyPrint needs (Pango): the PDF cannot be made here."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (CPU-bound, a few hundred ms for a results page: call it in a worker thread)."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except OSError as error:  # WeasyPrint loads Pango when imported
        raise PdfUnavailable(f"PDF needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0): {error}") from None
    # The documents' CSS is for screens too: WeasyPrint warns of every property print has no use for (overflow…).
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf(stylesheets=[CSS(string=PRINT_CSS)])


AT_ONCE = 1
"""PDFs made at the same time by one process: each takes a core for up to a second or two, and the results page's
PDF is public, so a burst of requests waits its turn instead of taking every core (and every worker thread)."""
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def pdf_of(html: str) -> bytes:
    """:func:`html_to_pdf` in a worker thread, :data:`AT_ONCE` at a time: what routes and commands call."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(AT_ONCE)
    async with gate:
        return await asyncio.to_thread(html_to_pdf, html)
