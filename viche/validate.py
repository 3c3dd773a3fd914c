"""Checking a definition file: every problem with its path in the file and its line.

Used by ``viche validate``, by the organiser API (``POST /organiser/consultations``) and so by the
bot's ``/new``: all three report the same problems in the same words.

pydantic (``api.definition.ConsultationDef``) is the authority on what is valid. This module adds
what pydantic cannot know: where in the text each problem is. YAML lines come from the node marks
of ``yaml`` itself; JSON lines from a small position-tracking scan of the (already valid) JSON.
Whole-file rules (branches, translations, duplicate keys …) fail at the root of the model, so they
are re-checked here one by one, each on its own line, and all of them are reported at once.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from api.definition import ConsultationDef, _answer_values

Path_ = tuple[str | int, ...]
MAX_BYTES = 512 * 1024
# Bounds on the document a text makes, checked while it is read and before anything walks it: YAML aliases
# can make a 300-byte file stand for billions of values ("billion laughs"), and deep nesting exhausts
# Python's recursion. A real definition nests about 8 levels deep and holds a few thousand values.
MAX_DEPTH = 40
MAX_ALIASES = 1000
MAX_VALUES = 10_000
MAX_EXPANDED_CHARS = 2 * MAX_BYTES


@dataclass(frozen=True)
class Problem:
    path: str  # "items[3].projects[0].cost"; "" for the file as a whole
    line: int | None
    message: str

    def text(self, filename: str | None = None) -> str:
        """``file:line: path: message`` — the format of compilers, which editors can jump to."""
        where = ":".join(str(part) for part in (filename, self.line) if part not in (None, ""))
        head = f"{where}: " if where else (f"line {self.line}: " if self.line else "")
        return f"{head}{self.path + ': ' if self.path else ''}{self.message}"

    def as_dict(self, filename: str | None = None) -> dict[str, Any]:
        return {**asdict(self), "text": self.text(filename)}


@dataclass
class Report:
    definition: ConsultationDef | None
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.problems


# ---- reading the text ---------------------------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def is_json(text: str, filename: str | None) -> bool:
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".yaml", ".yml"):
        return False
    return text.lstrip().startswith("{")


class _TooBig(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _too_deep(line: int | None) -> _TooBig:
    return _TooBig(line, f"nested more than {MAX_DEPTH} levels deep")


def _too_many_values(line: int | None) -> _TooBig:
    return _TooBig(line, f"more than {MAX_VALUES:,} values (aliases counted as often as they are used)")


class _Bounded:
    """A YAML loader mixin refusing, while the document is composed (before any object is built or walked),
    one nested deeper than ``MAX_DEPTH``, using more than ``MAX_ALIASES`` aliases, or standing for more than
    ``MAX_VALUES`` values or ``MAX_EXPANDED_CHARS`` characters once its aliases are expanded (counted as
    they come, so the refusal comes as soon as a limit is passed). An alias to an anchor still being composed
    (a document containing itself) is refused too."""

    def _start_bounds(self) -> None:
        self._depth = self._aliases = self._values = self._chars = 0
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, characters), aliases expanded

    def _count(self, values: int, chars: int, line: int) -> None:
        self._values += values
        self._chars += chars
        if self._values > MAX_VALUES:
            raise _too_many_values(line)
        if self._chars > MAX_EXPANDED_CHARS:
            raise _TooBig(line, f"more than {MAX_EXPANDED_CHARS // 1024} KB of text once its aliases are expanded")

    def compose_node(self, parent: Any, index: Any) -> Any:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooBig(line, f"more than {MAX_ALIASES} aliases (*name)")
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise _TooBig(line, "an alias inside the anchor it names: the document would contain itself")
            self._count(*size, line)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _too_deep(line)
        values, chars = self._values, self._chars
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, yaml.ScalarNode):
            self._count(1, len(node.value), line)
        else:
            self._count(1, 0, line)
        self._sizes[id(node)] = (self._values - values, self._chars - chars)
        return node


try:  # libyaml's parser when PyYAML has it: several times faster than the pure-Python one
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None


if _CParser is not None:
    class _BoundedLoader(_Bounded, yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor,
                         yaml.resolver.Resolver):
        """libyaml's events, PyYAML's (bounded) composer and safe constructor, with marks for the lines."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)
            self._start_bounds()
else:  # pragma: no cover
    class _BoundedLoader(_Bounded, yaml.SafeLoader):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            yaml.SafeLoader.__init__(self, stream)
            self._start_bounds()


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_STRUCTURE = re.compile(r"[\[\]{},]")


def _check_json_shape(text: str) -> None:
    """Refuse JSON nested deeper than ``MAX_DEPTH`` (json.loads would hit the recursion limit) or holding
    more than ``MAX_VALUES`` values, before parsing it."""
    bare = _JSON_STRING.sub('""', text)  # brackets and commas inside strings are text; lines stay the same
    depth = values = 0
    for match in _JSON_STRUCTURE.finditer(bare):
        mark = match.group()
        if mark in "[{":
            depth += 1
            values += 1
            if depth > MAX_DEPTH:
                raise _too_deep(bare.count("\n", 0, match.start()) + 1)
        elif mark == ",":
            values += 1
        else:
            depth -= 1
        if values > MAX_VALUES:
            raise _too_many_values(bare.count("\n", 0, match.start()) + 1)


def parse(text: str, filename: str | None = None) -> tuple[Any, dict[Path_, int], list[Problem]]:
    """(data, line of each path, problems of the text itself: syntax, duplicate keys)."""
    try:
        return _parse(text, filename)
    except _TooBig as error:
        raise _Unreadable(Problem("", error.line, f"the file is too complex: {error.message}")) from None


def _parse(text: str, filename: str | None) -> tuple[Any, dict[Path_, int], list[Problem]]:
    if is_json(text, filename):
        _check_json_shape(text)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise _Unreadable(Problem("", error.lineno, f"JSON syntax: {error.msg} (column {error.colno})")) from None
        lines, duplicates = _json_lines(text)
        return data, lines, duplicates
    try:
        loader = _BoundedLoader(text)  # checks the characters already: control characters raise ReaderError
    except yaml.YAMLError as error:
        raise _Unreadable(Problem("", None, f"YAML: {error}")) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        lines: dict[Path_, int] = {(): 1}
        duplicates: list[Problem] = []
        if node is not None:
            _yaml_lines(loader, node, (), lines, duplicates)
        return data, lines, duplicates
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(part for part in (error.context, error.problem) if part)
        if "maximum nesting depth" in what:  # libyaml's own limit (1000 levels), met while it reads ahead
            raise _too_deep(mark.line + 1 if mark else None) from None
        column = f" (column {mark.column + 1})" if mark else ""
        hint = "; check the indentation" if "block" in what else ""
        raise _Unreadable(Problem("", mark.line + 1 if mark else None,
                                  f"YAML syntax: {what}{column}{hint}")) from None
    except yaml.YAMLError as error:
        raise _Unreadable(Problem("", None, f"YAML: {error}")) from None
    finally:
        loader.dispose()


def _yaml_lines(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int],
                duplicates: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
                hash(key)
            except (yaml.YAMLError, TypeError):
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append(Problem(_dotted(path + (key,)), line,
                                          f"key {key!r} appears twice (first on line {seen[key]}); "
                                          "only the last one would count"))
            seen.setdefault(key, line)
            lines[path + (key,)] = line
            _yaml_lines(loader, value_node, path + (key,), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[path + (index,)] = child.start_mark.line + 1
            _yaml_lines(loader, child, path + (index,), lines, duplicates)


_JSON_ATOM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _json_lines(text: str) -> tuple[dict[Path_, int], list[Problem]]:
    """Lines of every key and array element of a valid JSON text, and its duplicate keys."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    lines: dict[Path_, int] = {(): 1}
    duplicates: list[Problem] = []

    def line_at(index: int) -> int:
        return bisect_right(newlines, index - 1) + 1

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def value(i: int, path: Path_) -> int:
        i = skip(i)
        ch = text[i]
        if ch == "{":
            i, seen = skip(i + 1), {}
            if text[i] == "}":
                return i + 1
            while True:
                i = skip(i)
                key, end = json.decoder.scanstring(text, i + 1)
                if key in seen:
                    duplicates.append(Problem(_dotted(path + (key,)), line_at(i),
                                              f"key {key!r} appears twice (first on line {seen[key]}); "
                                              "only the last one would count"))
                seen.setdefault(key, line_at(i))
                lines[path + (key,)] = line_at(i)
                i = skip(end) + 1  # the colon
                i = skip(value(i, path + (key,)))
                if text[i] == "}":
                    return i + 1
                i += 1  # the comma
        if ch == "[":
            i, index = skip(i + 1), 0
            if text[i] == "]":
                return i + 1
            while True:
                i = skip(i)
                lines[path + (index,)] = line_at(i)
                i = skip(value(i, path + (index,)))
                index += 1
                if text[i] == "]":
                    return i + 1
                i += 1
        if ch == '"':
            return json.decoder.scanstring(text, i + 1)[1]
        match = _JSON_ATOM.match(text, i)
        return match.end() if match else len(text)

    try:
        value(0, ())
    except (IndexError, ValueError):
        pass  # lines are a convenience; json.loads already accepted the text
    return lines, duplicates


# ---- mapping pydantic errors onto the text -------------------------------------------------------


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, else of its nearest ancestor that is in the file (a missing field)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _real_path(data: Any, loc: tuple) -> tuple[Path_, list[str]]:
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


def _message(error: dict[str, Any], data: Any, path: Path_) -> str:
    message = error.get("msg", "invalid")
    kind = error.get("type", "")
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
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
    from api.definition import ITEM_KINDS

    return list(ITEM_KINDS)


def _node(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return data


# A rule about a whole item names the field to fix: point at that field's line.
_RULE_FIELDS = (("no project fits", "total"), ("choice limits", "max_choices"), ("a scale from", "max"),
                ("a proposal item needs proposals", "proposals"), ("exactly one of 'equals' or 'any_of'", None))


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
            messages = [prefix + " or ".join(m[len(prefix):] for m in messages)]
        for message in messages:
            problems.append(Problem(_dotted(path), _line(lines, path), message))
    return problems


# ---- whole-file rules, each reported on its own line ----------------------------------------------


class _Lenient(ConsultationDef):
    """The definition without its whole-file checks, so that each can be run and located alone."""

    def _consistent(self) -> "_Lenient":  # type: ignore[override]
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
        problems.append(Problem(_dotted(path), _line(lines, path), f"no text in {languages}"))
    return problems


def _whole_file_problems(definition: ConsultationDef, data: Any, lines: dict[Path_, int]) -> list[Problem]:
    found: list[tuple[Path_, str]] = []
    if definition.default_language not in definition.languages:
        found.append((("default_language",), f"default_language {definition.default_language!r} is not in "
                                              f"languages ({', '.join(definition.languages)})"))
    if definition.opens_at and definition.closes_at and definition.closes_at <= definition.opens_at:
        found.append((("closes_at",), "closes_at must be after opens_at"))
    first_use: dict[str, int] = {}
    earlier: dict[str, Any] = {}
    all_keys = {item.key for item in definition.items}
    for index, item in enumerate(definition.items):
        if item.key in first_use:
            found.append((("items", index, "key"), f"item key {item.key!r} is already used by "
                                                   f"items[{first_use[item.key]}]"))
        first_use.setdefault(item.key, index)
        condition = item.show_if
        if condition is not None:
            target = earlier.get(condition.item)
            if target is None:
                where = "a later item" if condition.item in all_keys else "an unknown item"
                found.append((("items", index, "show_if", "item"),
                              f"show_if names {where} {condition.item!r}; a branch can only depend on an earlier item"))
            else:
                allowed = _answer_values(target)
                rule = "equals" if condition.equals is not None else "any_of"
                if allowed is None:
                    found.append((("items", index, "show_if", "item"),
                                  f"show_if cannot depend on {target.type} item {target.key!r} "
                                  "(only single_choice, multi_choice and scale answers can)"))
                else:
                    unknown = [v for v in condition.values() if v not in allowed]
                    if unknown:
                        found.append((("items", index, "show_if", rule),
                                      f"{', '.join(unknown)} {'is not an answer' if len(unknown) == 1 else 'are not answers'}"
                                      f" of {condition.item!r} (answers: {', '.join(sorted(allowed))})"))
        earlier.setdefault(item.key, item)
    problems = [Problem(_dotted(path), _line(lines, path), message) for path, message in found]
    if not definition.allow_incomplete_translations:
        problems += translation_problems(definition, data, lines)
    if not definition.title.get(definition.default_language) and definition.default_language in definition.languages:
        if not any(p.path == "title" for p in problems):
            problems.append(Problem("title", _line(lines, ("title",)),
                                    f"no text in the default language {definition.default_language!r}"))
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
    except _Unreadable as error:
        return Report(None, [error.problem], [])
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        return Report(None, [Problem("", 1, f"the file must be a mapping of fields (slug, title, items …), "
                                            f"not {found}")], [])
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
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "viche consultation definition",
            **{key: value for key, value in schema.items() if key != "title"}}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "consultation.schema.json"


# ---- the command line -------------------------------------------------------------------------------


def cmd_validate(args: Any) -> int:
    """``viche validate FILE…``: every problem as ``file:line: path: message``; exit 1 if any."""
    failed = False
    for name in args.files:
        path = Path(name)
        report = check_file(path)
        for warning in report.warnings:
            print(f"{warning.text(name)} (warning)")
        for problem in report.problems:
            print(problem.text(name))
        if report.ok:
            definition = report.definition
            print(f"{name}: OK — {definition.slug!r}, {len(definition.items)} items, "
                  f"languages {', '.join(definition.languages)}"
                  + (f", {len(report.warnings)} warnings" if report.warnings else ""))
        else:
            failed = True
            count = len(report.problems)
            print(f"{name}: {count} problem{'s' if count != 1 else ''}")
    return 1 if failed else 0


def cmd_schema(args: Any) -> int:
    """``viche schema``: print the JSON Schema; ``-o FILE`` writes it; ``--check`` compares with FILE."""
    text = json_schema_text()
    target = Path(args.output) if args.output else None
    if args.check:
        target = target or SCHEMA_FILE
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `viche schema -o {target}`")
            return 1
        print(f"{target} is up to date")
        return 0
    if target is None:
        print(text, end="")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


def add_commands(sub: Any) -> None:
    """Register ``validate`` and ``schema`` on the ``viche`` command's subparsers."""
    validate = sub.add_parser("validate", help="check consultation definition files (YAML or JSON)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_validate)
    schema = sub.add_parser("schema", help="print or write the JSON Schema of definition files")
    schema.add_argument("-o", "--output", help=f"write it to this file (the repository's: {SCHEMA_FILE.name})")
    schema.add_argument("--check", action="store_true", help="exit 1 if the file differs from the models")
    schema.set_defaults(func=cmd_schema)
