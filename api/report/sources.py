"""What a report reads, all through the homes the rest of viche reads from: the results and their cache
(:mod:`api.results`, the results pages' own reads), the published opinion groups (:mod:`api.results.groups`,
what ``/groups`` answers) and the groups' names (:mod:`api.standing`, as the digest names them).

Nothing about fewer people than the consultation's ``min_segment_size`` comes from any of them, and a consultation
with fewer participants than that gives no report at all (:func:`api.disclosure.check_release`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure, results
from api.errors import ApiError
from api.pages.i18n import LOCALES
from api.results.groups import published_groups
from api.standing import group_view
from storage.models import Consultation


@dataclass(frozen=True)
class Sources:
    consultation: Consultation
    locale: str  # the document's own words
    language: str  # the consultation's texts (statements, prompts): the locale if it has them, else its default
    results: dict[str, Any]  # api.results.consultation_results of the whole
    overview: dict[str, Any]  # api.results.results_overview: segments' sizes, participation by day
    groups: dict[str, Any]  # api.results.groups.published_groups
    names: dict[str, Any] | None  # api.standing.group_view: each released group named by what it agrees on


def report_locale(consultation: Consultation, asked: str | None) -> str:
    """The document's language: ``asked`` when viche speaks it (any of its seven), else the consultation's default.
    The consultation's own texts stay in its languages (a statement is not translated by the report)."""
    if asked is None or not asked.strip():
        return consultation.default_language if consultation.default_language in LOCALES else "en"
    wanted = asked.strip().lower().replace("_", "-").split("-", 1)[0]
    if wanted not in LOCALES:
        raise ApiError(422, "unknown_language", "language must be one of " + ", ".join(LOCALES), languages=LOCALES)
    return wanted


async def read_sources(
    session: AsyncSession, consultation: Consultation, cache: results.ResultsCache, locale: str
) -> Sources:
    """Everything the report shows. Raises :class:`api.disclosure.BelowThreshold` for a consultation whose
    results may not be released."""
    await disclosure.check_release(session, consultation)
    languages = list(consultation.languages or [consultation.default_language])
    language = locale if locale in languages else consultation.default_language
    whole = await results.consultation_results(session, consultation, cache=cache, language=language)
    overview = await results.results_overview(session, consultation, cache=cache, language=language)
    return Sources(
        consultation=consultation,
        locale=locale,
        language=language,
        results=whole,
        overview=overview,
        groups=await published_groups(session, consultation, language),
        names=await group_view(session, consultation),
    )
