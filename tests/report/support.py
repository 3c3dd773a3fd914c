"""Helpers of the report's tests: `viche` commands run as an organiser runs them, and a PDF's text."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from viche.cli import main as viche_main


async def viche(database_url: str, monkeypatch, *argv: str) -> int:
    """Run a `viche` command against the test database (in a thread: it runs its own event loop)."""
    from core import settings

    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    try:
        return await asyncio.to_thread(viche_main, list(argv))
    finally:
        settings.get_settings.cache_clear()


def pdf_text(body: bytes) -> str:
    """Every page's text, as a reader copying it out of the PDF would get it (pypdf), on one line."""
    from pypdf import PdfReader

    assert body.startswith(b"%PDF-")
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages)


def pdf_rectangles(body: bytes) -> int:
    """How many rectangles the PDF's pages draw (the charts' bars and tracks are rectangles; text is not)."""
    from pypdf import PdfReader

    def drawn(resources: Any, seen: set[int]) -> int:  # form XObjects too: WeasyPrint draws large SVGs in them
        count = 0
        for ref in (resources or {}).get("/XObject", {}).values():
            if id(obj := ref.get_object()) in seen or obj.get("/Subtype") != "/Form":
                continue
            seen.add(id(obj))
            count += obj.get_data().count(b" re") + drawn(obj.get("/Resources"), seen)
        return count

    pages = PdfReader(io.BytesIO(body)).pages
    return sum(page.get_contents().get_data().count(b" re") + drawn(page.get("/Resources"), set()) for page in pages)
