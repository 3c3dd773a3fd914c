"""The optional profile questions a consultation's file asks (age band, country, region), and their answers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api import schemas
from api.content import country_name, localized
from api.errors import bad_request, conflict
from api.participant.access import enrolment_of
from storage.models import Consultation, Enrolment, Participant

PROFILE_FIELDS = (("age_band", "age_bands"), ("country", "countries"), ("region", "regions"))
"""Each profile field, and the key of the file's ``profile`` section that lists its choices."""


def profile_question(
    consultation: Consultation, enrolment: Enrolment, language: str | None
) -> schemas.ProfileQuestion | None:
    """The next profile question the file asks and the participant has neither answered nor skipped."""
    profile = (consultation.definition or {}).get("profile") or {}
    for field, source in PROFILE_FIELDS:
        entries = profile.get(source)
        if not entries or field in (enrolment.profile_done or []):
            continue
        if field == "region":
            choices = [
                schemas.ProfileChoice(
                    key=r["key"], label=localized(r["label"], language, consultation.default_language)
                )
                for r in entries
            ]
        elif field == "country":
            choices = [schemas.ProfileChoice(key=code, label=country_name(code, language)) for code in entries]
        else:
            choices = [schemas.ProfileChoice(key=band, label=band) for band in entries]
        return schemas.ProfileQuestion(field=field, choices=choices)
    return None


async def record_profile(
    session: AsyncSession, participant: Participant, consultation: Consultation, body: schemas.ProfileIn
) -> None:
    enrolment = await enrolment_of(session, participant.id, consultation.id)
    if enrolment is None or enrolment.consented_at is None:
        raise conflict("no_consent", "the participant has not consented to this consultation")
    question_source = dict(PROFILE_FIELDS)[body.field]
    entries = ((consultation.definition or {}).get("profile") or {}).get(question_source) or []
    allowed = {entry["key"] if isinstance(entry, dict) else entry for entry in entries}
    if body.value is not None and body.value not in allowed:
        raise bad_request("invalid_value", f"{body.value!r} is not one of the {body.field} choices")
    if body.value is not None:
        setattr(participant, body.field, body.value)
    if body.field not in (enrolment.profile_done or []):
        enrolment.profile_done = [*(enrolment.profile_done or []), body.field]
    await session.commit()
