"""The results pages: ``/r/<slug>`` for everyone once published, ``/r/<slug>/private?key=…`` for an organiser
(a signed link, :mod:`api.pages.links`), and each of their tables as CSV.

Not published (or no such consultation): 404. A private link that is forged, altered or expired: 403. The public
page never asks for raw results: free texts and place points stay on the private one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from api import results
from api.deps import consultation_or_404, results_cache, session
from api.errors import ApiError, not_found
from api.pages import links
from api.pages.downloads import table_csv
from api.pages.i18n import page_language, page_text
from api.pages.sections import Page
from api.pages.view import build_page
from api.pdf import PdfUnavailable, pdf_of
from core.assertion import InvalidAssertion
from storage.models import Consultation

router = APIRouter(tags=["results pages"], include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# The page holds everything it shows: no script runs, nothing loads from another host.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class _Viewed:
    """A page built for one request, with what its links need: the consultation, and the key of a private link."""

    page: Page
    consultation: Consultation
    key: str | None = None


async def _public(
    request: Request,
    lang: str | None = Query(None, max_length=8),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: results.ResultsCache = Depends(results_cache),
) -> _Viewed:
    if not consultation.published:
        raise not_found(f"consultation {consultation.slug!r}")  # the same answer as for no such consultation
    return _Viewed(await _page(request, lang, consultation, db, cache, raw=False), consultation)


async def _private(
    request: Request,
    key: str | None = Query(None, max_length=200),
    lang: str | None = Query(None, max_length=8),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: results.ResultsCache = Depends(results_cache),
) -> _Viewed:
    try:
        links.verify(request.app.state.settings.service_token, key, consultation.slug)
    except InvalidAssertion:
        raise ApiError(
            403, "invalid_link", "this link is not valid or has expired: ask the bot for a new one"
        ) from None
    return _Viewed(await _page(request, lang, consultation, db, cache, raw=True), consultation, key)


@router.get("/r/{slug}", response_class=HTMLResponse)
async def public_page(viewed: _Viewed = Depends(_public)) -> Response:
    return _html(viewed, base=f"/r/{viewed.consultation.slug}")


@router.get("/r/{slug}/tables/{section}.csv")
async def public_table(section: str, viewed: _Viewed = Depends(_public)) -> Response:
    return _csv(viewed, section)


@router.get("/r/{slug}/private", response_class=HTMLResponse)
async def private_page(viewed: _Viewed = Depends(_private)) -> Response:
    return _html(viewed, base=f"/r/{viewed.consultation.slug}/private")


@router.get("/r/{slug}/private/tables/{section}.csv")
async def private_table(section: str, viewed: _Viewed = Depends(_private)) -> Response:
    return _csv(viewed, section)


@router.get("/r/{slug}/page.pdf")
async def public_pdf(viewed: _Viewed = Depends(_public)) -> Response:
    return await _pdf(viewed, base=f"/r/{viewed.consultation.slug}")


@router.get("/r/{slug}/private/page.pdf")
async def private_pdf(viewed: _Viewed = Depends(_private)) -> Response:
    return await _pdf(viewed, base=f"/r/{viewed.consultation.slug}/private")


async def _page(
    request: Request,
    lang: str | None,
    consultation: Consultation,
    db: AsyncSession,
    cache: results.ResultsCache,
    *,
    raw: bool,
) -> Page:
    language = page_language(
        lang, request.headers.get("accept-language"), consultation.languages, consultation.default_language
    )
    whole = await results.consultation_results(db, consultation, cache=cache, raw=raw, language=language)
    reach = {
        segment: await results.consultation_results(db, consultation, cache=cache, segment=segment, language=language)
        for segment in results.SEGMENTS
    }
    return build_page(
        whole,
        reach,
        tr=page_text(language),
        time_zone=consultation.time_zone,
    )


def _html(viewed: _Viewed, *, base: str) -> Response:
    headers = {"Content-Security-Policy": POLICY, **_private_headers(viewed)}
    headers.setdefault("Cache-Control", "public, max-age=10")
    return HTMLResponse(_render(viewed, base=base), headers=headers)


async def _pdf(viewed: _Viewed, *, base: str) -> Response:
    """The whole page as PDF (api/pdf.py: the same HTML, laid out for print)."""
    try:
        body = await pdf_of(_render(viewed, base=base))
    except PdfUnavailable as error:
        raise ApiError(503, "pdf_unavailable", str(error)) from None
    name = f"{viewed.consultation.slug}-{viewed.page.language}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', **_private_headers(viewed)}
    headers.setdefault("Cache-Control", "public, max-age=10")
    return Response(body, media_type="application/pdf", headers=headers)


def _private_headers(viewed: _Viewed) -> dict[str, str]:
    if viewed.key is None:
        return {}
    # no-store: a private page is not kept by a cache; no-referrer: the key must not travel to another site
    return {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _render(viewed: _Viewed, *, base: str) -> str:
    """The page as HTML; ``base``: its path, which its tables and its PDF are under."""
    page, consultation, key = viewed.page, viewed.consultation, viewed.key
    private = key is not None
    tr = page_text(page.language)

    def query(language: str) -> str:
        return urlencode({"lang": language, **({"key": key} if key else {})})

    return templates.get_template("page.html").render(
        page=page,
        private=private,
        k=consultation.min_segment_size,
        languages=[
            (code, (Locale.parse(code).get_display_name(code) or code).capitalize()) for code in consultation.languages
        ],
        query=query,
        csv=lambda section: f"{base}/tables/{section}.csv?{query(page.language)}",
        pdf=f"{base}/page.pdf?{query(page.language)}",
        _=tr._,
        n_=tr.n_,
    )


def _csv(viewed: _Viewed, section_id: str) -> Response:
    table = next((s.table for s in viewed.page.sections if s.id == section_id and s.table is not None), None)
    if table is None:
        raise not_found(f"table {section_id!r}")
    return Response(
        table_csv(table, viewed.page.language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{viewed.consultation.slug}-{section_id}.csv"'},
    )
