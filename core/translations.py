"""gettext catalogs with ``{placeholders}`` filled after translation: the one translator of the bot's strings and
of the results pages' (api/pages), which share the catalogs in ``bot/i18n/locales``.

Imports nothing of the project, so that the bot and the API can both stand on it; each hands it the folder of the
catalogs (:func:`load`). Strings are marked ``tr._("…")`` and ``tr.n_("…", "…", n)`` so that ``pybabel extract``
finds them (keywords ``_`` and ``n_:1,2``).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

DOMAIN = "viche"

log = logging.getLogger(__name__)


class Translator:
    """The strings in one locale."""

    def __init__(self, locale: str, translations: NullTranslations) -> None:
        self.locale = locale
        self._t = translations

    def _(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return _fill(text, message, values) if values else text

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The CLDR plural form for ``n``; ``{n}`` is written the local way ('1 234' in uk, '1,234' in en)."""
        text = self._t.ngettext(singular, plural, n)
        source = singular if n == 1 else plural
        return _fill(text, source, {"n": format_decimal(n, locale=self.locale), **values})


def _fill(text: str, source: str, values: dict[str, object]) -> str:
    """Fill the placeholders; a broken translation falls back to the English text instead of failing the update.

    ``viche i18n check`` keeps broken placeholders out of the shipped catalogs; this is the last guard.
    """
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        log.error("broken placeholder in translation of %r: %s", source, error)
        return source.format(**values)


def load(directory: Path, locale: str) -> NullTranslations:
    """The catalog of ``locale`` under ``directory`` (``<locale>/LC_MESSAGES/viche.mo``); none: the source text."""
    po = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po.exists():
        # A stale or missing .mo (running from a fresh checkout): compile in memory, never serve old text.
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()
