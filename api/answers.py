"""Validating a question item's answer, kind by kind. Bad input is a clear 400, never a 500."""

from __future__ import annotations

import unicodedata
from typing import Any

from api import ballot_rules, schemas
from api.ballot_rules import BallotRules
from api.content_cache import ContentCache
from api.errors import bad_request
from storage.models import Item, Option


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks and bidi marks, which right-to-left writers need)."""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return "".join(kept).strip()


def visible_length(text: str) -> int:
    """Characters a reader sees: not whitespace, not format characters (zero-width spaces and joiners, bidi
    marks: Unicode category Cf)."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


async def _options(content: ContentCache, item: Item) -> dict[int, Option]:
    return {option.id: option for option in await content.options(item)}


def _id_list(value: Any, item: Item) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise bad_request("invalid_value", f"item {item.key!r} expects a list of option ids")
    if len(set(value)) != len(value):
        raise bad_request("invalid_value", "an option is listed twice")
    return sorted(value)


async def validated_value(content: ContentCache, item: Item, body: schemas.AnswerIn) -> tuple[int | None, Any]:
    """(option_id, value) to store for this answer."""
    config = item.config
    if item.kind == "single_choice":
        options = await _options(content, item)
        if body.option_id not in options:
            raise bad_request("invalid_option", f"option {body.option_id} is not an option of item {item.key!r}")
        return body.option_id, None
    if item.kind == "budget" and body.value is None and config.get("eligibility"):
        return None, None  # passed over by someone who cannot pass its check (api/eligibility.py)
    if item.kind == "budget":
        options = await _options(content, item)
        costs = {option_id: option.cost or 0 for option_id, option in options.items()}
        rules = BallotRules.of(config, len(options))
        ballot = ballot_rules.parse(rules.kind, body.value, costs)
        ballot_rules.complete(rules, costs, ballot)
        return None, ballot
    if item.kind == "multi_choice":
        options = await _options(content, item)
        chosen = _id_list(body.value, item)
        unknown = [i for i in chosen if i not in options]
        if unknown:
            raise bad_request("invalid_option", f"options {unknown} are not options of item {item.key!r}")
        low, high = int(config.get("min_choices", 1)), int(config.get("max_choices") or len(options))
        if not low <= len(chosen) <= high:
            raise bad_request("invalid_count", f"choose between {low} and {high} options", min=low, max=high)
        return None, chosen
    if item.kind == "scale":
        value = body.value
        low, high = int(config.get("min", 1)), int(config.get("max", 5))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise bad_request("invalid_value", f"item {item.key!r} expects a whole number from {low} to {high}")
        return None, value
    if item.kind == "free_text":
        if body.value is None and config.get("optional", True):
            return None, None
        if not isinstance(body.value, str):
            raise bad_request("invalid_value", f"item {item.key!r} expects text")
        text = clean_text(body.value)
        low, high = int(config.get("min_length", 1)), int(config.get("max_length", 1000))
        length = visible_length(text) if visible_length(text) < low else len(text)  # as for proposals
        if not low <= length <= high:
            raise bad_request(
                "invalid_length",
                f"the text must have {low} to {high} characters (it has {length})",
                min=low,
                max=high,
                length=length,
            )
        return None, text
    if item.kind == "place":
        if body.value is None:
            return None, None
        value = body.value if isinstance(body.value, dict) else {}
        lat, lon = value.get("latitude"), value.get("longitude")
        if not (
            isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            raise bad_request("invalid_location", "a place needs a latitude (-90..90) and a longitude (-180..180)")
        return None, {"latitude": float(lat), "longitude": float(lon), "comment": None}
    raise bad_request("wrong_route", f"item {item.key!r} is a {item.kind} item; use its own route")
