"""A consultation's citizens' jury, as the definition file describes it: what volunteers are told (dates, place,
compensation), the categories they answer, the panel's size and quotas, how long a drawn volunteer has to
answer, and when the jury's work ends (retention counts from there).

The quotas name the categories' option keys; an option without a quota may fill any number of seats, and an
optional category's "rather not say" is the value ``UNDISCLOSED`` (any number of seats unless a quota names it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

LocalText = dict[str, str]
KEY_PATTERN = r"^[A-Za-z0-9_]{1,40}$"
UNDISCLOSED = "undisclosed"
"""The value of an optional category a volunteer chose not to answer."""
CATEGORIES_MAX = 8
OPTIONS_MAX = 12


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JuryOptionDef(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    label: LocalText


class JuryCategoryDef(_Strict):
    """One question a volunteer answers (age band, gender, district …), with why it is asked."""

    key: str = Field(pattern=KEY_PATTERN)
    question: LocalText
    explanation: LocalText = Field(description="Why the question is asked: the panel must look like the population.")
    options: list[JuryOptionDef] = Field(min_length=2, max_length=OPTIONS_MAX)
    optional: bool = Field(default=False, description="May the volunteer answer 'I'd rather not say'?")


class QuotaDef(_Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class JuryDef(_Strict):
    """The invitation to volunteer at the end of the consultation, and the panel drawn from the volunteers."""

    dates: LocalText = Field(description="When the jury meets, in words (e.g. 'three Saturdays in May 2027').")
    place: LocalText
    compensation: LocalText = Field(description="What members receive for their time.")
    categories: list[JuryCategoryDef] = Field(min_length=1, max_length=CATEGORIES_MAX)
    size: int = Field(ge=1, le=1000, description="How many members the panel has.")
    quotas: dict[str, dict[str, QuotaDef]] = Field(
        default_factory=dict, description="{category key: {option key: {min, max}}}; unnamed options: 0 to size."
    )
    answer_within_hours: int = Field(
        default=72, ge=1, le=720, description="How long a drawn volunteer has to accept before being replaced."
    )
    ends_at: datetime = Field(
        description="When the jury's work ends: volunteers' contact data is kept until then plus VICHE_RETENTION_DAYS."
    )

    @model_validator(mode="after")
    def _quotas_fit(self) -> JuryDef:
        categories = {category.key: category for category in self.categories}
        if len(categories) != len(self.categories):
            raise ValueError("two jury categories share a key")
        for category in self.categories:
            keys = [option.key for option in category.options]
            if len(set(keys)) != len(keys) or UNDISCLOSED in keys:
                raise ValueError(f"jury category {category.key!r}: option keys must differ and not be {UNDISCLOSED!r}")
        for name, values in self.quotas.items():
            named = categories.get(name)
            if named is None:
                raise ValueError(f"jury quotas name an unknown category {name!r}")
            allowed = {option.key for option in named.options} | ({UNDISCLOSED} if named.optional else set())
            unknown = sorted(set(values) - allowed)
            if unknown:
                raise ValueError(f"jury quotas of {name!r} name unknown options: {', '.join(unknown)}")
            for value, quota in values.items():
                if quota.min > quota.max:
                    raise ValueError(f"jury quota {name}.{value}: min {quota.min} is above max {quota.max}")
        for name, bounds in self.full_quotas()["categories"].items():
            if sum(q["min"] for q in bounds.values()) > self.size:
                raise ValueError(f"jury quotas of {name!r}: the minimums add up to more than the size {self.size}")
            if sum(q["max"] for q in bounds.values()) < self.size:
                raise ValueError(f"jury quotas of {name!r}: the maximums add up to less than the size {self.size}")
        return self

    def full_quotas(self) -> dict[str, Any]:
        """The quotas as the draw reads them (``size`` and every category's every value), unnamed values free."""
        categories: dict[str, dict[str, dict[str, int]]] = {}
        for category in self.categories:
            given = self.quotas.get(category.key, {})
            values = [option.key for option in category.options] + ([UNDISCLOSED] if category.optional else [])
            categories[category.key] = {
                value: (
                    {"min": given[value].min, "max": given[value].max}
                    if value in given
                    else {"min": 0, "max": self.size}
                )
                for value in values
            }
        return {"size": self.size, "categories": categories}

    def texts(self) -> Iterator[tuple[str, LocalText]]:
        for name in ("dates", "place", "compensation"):
            yield f"jury.{name}", getattr(self, name)
        for index, category in enumerate(self.categories):
            base = f"jury.categories[{index}] ({category.key})"
            yield f"{base}.question", category.question
            yield f"{base}.explanation", category.explanation
            for option_index, option in enumerate(category.options):
                yield f"{base}.options[{option_index}].label", option.label
