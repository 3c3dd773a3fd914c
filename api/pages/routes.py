"""The results pages: ``/r/<slug>`` for everyone once published, ``/r/<slug>/private?key=…`` for an organiser
(a signed link, :mod:`api.pages.links`), and each of their tables as CSV.

Not published (or no such consultation): 404. A private link that is forged, altered or expired: 403. The public
page never asks for raw results: free texts and place points stay on the private one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
from api.pages.downloads import XLSX, table_csv, table_xlsx
from api.pages.i18n import page_language, page_text
from api.pages.memo import Built, PageMemo
from api.pages.view import Page, Table, build_page
from api.pdf import PdfUnavailable, pdf_of
from core.assertion import InvalidAssertion
from storage.models import Consultation
from storage.models_partner import ApiKey

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
    """A page built for one request (from the app's :class:`~api.pages.memo.PageMemo`), with its consultation."""

    built: Built
    consultation: Consultation
    private: bool  # opened from a signed link: not to be cached or indexed, the key not to leak
    organisers: bool = False  # the organiser's page, with free texts

    @property
    def page(self) -> Page:
        return self.built.page


async def _public(
    request: Request,
    lang: str | None = Query(None, max_length=8),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: results.ResultsCache = Depends(results_cache),
) -> _Viewed:
    if not consultation.published:
        raise not_found(f"consultation {consultation.slug!r}")  # the same answer as for no such consultation
    base = f"/r/{consultation.slug}"
    return await _view(request, lang, consultation, db, cache, raw=False, base=base, key=None)


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
    base = links.private_path(consultation.slug)
    return await _view(request, lang, consultation, db, cache, raw=True, base=base, key=key)


async def _partner(
    request: Request,
    key: str | None = Query(None, max_length=200),
    lang: str | None = Query(None, max_length=8),
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
    cache: results.ResultsCache = Depends(results_cache),
) -> _Viewed:
    path = links.partner_path(consultation.slug)
    try:
        made_for = links.verify(request.app.state.settings.service_token, key, consultation.slug, path=path)
    except InvalidAssertion:
        made_for = None
    # The partner key the link was made from must still be valid and allowed to read the consultation.
    row = await db.get(ApiKey, made_for.telegram_id) if made_for is not None else None
    allowed = row is not None and row.revoked_at is None and ("*" in row.scopes or consultation.slug in row.scopes)
    if not allowed or consultation.status == "draft":
        raise ApiError(
            403, "invalid_link", "this link is not valid or has expired: make a new one with your partner key"
        )
    return await _view(request, lang, consultation, db, cache, raw=False, base=path, key=key)


def _register(prefix: str, audience: Callable[..., Awaitable[_Viewed]], name: str) -> None:
    """One audience's routes: the page, each table as CSV and as XLSX, the whole page as PDF."""

    async def page(viewed: _Viewed = Depends(audience)) -> Response:
        return _html(viewed)

    async def table(section: str, viewed: _Viewed = Depends(audience)) -> Response:
        return _csv(viewed, section)

    async def spreadsheet(section: str, viewed: _Viewed = Depends(audience)) -> Response:
        return await _xlsx(viewed, section)

    async def pdf(viewed: _Viewed = Depends(audience)) -> Response:
        return await _pdf(viewed)

    router.add_api_route(prefix, page, methods=["GET"], response_class=HTMLResponse, name=f"{name}_page")
    router.add_api_route(f"{prefix}/tables/{{section}}.csv", table, methods=["GET"], name=f"{name}_table")
    router.add_api_route(f"{prefix}/tables/{{section}}.xlsx", spreadsheet, methods=["GET"], name=f"{name}_xlsx")
    router.add_api_route(f"{prefix}/page.pdf", pdf, methods=["GET"], name=f"{name}_pdf")


_register("/r/{slug}", _public, "public")
_register("/r/{slug}/private", _private, "private")
_register("/r/{slug}/partner", _partner, "partner")


async def _view(
    request: Request,
    lang: str | None,
    consultation: Consultation,
    db: AsyncSession,
    cache: results.ResultsCache,
    *,
    raw: bool,
    base: str,
    key: str | None,
) -> _Viewed:
    language = page_language(
        lang, request.headers.get("accept-language"), consultation.languages, consultation.default_language
    )
    # Two cached reads a request: the whole's results, and what the page adds (segments' sizes, days, groups).
    whole = await results.consultation_results(db, consultation, cache=cache, raw=raw, language=language)
    overview = await results.results_overview(db, consultation, cache=cache, language=language)
    targets = (consultation.definition or {}).get("targets")
    languages = tuple(consultation.languages)
    k, time_zone = consultation.min_segment_size, consultation.time_zone

    def build() -> tuple[Page, str]:
        page = build_page(
            whole, overview, tr=page_text(language), time_zone=time_zone, targets=targets, groups=overview["groups"]
        )
        return page, _render(page, languages, k, base, key, raw)

    memo: PageMemo = request.app.state.page_memo
    memo_key = (consultation.id, language, raw, base, key, repr(targets), languages, k, time_zone)
    built = await memo.get(memo_key, (whole, overview), build)
    return _Viewed(built, consultation, private=key is not None, organisers=raw)


def _render(page: Page, languages: tuple[str, ...], k: int, base: str, key: str | None, organisers: bool) -> str:
    tr = page_text(page.language)

    def query(language: str) -> str:
        return urlencode({"lang": language, **({"key": key} if key else {})})

    return templates.get_template("page.html").render(
        page=page,
        private=organisers,
        k=k,
        languages=[(code, (Locale.parse(code).get_display_name(code) or code).capitalize()) for code in languages],
        query=query,
        table_url=lambda section, kind: f"{base}/tables/{section}.{kind}?{query(page.language)}",
        pdf=f"{base}/page.pdf?{query(page.language)}",
        _=tr._,
        n_=tr.n_,
    )


def _html(viewed: _Viewed) -> Response:
    headers = {
        "Content-Security-Policy": POLICY,
        "Cache-Control": "no-store" if viewed.private else "public, max-age=10",
    }
    if viewed.private:
        headers["Referrer-Policy"] = "no-referrer"  # the key must not travel to another site
        headers["X-Robots-Tag"] = "noindex"
    return HTMLResponse(viewed.built.html, headers=headers)


async def _pdf(viewed: _Viewed) -> Response:
    """The whole page as PDF (api/pdf.py: the same HTML, laid out for print)."""
    try:
        body = await pdf_of(viewed.built.html)
    except PdfUnavailable as error:
        raise ApiError(503, "pdf_unavailable", str(error)) from None
    name = f"{viewed.consultation.slug}-{viewed.page.language}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if viewed.private:
        headers |= {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
    else:
        headers["Cache-Control"] = "public, max-age=10"
    return Response(body, media_type="application/pdf", headers=headers)


def _table(viewed: _Viewed, section_id: str) -> Table:
    table = next((s.table for s in viewed.page.sections if s.id == section_id and s.table is not None), None)
    if table is None:
        raise not_found(f"table {section_id!r}")
    return table


async def _xlsx(viewed: _Viewed, section_id: str) -> Response:
    table = _table(viewed, section_id)
    return Response(
        await asyncio.to_thread(table_xlsx, table),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{viewed.consultation.slug}-{section_id}.xlsx"'},
    )


def _csv(viewed: _Viewed, section_id: str) -> Response:
    table = _table(viewed, section_id)
    return Response(
        table_csv(table, viewed.page.language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{viewed.consultation.slug}-{section_id}.csv"'},
    )
