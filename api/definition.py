"""The consultation definition file: what an organiser writes, validated before anything is stored."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LocalText = dict[str, str]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$"
KEY_PATTERN = r"^[A-Za-z0-9_]{1,40}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionDef(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    label: LocalText


class ItemBase(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    prompt: LocalText


class SingleChoiceDef(ItemBase):
    type: Literal["single_choice"]
    options: list[OptionDef] = Field(min_length=2, max_length=12)


class ProposalItemDef(ItemBase):
    """Agree / disagree / neutral on each proposal of a pool."""

    type: Literal["proposal"]
    proposals: list[LocalText] = Field(min_length=1)
    max_votes: int | None = Field(default=None, ge=1, description="How many proposals one participant is shown.")


class PairsDef(ItemBase):
    """"Which of these two is better?" over a pool of proposals."""

    type: Literal["pairs"]
    proposals: list[LocalText] = Field(min_length=2)
    max_pairs: int = Field(default=5, ge=1, le=200)


ItemDef = Annotated[SingleChoiceDef | ProposalItemDef | PairsDef, Field(discriminator="type")]


class ConsultationDef(Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    title: LocalText
    intro: LocalText = Field(default_factory=dict)
    languages: list[str] = Field(min_length=1)
    default_language: str
    time_zone: str = "UTC"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_segment_size: int = Field(default=10, ge=1)
    items: list[ItemDef] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, languages: list[str]) -> list[str]:
        if len(set(languages)) != len(languages):
            raise ValueError("languages are listed more than once")
        return languages

    @model_validator(mode="after")
    def _consistent(self) -> "ConsultationDef":
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        keys = [item.key for item in self.items]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"item keys used twice: {', '.join(duplicates)}")
        if not self.title.get(self.default_language):
            raise ValueError(f"title has no text in the default language {self.default_language!r}")
        return self
