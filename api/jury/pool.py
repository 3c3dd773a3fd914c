"""Reading a pool of volunteers from CSV: a header row with ``id`` (the organiser's reference) and one column
per category. Every malformed row is reported with its line number, and nothing is loaded unless all are good."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from storage.models_jury import EXTERNAL_ID_LENGTH as MAX_ID


class PoolFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PoolRow:
    external_id: str
    categories: dict[str, str]


def read_pool_csv(text: str) -> list[PoolRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header or "id" not in [name.strip() for name in header]:
        raise PoolFileError(["line 1: the header row needs an 'id' column and one column per category"])
    names = [name.strip() for name in header]
    if len(set(names)) != len(names) or "" in names:
        raise PoolFileError(["line 1: every column needs a name of its own"])
    if len(names) < 2:
        raise PoolFileError(["line 1: at least one category column besides 'id'"])
    problems: list[str] = []
    rows: list[PoolRow] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            problems.append(f"line {line}: {len(cells)} fields, the header has {len(names)}")
            continue
        values = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
        external_id = values.pop("id")
        if not external_id or len(external_id) > MAX_ID:
            problems.append(f"line {line}: the id is empty or longer than {MAX_ID} characters")
            continue
        if external_id in seen:
            problems.append(f"line {line}: the id {external_id!r} is already on line {seen[external_id]}")
            continue
        empty = [name for name, value in values.items() if not value]
        if empty:
            problems.append(f"line {line}: no value for {', '.join(empty)}")
            continue
        seen[external_id] = line
        rows.append(PoolRow(external_id, values))
    if problems:
        raise PoolFileError(problems)
    return rows
