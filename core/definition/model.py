"""The consultation definition file: what an organiser writes, validated before anything is stored.

YAML or JSON. ``viche validate`` prints every problem with its path and line; the JSON Schema in
``schema/consultation.schema.json`` is generated from these models.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from itertools import combinations
from math import ceil
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from core.definition.jury import JuryDef
from core.vocabulary import SLUG_MAX, SLUG_MIN, SLUG_PATTERN

LocalText = dict[str, str]
KEY_PATTERN = r"^[A-Za-z0-9_]{1,40}$"
PROPOSAL_MIN, PROPOSAL_MAX = 12, 280


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionDef(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    label: LocalText


class ProjectDef(OptionDef):
    """A participatory-budget project."""

    cost: int = Field(gt=0)
    categories: list[str] = Field(default_factory=list, description="Pabulib's categories, e.g. ['culture', 'sport']")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_coordinates(self) -> ProjectDef:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError(f"project {self.key!r}: give both latitude and longitude, or neither")
        return self


COUNTING_RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "equalshares", "equalshares/add1")
"""Pabulib's names of the counting rules api/scoring/budget/ runs."""
BALLOTS = ("knapsack", "approval", "cumulative", "ordinal")
CHAT_PROJECTS_MAX = 12
"""The chat shows every project as a button of one message, with its cost: more would not fit on a phone screen.
Imported elections, closed and never shown in the chat, may hold any number."""
IMPORTED = "imported"
"""Validation context flag (``model_validate(data, context={IMPORTED: True})``) of importers."""


def minimum_spend(total: int, share: float | None) -> int:
    """The least a knapsack ballot spends: ``share`` of ``total``, rounded up to a whole currency unit. Exact:
    the share is read as the decimal the organiser wrote (0.29 is 29/100, not the float below it)."""
    return ceil(Fraction(str(share)) * total) if share else 0


class CountingRuleDef(Strict):
    """A counting rule the organiser chose; results show every chosen rule's funded projects side by side."""

    rule: Literal["greedy", "greedy-no-skip", "greedy-threshold", "equalshares", "equalshares/add1"]
    threshold: int = Field(default=0, ge=0, description="greedy-threshold: the least score a funded project has.")
    comparison: bool = Field(
        default=False,
        description="equalshares: equalshares.net's comparison step (greedy's outcome wins if more voters prefer it).",
    )

    @model_validator(mode="after")
    def _options_fit(self) -> CountingRuleDef:
        if self.threshold and self.rule != "greedy-threshold":
            raise ValueError(f"threshold belongs to greedy-threshold, not {self.rule}")
        if self.comparison and not self.rule.startswith("equalshares"):
            raise ValueError(f"comparison belongs to the equalshares rules, not {self.rule}")
        return self


class EligibilityDef(Strict):
    """What a participant shows before they get a budget's ballot (the consent screen says what and why).

    ``phone``: their own phone number, shared with Telegram's contact button (a contact of someone else is
    refused), kept only as a keyed hash so that one number votes once; ``country_codes`` admits only numbers with
    these calling codes. ``invitation``: one of the codes the organiser uploaded (``viche budget codes``), each
    usable once, kept only hashed."""

    requires: Literal["phone", "invitation"]
    country_codes: list[Annotated[str, Field(pattern=r"^[1-9][0-9]{0,3}$")]] = Field(
        default_factory=list, description="phone: calling codes admitted, digits only (e.g. ['380', '48']); none: any."
    )

    @model_validator(mode="after")
    def _codes_for_phones(self) -> EligibilityDef:
        if self.country_codes and self.requires != "phone":
            raise ValueError("country_codes belongs to requires: phone")
        return self


class Condition(Strict):
    """Show an item only when an earlier item's answer has one of these values (option keys, or scale numbers)."""

    item: str = Field(pattern=KEY_PATTERN)
    equals: str | int | None = None
    any_of: list[str | int] | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Condition:
        if (self.equals is None) == (self.any_of is None):
            raise ValueError("give exactly one of 'equals' or 'any_of'")
        return self

    def values(self) -> list[str]:
        return [str(v) for v in ([self.equals] if self.equals is not None else self.any_of or [])]


class ItemBase(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    prompt: LocalText
    show_if: Condition | None = None


class SingleChoiceDef(ItemBase):
    type: Literal["single_choice"]
    options: list[OptionDef] = Field(min_length=2, max_length=12)


class MultiChoiceDef(ItemBase):
    type: Literal["multi_choice"]
    options: list[OptionDef] = Field(min_length=2, max_length=12)
    min_choices: int = Field(default=1, ge=0)
    max_choices: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _bounds(self) -> MultiChoiceDef:
        top = self.max_choices or len(self.options)
        if self.min_choices > top or top > len(self.options):
            raise ValueError(f"choice limits {self.min_choices}..{top} do not fit {len(self.options)} options")
        return self


class ScaleDef(ItemBase):
    type: Literal["scale"]
    min: int = 1
    max: int = 5
    min_label: LocalText = Field(default_factory=dict)
    max_label: LocalText = Field(default_factory=dict)

    @model_validator(mode="after")
    def _range(self) -> ScaleDef:
        if not 1 <= self.max - self.min <= 10:
            raise ValueError(f"a scale from {self.min} to {self.max} must have 2 to 11 points")
        return self


class FreeTextDef(ItemBase):
    type: Literal["free_text"]
    min_length: int = Field(default=1, ge=1)
    max_length: int = Field(default=1000, ge=1, le=4000)
    optional: bool = True


class ProposalItemDef(ItemBase):
    """Agree / disagree / neutral on each proposal of a pool, with an optional "why?" follow-up."""

    type: Literal["proposal"]
    proposals: list[LocalText] = Field(default_factory=list)
    max_votes: int | None = Field(default=None, ge=1, description="How many proposals one participant is shown.")
    qualifications: bool = True
    allow_citizen_proposals: bool = False

    @model_validator(mode="after")
    def _pool(self) -> ProposalItemDef:
        if not self.proposals and not self.allow_citizen_proposals:
            raise ValueError("a proposal item needs proposals, or allow_citizen_proposals")
        return self


class PairsDef(ItemBase):
    """ "Which of these two is better?" over a pool of proposals."""

    type: Literal["pairs"]
    proposals: list[LocalText] = Field(min_length=2)
    max_pairs: int = Field(default=5, ge=1, le=200)
    allow_citizen_proposals: bool = False


class BudgetDef(ItemBase):
    """A participatory budget: projects with costs, a ballot, and the counting rules the results show.

    Ballots, each collected in the chat with its rules explained: ``knapsack`` (projects whose costs fit in the
    total, spending at least ``min_spend_share`` of it when set), ``approval`` (up to ``max_projects``, costs
    shown but not summed), ``cumulative`` (``points`` to spread, at most ``max_points_per_project`` on one
    project), ``ordinal`` (a ranking of up to ``max_projects``, best first). Every ballot names
    ``min_projects`` to ``max_projects`` projects. Ties between projects go by ``tie_break``: ``cheaper_first``
    (then the order listed), ``listed`` (the order of ``projects``) or ``key`` (project keys in text order,
    Pabulib's and pabutools' convention).
    """

    type: Literal["budget"]
    total: int = Field(gt=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    projects: list[ProjectDef] = Field(min_length=1)
    ballot: Literal["knapsack", "approval", "cumulative", "ordinal"] = "knapsack"
    min_projects: int = Field(default=1, ge=0, description="Fewest projects a ballot names.")
    max_projects: int | None = Field(default=None, ge=1, description="Most projects a ballot names.")
    points: int | None = Field(default=None, ge=1, description="cumulative: the points each voter spreads.")
    max_points_per_project: int | None = Field(
        default=None, ge=1, description="cumulative: the most points one project may get (default: all of them)."
    )
    min_spend_share: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="knapsack: the least share of the total a ballot spends (Decidim's minimum), e.g. 0.7.",
    )
    counting: list[CountingRuleDef] = Field(
        default_factory=lambda: [CountingRuleDef(rule="greedy")],
        min_length=1,
        description="The counting rules, the first being the official one.",
    )
    tie_break: Literal["cheaper_first", "listed", "key"] = "cheaper_first"
    regions: list[str] | None = Field(
        default=None,
        min_length=1,
        description="A district's budget: only participants whose profile region is one of these keys "
        "(profile.regions) get its ballot, and its results say so; none: everyone's.",
    )
    eligibility: EligibilityDef | None = None

    @model_validator(mode="after")
    def _something_fits(self, info: ValidationInfo) -> BudgetDef:
        imported = bool(info.context and info.context.get(IMPORTED))
        if not imported and len(self.projects) > CHAT_PROJECTS_MAX:
            raise ValueError(
                f"the chat shows at most {CHAT_PROJECTS_MAX} projects at once; this item has {len(self.projects)}"
            )
        keys = [project.key for project in self.projects]
        if len(set(keys)) != len(keys):
            raise ValueError("two projects share a key")
        if not imported and min(project.cost for project in self.projects) > self.total:
            raise ValueError(f"no project fits in the total budget of {self.total}")
        top = self.max_projects or len(self.projects)
        if self.min_projects > top or top > len(self.projects):
            raise ValueError(f"project limits {self.min_projects}..{top} do not fit {len(self.projects)} projects")
        if (self.points is None) != (self.ballot != "cumulative"):
            raise ValueError("points (how many a voter spreads) belongs to cumulative ballots, and they need it")
        if self.max_points_per_project is not None and self.ballot != "cumulative":
            raise ValueError("max_points_per_project belongs to cumulative ballots")
        if self.points is not None and self.min_projects > self.points:
            raise ValueError(f"{self.min_projects} projects cannot each get one of {self.points} points")
        if self.min_spend_share is not None:
            if self.ballot != "knapsack":
                raise ValueError("min_spend_share belongs to knapsack ballots")
            if not imported and not self._spend_reachable():
                raise ValueError(
                    f"no ballot of {self.min_projects}..{top} projects spends at least "
                    f"{minimum_spend(self.total, self.min_spend_share)} within the total of {self.total}"
                )
        rules = [rule.rule for rule in self.counting]
        if len(set(rules)) != len(rules):
            raise ValueError("a counting rule is listed twice")
        if self.ballot == "ordinal" and any(rule.startswith("equalshares") for rule in rules):
            raise ValueError(
                "the Method of Equal Shares counts approval, knapsack and cumulative ballots, not rankings"
            )
        return self

    def _spend_reachable(self) -> bool:
        """Some ballot within the limits spends between the minimum and the total (the chat shows at most
        CHAT_PROJECTS_MAX projects: 4 096 sets at most)."""
        low, top = minimum_spend(self.total, self.min_spend_share), self.max_projects or len(self.projects)
        costs = [project.cost for project in self.projects]
        return any(
            low <= sum(chosen) <= self.total
            for size in range(max(self.min_projects, 1), top + 1)
            for chosen in combinations(costs, size)
        )


class PlaceDef(ItemBase):
    type: Literal["place"]
    allow_comment: bool = True
    comment_max_length: int = Field(default=280, ge=1, le=1000)


ItemDef = Annotated[
    SingleChoiceDef | MultiChoiceDef | ScaleDef | FreeTextDef | ProposalItemDef | PairsDef | BudgetDef | PlaceDef,
    Field(discriminator="type"),
]
ITEM_KINDS = ("single_choice", "multi_choice", "scale", "free_text", "proposal", "pairs", "budget", "place")


class ProfileDef(Strict):
    """Optional questions about the citizen, each skippable, used only to split results into segments."""

    age_bands: list[str] | None = Field(default=None, min_length=2, description="e.g. ['14-17', '18-24', '25-35']")
    countries: list[str] | None = Field(default=None, min_length=1, description="ISO 3166 codes offered as buttons")
    regions: list[OptionDef] | None = Field(default=None, min_length=1)


Share = Annotated[float, Field(ge=0, le=1)]


class TargetsDef(Strict):
    """The shares of participants the organisers want from each group, per segment (0..1; a segment's shares add up
    to 1 at most). The results page puts each group's share next to its target: who is missing."""

    language: dict[str, Share] | None = Field(default=None, description="by language code, e.g. {uk: 0.7, en: 0.3}")
    age_band: dict[str, Share] | None = Field(default=None, description="by the profile's age bands")
    country: dict[str, Share] | None = Field(default=None, description="by the profile's ISO 3166 codes")
    region: dict[str, Share] | None = Field(default=None, description="by the profile's region keys")
    source: dict[str, Share] | None = Field(default=None, description="by outreach source (the deep link's)")

    @model_validator(mode="after")
    def _at_most_everyone(self) -> TargetsDef:
        for segment, shares in self.model_dump(exclude_none=True).items():
            if sum(shares.values()) > 1.0001:
                raise ValueError(f"targets.{segment}: the shares add up to more than 1")
        return self


class DigestsDef(Strict):
    """Results pushed to the participants in a Telegram message with a chart (api/broadcast)."""

    on_close: bool = Field(default=True, description="Send everyone the final results when the consultation closes.")
    interim: list[datetime] = Field(
        default_factory=list,
        max_length=20,
        description="Moments of interim digests (results so far), e.g. 2027-05-01T18:00:00+03:00",
    )


class ConsultationDef(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, min_length=SLUG_MIN, max_length=SLUG_MAX)
    title: LocalText
    intro: LocalText = Field(default_factory=dict)
    languages: list[str] = Field(min_length=1)
    default_language: str
    time_zone: str = "UTC"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    min_segment_size: int = Field(default=10, ge=1)
    allow_incomplete_translations: bool = Field(
        default=False, description="Accept texts missing in some languages; participants then see the default one."
    )
    profile: ProfileDef | None = None
    targets: TargetsDef | None = Field(
        default=None, description="Target shares of participants per segment, shown beside who took part."
    )
    digests: DigestsDef | None = None
    jury: JuryDef | None = Field(
        default=None, description="A citizens' jury: volunteers are invited at the end of the consultation."
    )
    items: list[ItemDef] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, languages: list[str]) -> list[str]:
        if len(set(languages)) != len(languages):
            raise ValueError("languages are listed more than once")
        return languages

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone

    @model_validator(mode="after")
    def _consistent(self) -> ConsultationDef:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        keys = [item.key for item in self.items]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"item keys used twice: {', '.join(duplicates)}")
        self._check_branches()
        self._check_districts()
        self._check_targets()
        missing = self.missing_translations()
        if missing and not self.allow_incomplete_translations:
            raise ValueError("missing translations: " + "; ".join(missing))
        if not self.title.get(self.default_language):
            raise ValueError(f"title has no text in the default language {self.default_language!r}")
        return self

    def _check_targets(self) -> None:
        """A target names a group the consultation can have: one of its languages, the profile's values."""
        if self.targets is None:
            return
        profile = self.profile or ProfileDef()
        known: dict[str, set[str] | None] = {
            "language": set(self.languages),
            "age_band": set(profile.age_bands or []),
            "country": set(profile.countries or []),
            "region": {region.key for region in profile.regions or []},
            "source": None,  # any outreach source a link may carry
        }
        for segment, shares in self.targets.model_dump(exclude_none=True).items():
            allowed = known[segment]
            unknown = sorted(set(shares) - allowed) if allowed is not None else []
            if unknown:
                raise ValueError(
                    f"targets.{segment}: {', '.join(unknown)} not among the consultation's "
                    f"({', '.join(sorted(allowed or [])) or 'none declared'})"
                )

    def _check_branches(self) -> None:
        earlier: dict[str, Any] = {}
        for item in self.items:
            condition = item.show_if
            if condition is not None:
                target = earlier.get(condition.item)
                if target is None:
                    where = "a later item" if condition.item in {i.key for i in self.items} else "an unknown item"
                    raise ValueError(
                        f"item {item.key!r}: show_if names {where} {condition.item!r}; "
                        "a branch can only depend on an earlier item"
                    )
                allowed = answer_values(target)
                if allowed is None:
                    raise ValueError(f"item {item.key!r}: show_if cannot depend on {target.type} item {target.key!r}")
                unknown = [v for v in condition.values() if v not in allowed]
                if unknown:
                    raise ValueError(
                        f"item {item.key!r}: show_if value(s) {', '.join(unknown)} are not answers of "
                        f"{condition.item!r} (answers: {', '.join(sorted(allowed))})"
                    )
            earlier[item.key] = item

    def _check_districts(self) -> None:
        known = {region.key for region in (self.profile.regions if self.profile else None) or []}
        for item in self.items:
            districts = getattr(item, "regions", None)
            if not districts:
                continue
            if not known:
                raise ValueError(f"item {item.key!r}: regions need the profile's regions question (profile.regions)")
            unknown = [key for key in districts if key not in known]
            if unknown:
                raise ValueError(
                    f"item {item.key!r}: regions {', '.join(unknown)} are not keys of profile.regions "
                    f"({', '.join(sorted(known))})"
                )

    def missing_translations(self) -> list[str]:
        """'<path>: <languages>' for every text that lacks a declared language."""
        problems = []
        for path, texts in self._texts():
            absent = [lang for lang in self.languages if not (texts or {}).get(lang)]
            if absent and texts:
                problems.append(f"{path} lacks {', '.join(absent)}")
        return problems

    def _texts(self) -> Iterator[tuple[str, LocalText]]:
        yield "title", self.title
        if self.intro:
            yield "intro", self.intro
        for index, item in enumerate(self.items):
            base = f"items[{index}] ({item.key})"
            yield f"{base}.prompt", item.prompt
            options = getattr(item, "options", None) or getattr(item, "projects", None) or []
            for option_index, option in enumerate(options):
                yield f"{base}.options[{option_index}].label", option.label
            for proposal_index, text in enumerate(getattr(item, "proposals", None) or []):
                yield f"{base}.proposals[{proposal_index}]", text
            for label in ("min_label", "max_label"):
                if getattr(item, label, None):
                    yield f"{base}.{label}", getattr(item, label)
        for index, region in enumerate((self.profile.regions if self.profile else None) or []):
            yield f"profile.regions[{index}].label", region.label
        if self.jury is not None:
            yield from self.jury.texts()


def answer_values(item: Any) -> set[str] | None:
    if item.type in ("single_choice", "multi_choice"):
        return {option.key for option in item.options}
    if item.type == "scale":
        return {str(value) for value in range(item.min, item.max + 1)}
    return None
