"""Callback data: what a button means, as a typed value with a short prefix, never user-visible text.

In the spirit of aiogram's ``CallbackData`` (aiogram/filters/callback_data.py), written for ``bot/flows``,
which never imports aiogram, and stricter:

- each kind of button is a frozen dataclass with its own prefix, and two kinds sharing a prefix fail at
  import (a shared prefix would make one button's data mean another's);
- ``pack()`` refuses anything over Telegram's 64 bytes instead of letting sendMessage fail;
- ``unpack()`` returns None for anything we did not produce (forged, stale from an older version, garbage):
  every field is checked against its type, and the data must be exactly what ``pack()`` writes for the value;
- enumerated values (a choice, a reason) are written as their whole names: a first letter that two of them
  share ("unknown", "undecided") once stored one reason for the other. Where whole names cannot fit beside the
  other fields in 64 bytes (an organiser's reject reason beside a proposal id and a slug), the kind gives an
  explicit table of short codes, ``Annotated[Literal[...], Codes({...})]``: one code per name, checked to cover
  every name once; the value in Python is still the whole name.

Field types: ``int`` (decimal), ``str`` (a token of letters, digits, ``-`` and ``_``: slugs, keys, pair
tokens), ``Literal["a", "b"]`` (one of these names, or its code under ``Codes``) and ``frozenset[int]``
(positions 0–63, as a hex bitmask).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypeVar

MAX_BYTES = 64
SEP = ":"
_PREFIX = re.compile(r"[a-z]{1,4}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_INT = re.compile(r"-?(0|[1-9][0-9]{0,18})")
_MASK = re.compile(r"0|[1-9a-f][0-9a-f]{0,15}")
_LIMIT = 2**63

T = TypeVar("T", bound="CallbackData")


class CallbackTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Codes:
    """The short code written for each name of an enumerated field (name → code)."""

    table: Mapping[str, str]

    def __post_init__(self) -> None:
        codes = list(self.table.values())
        if len(set(codes)) != len(codes) or not all(_TOKEN.fullmatch(code) for code in codes):
            raise ValueError(f"codes must be distinct tokens: {dict(self.table)}")

    def name(self, code: str) -> str | None:
        return next((name for name, known in self.table.items() if known == code), None)


_REGISTRY: dict[str, type[CallbackData]] = {}
_INVALID = object()


class CallbackData:
    """Base of every button's data. Subclass with a prefix and decorate with ``@dataclass(frozen=True)``::

    @dataclass(frozen=True)
    class Vote(CallbackData, prefix="v"):
        proposal: int
        choice: Literal["agree", "disagree", "neutral"]
    """

    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"callback prefix {prefix!r} of {cls.__name__}: 1 to 4 lower-case letters")
        owner = _REGISTRY.get(prefix)
        if owner is not None:
            raise TypeError(f"callback prefix {prefix!r} of {cls.__name__} is already {owner.__name__}'s")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    def valid(self) -> bool:
        """Rules between fields (a qualification that belongs to the choice): False makes unpack() refuse."""
        return True

    def pack(self) -> str:
        parts = [self.prefix]
        for field, kind in _fields(type(self)):
            parts.append(_pack_value(kind, getattr(self, field.name), f"{type(self).__name__}.{field.name}"))
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise CallbackTooLong(data)
        return data

    @classmethod
    def unpack(cls: type[T], data: object) -> T | None:
        value = unpack(data)
        return value if isinstance(value, cls) else None


def unpack(data: object) -> CallbackData | None:
    """The button behind ``data``, or None when no button of ours carries it."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, *parts = data.split(SEP)
    spec = _REGISTRY.get(prefix)
    if spec is None:
        return None
    fields = _fields(spec)
    if len(parts) != len(fields):
        return None
    values = {}
    for (field, kind), part in zip(fields, parts, strict=False):
        value = _unpack_value(kind, part)
        if value is _INVALID:
            return None
        values[field.name] = value
    button = spec(**values)
    if not button.valid() or button.pack() != data:  # one spelling per value: "007" is not "7"
        return None
    return button


def registered() -> dict[str, type[CallbackData]]:
    """Every prefix and its kind of button."""
    return dict(_REGISTRY)


_FIELDS: dict[type, list[tuple[dataclasses.Field[Any], Any]]] = {}


def _fields(spec: type[CallbackData]) -> list[tuple[dataclasses.Field[Any], Any]]:
    known = _FIELDS.get(spec)
    if known is None:
        hints = typing.get_type_hints(spec, include_extras=True)
        known = [(field, hints[field.name]) for field in dataclasses.fields(typing.cast(Any, spec))]
        for field, kind in known:
            codes = _codes(kind)
            if codes is not None and set(codes.table) != set(typing.get_args(typing.get_args(kind)[0])):
                raise TypeError(f"{spec.__name__}.{field.name}: the codes must cover its names exactly")
        _FIELDS[spec] = known
    return known


def _codes(kind: Any) -> Codes | None:
    """The codes of an ``Annotated[Literal[...], Codes(...)]`` field, else None."""
    if typing.get_origin(kind) is not Annotated:
        return None
    return next((extra for extra in kind.__metadata__ if isinstance(extra, Codes)), None)


def _pack_value(kind: Any, value: Any, where: str) -> str:
    codes = _codes(kind)
    if codes is not None:
        if value not in codes.table:
            raise ValueError(f"{where}: {value!r} is not one of {tuple(codes.table)}")
        return codes.table[value]
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= _LIMIT:
            raise ValueError(f"{where}: {value!r} is not an integer")
        return str(value)
    if kind is str:
        if not isinstance(value, str) or not _TOKEN.fullmatch(value):
            raise ValueError(f"{where}: {value!r} is not a token of letters, digits, '-' and '_'")
        return value
    if typing.get_origin(kind) is Literal:
        if value not in typing.get_args(kind):
            raise ValueError(f"{where}: {value!r} is not one of {typing.get_args(kind)}")
        return str(value)
    if typing.get_origin(kind) is frozenset:
        if not all(isinstance(p, int) and 0 <= p < 64 for p in value):
            raise ValueError(f"{where}: positions must be 0 to 63, not {sorted(value)}")
        return format(sum(1 << p for p in value), "x")
    raise TypeError(f"{where}: no codec for {kind!r}")


def _unpack_value(kind: Any, part: str) -> Any:
    codes = _codes(kind)
    if codes is not None:
        name = codes.name(part)
        return _INVALID if name is None else name
    if kind is int:
        return int(part) if _INT.fullmatch(part) and abs(int(part)) < _LIMIT else _INVALID
    if kind is str:
        return part if _TOKEN.fullmatch(part) else _INVALID
    if typing.get_origin(kind) is Literal:
        return part if part in typing.get_args(kind) else _INVALID
    if typing.get_origin(kind) is frozenset:
        if not _MASK.fullmatch(part):
            return _INVALID
        bits = int(part, 16)
        return frozenset(i for i in range(64) if bits >> i & 1)
    return _INVALID
