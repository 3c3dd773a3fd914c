"""Checking a definition file: every problem with its path in the file and its line.

Used by ``viche validate``, by the organiser API (``POST /organiser/consultations``) and so by the
bot's ``/new``: all three report the same problems in the same words.

pydantic (``core.definition.model.ConsultationDef``) is the authority on what is valid. This module adds
what pydantic cannot know: where in the text each problem is (core/definition/reading.py).
Whole-file rules (branches, translations, duplicate keys …) fail at the root of the model, so they
are re-checked here one by one, each on its own line, and all of them are reported at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.definition.model import ITEM_KINDS, ConsultationDef, answer_values
from core.definition.reading import MAX_BYTES, Path_, Problem, Unreadable, dotted, parse


@dataclass
class Report:
    definition: ConsultationDef | None
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.problems


# ---- mapping pydantic errors onto the text -------------------------------------------------------


def _line(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, else of its nearest ancestor that is in the file (a missing field)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _real_path(data: Any, loc: tuple[str | int, ...]) -> tuple[Path_, list[str]]:
    """``loc`` without pydantic's union tags ('budget', 'str', '[key]'), and the tags it dropped."""
    path: list[str | int] = []
    tags: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                path.append(part)
                node = node[part]
            elif part == node.get("type") or part == "[key]":
                tags.append(str(part))
            else:
                path.append(part)  # a missing field: nothing below it
                node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        else:
            tags.append(str(part))
    return tuple(path), tags


def _message(error: Mapping[str, Any], data: Any, path: Path_) -> str:
    message: str = error.get("msg", "invalid")
    kind = error.get("type", "")
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "missing":
        message = "required, but missing"
    elif kind == "extra_forbidden":
        message = "unknown field (check its spelling and indentation)"
    elif kind == "union_tag_not_found":
        message = "missing 'type': one of " + ", ".join(_item_kinds())
    elif kind == "union_tag_invalid":
        given = (error.get("input") or {}).get("type") if isinstance(error.get("input"), dict) else None
        message = f"unknown item type {given!r}: use one of " + ", ".join(_item_kinds())
    elif kind in ("string_type", "string_pattern_mismatch") and isinstance(error.get("input"), bool):
        message += " (YAML reads yes/no/on/off/true/false as booleans: put the value in quotes)"
    elif kind == "string_pattern_mismatch":
        message = f"{error.get('input')!r} does not match {error.get('ctx', {}).get('pattern')}"
    return message


def _item_kinds() -> list[str]:
    return list(ITEM_KINDS)


def _node(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return data


# A rule about a whole item names the field to fix: point at that field's line.
_RULE_FIELDS = (
    ("no project fits", "total"),
    ("choice limits", "max_choices"),
    ("a scale from", "max"),
    ("a proposal item needs proposals", "proposals"),
    ("exactly one of 'equals' or 'any_of'", None),
)


def _rule_field(message: str, node: Any) -> str | None:
    if not isinstance(node, dict):
        return None
    for start, field in _RULE_FIELDS:
        if start in message:
            return field if field in node else None
    return None


def _field_problems(error: ValidationError, data: Any, lines: dict[Path_, int]) -> list[Problem]:
    grouped: dict[Path_, list[str]] = {}
    for item in error.errors(include_url=False):
        path, _tags = _real_path(data, tuple(item.get("loc", ())))
        if item.get("type") == "union_tag_invalid" and isinstance(_node(data, path), dict):
            path = path + ("type",)
        if item.get("type") == "value_error":
            field = _rule_field(item.get("msg", ""), _node(data, path))
            if field:
                path = path + (field,)
        grouped.setdefault(path, [])
        message = _message(item, data, path)
        if message not in grouped[path]:
            grouped[path].append(message)
    problems = []
    for path, messages in grouped.items():
        # "str | int" fields fail once per member: say it once, "a valid string or a valid integer".
        prefix = "Input should be "
        if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
            messages = [prefix + " or ".join(m[len(prefix) :] for m in messages)]
        for message in messages:
            problems.append(Problem(dotted(path), _line(lines, path), message))
    return problems


# ---- whole-file rules, each reported on its own line ----------------------------------------------


class _Lenient(ConsultationDef):
    """The definition without its whole-file checks, so that each can be run and located alone."""

    def _consistent(self) -> _Lenient:  # type: ignore[override]
        return self


_TEXT_PATH = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def _translation_path(description: str, data: Any) -> Path_:
    """'items[3] (budget).options[0].label' → ('items', 3, 'projects', 0, 'label')."""
    cleaned = re.sub(r"\s*\([^)]*\)", "", description)
    parts: list[str | int] = [int(index) if index else name for name, index in _TEXT_PATH.findall(cleaned)]
    for position, part in enumerate(parts):
        if part == "options" and isinstance(_node(data, tuple(parts[:position])), dict):
            parent = _node(data, tuple(parts[:position]))
            if "options" not in parent and "projects" in parent:
                parts[position] = "projects"
    return tuple(parts)


def translation_problems(definition: ConsultationDef, data: Any, lines: dict[Path_, int]) -> list[Problem]:
    problems = []
    for entry in definition.missing_translations():
        where, _, languages = entry.partition(" lacks ")
        path = _translation_path(where, data)
        problems.append(Problem(dotted(path), _line(lines, path), f"no text in {languages}"))
    return problems


def _whole_file_problems(definition: ConsultationDef, data: Any, lines: dict[Path_, int]) -> list[Problem]:
    found: list[tuple[Path_, str]] = []
    if definition.default_language not in definition.languages:
        found.append(
            (
                ("default_language",),
                f"default_language {definition.default_language!r} is not in "
                f"languages ({', '.join(definition.languages)})",
            )
        )
    if definition.opens_at and definition.closes_at and definition.closes_at <= definition.opens_at:
        found.append((("closes_at",), "closes_at must be after opens_at"))
    first_use: dict[str, int] = {}
    earlier: dict[str, Any] = {}
    all_keys = {item.key for item in definition.items}
    for index, item in enumerate(definition.items):
        if item.key in first_use:
            found.append(
                (("items", index, "key"), f"item key {item.key!r} is already used by items[{first_use[item.key]}]")
            )
        first_use.setdefault(item.key, index)
        condition = item.show_if
        if condition is not None:
            target = earlier.get(condition.item)
            if target is None:
                where = "a later item" if condition.item in all_keys else "an unknown item"
                found.append(
                    (
                        ("items", index, "show_if", "item"),
                        f"show_if names {where} {condition.item!r}; a branch can only depend on an earlier item",
                    )
                )
            else:
                allowed = answer_values(target)
                rule = "equals" if condition.equals is not None else "any_of"
                if allowed is None:
                    found.append(
                        (
                            ("items", index, "show_if", "item"),
                            f"show_if cannot depend on {target.type} item {target.key!r} "
                            "(only single_choice, multi_choice and scale answers can)",
                        )
                    )
                else:
                    unknown = [v for v in condition.values() if v not in allowed]
                    if unknown:
                        verb = "is not an answer" if len(unknown) == 1 else "are not answers"
                        found.append(
                            (
                                ("items", index, "show_if", rule),
                                f"{', '.join(unknown)} {verb} of {condition.item!r} "
                                f"(answers: {', '.join(sorted(allowed))})",
                            )
                        )
        earlier.setdefault(item.key, item)
    problems = [Problem(dotted(path), _line(lines, path), message) for path, message in found]
    if not definition.allow_incomplete_translations:
        problems += translation_problems(definition, data, lines)
    if (
        not definition.title.get(definition.default_language)
        and definition.default_language in definition.languages
        and not any(p.path == "title" for p in problems)
    ):
        problems.append(
            Problem(
                "title", _line(lines, ("title",)), f"no text in the default language {definition.default_language!r}"
            )
        )
    return problems


# ---- the entry points ------------------------------------------------------------------------------


def check_text(text: str | bytes, filename: str | None = None) -> Report:
    """Every problem of a definition file's text (errors), and what is merely incomplete (warnings)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            return Report(None, [Problem("", None, f"the file is larger than {MAX_BYTES // 1024} KB")], [])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return Report(None, [Problem("", None, f"the file is not UTF-8 text (byte {error.start})")], [])
    elif len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Report(None, [Problem("", None, f"the file is larger than {MAX_BYTES // 1024} KB")], [])
    text = text.lstrip("\ufeff")
    try:
        data, lines, problems = parse(text, filename)
    except Unreadable as error:
        return Report(None, [error.problem], [])
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        return Report(
            None, [Problem("", 1, f"the file must be a mapping of fields (slug, title, items …), not {found}")], []
        )
    try:
        definition = ConsultationDef.model_validate(data)
    except ValidationError as error:
        field_errors = [e for e in error.errors() if e.get("loc")]
        if field_errors:
            return Report(None, problems + _field_problems(error, data, lines), [])
        lenient = _Lenient.model_validate(data)
        whole = _whole_file_problems(lenient, data, lines)
        if not whole:  # a rule this module does not know: pydantic's own words, at the top
            whole = [Problem("", 1, _message(e, data, ())) for e in error.errors()]
        return Report(None, problems + whole, [])
    warnings = translation_problems(definition, data, lines) if definition.allow_incomplete_translations else []
    return Report(None if problems else definition, problems, warnings)


def check_file(path: Path) -> Report:
    try:
        content = path.read_bytes()
    except OSError as error:
        return Report(None, [Problem("", None, f"cannot read the file: {error.strerror or error}")], [])
    return check_text(content, path.name)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of definition files (committed as ``schema/consultation.schema.json``)."""
    schema = ConsultationDef.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "viche consultation definition",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
