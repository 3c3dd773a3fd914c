"""Reading a definition file's text: the data, the line of every path in it, and the problems of the text itself.

YAML lines come from the node marks of ``yaml`` itself; JSON lines from a small position-tracking scan of the
(already valid) JSON. Both are bounded before anything walks the document (see the limits below).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

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


# ---- reading the text ---------------------------------------------------------------------------


class Unreadable(Exception):
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


class _Bounded(yaml.composer.Composer):
    """A YAML loader mixin refusing, while the document is composed (before any object is built or walked),
    one nested deeper than ``MAX_DEPTH``, using more than ``MAX_ALIASES`` aliases, or standing for more than
    ``MAX_VALUES`` values or ``MAX_EXPANDED_CHARS`` characters once its aliases are expanded (counted as
    they come, so the refusal comes as soon as a limit is passed). An alias to an anchor still being composed
    (a document containing itself) is refused too."""

    if TYPE_CHECKING:  # given by the parser the loader mixes in (libyaml's or PyYAML's)

        def peek_event(self) -> Any: ...
        def check_event(self, *choices: Any) -> bool: ...

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


if yaml.__with_libyaml__:  # libyaml's parser when PyYAML has it: several times faster than the pure-Python one
    from yaml._yaml import CParser as _CParser

    class _BoundedLoader(
        _Bounded, yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
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
        raise Unreadable(Problem("", error.line, f"the file is too complex: {error.message}")) from None


def _parse(text: str, filename: str | None) -> tuple[Any, dict[Path_, int], list[Problem]]:
    if is_json(text, filename):
        _check_json_shape(text)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise Unreadable(Problem("", error.lineno, f"JSON syntax: {error.msg} (column {error.colno})")) from None
        return (data, *_json_lines(text))
    try:
        loader = _BoundedLoader(text)  # checks the characters already: control characters raise ReaderError
    except yaml.YAMLError as error:
        raise Unreadable(Problem("", None, f"YAML: {error}")) from None
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
        raise Unreadable(Problem("", mark.line + 1 if mark else None, f"YAML syntax: {what}{column}{hint}")) from None
    except yaml.YAMLError as error:
        raise Unreadable(Problem("", None, f"YAML: {error}")) from None
    finally:
        loader.dispose()


def _yaml_lines(
    loader: yaml.constructor.SafeConstructor,
    node: yaml.Node,
    path: Path_,
    lines: dict[Path_, int],
    duplicates: list[Problem],
) -> None:
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
                duplicates.append(
                    Problem(
                        dotted(path + (key,)),
                        line,
                        f"key {key!r} appears twice (first on line {seen[key]}); only the last one would count",
                    )
                )
            seen.setdefault(key, line)
            lines[path + (key,)] = line
            _yaml_lines(loader, value_node, path + (key,), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[path + (index,)] = child.start_mark.line + 1
            _yaml_lines(loader, child, path + (index,), lines, duplicates)


# The json module's own string scanner (the C one when built): typeshed leaves it out.
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
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
            i = skip(i + 1)
            seen: dict[str, int] = {}
            if text[i] == "}":
                return i + 1
            while True:
                i = skip(i)
                key, end = _scanstring(text, i + 1)
                if key in seen:
                    duplicates.append(
                        Problem(
                            dotted(path + (key,)),
                            line_at(i),
                            f"key {key!r} appears twice (first on line {seen[key]}); only the last one would count",
                        )
                    )
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
            return _scanstring(text, i + 1)[1]
        match = _JSON_ATOM.match(text, i)
        return match.end() if match else len(text)

    try:
        value(0, ())
    except (IndexError, ValueError):
        pass  # lines are a convenience; json.loads already accepted the text
    return lines, duplicates


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
