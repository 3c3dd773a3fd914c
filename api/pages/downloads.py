"""A page's table as CSV that a spreadsheet opens right in the page's language: UTF-8 with a byte order mark
(Excel reads Cyrillic only then), the locale's list separator (";" where the decimal sign is a comma), and
numbers written with the locale's decimal sign and no grouping, so that they are read back as numbers."""

from __future__ import annotations

import csv
import io

from babel.numbers import get_decimal_symbol

from api.pages.sections import Table

BOM = "\ufeff"


def separator(locale: str) -> str:
    return ";" if get_decimal_symbol(locale) == "," else ","


def _value(cell_text: str, value: float | int | str | None, decimal: str) -> str:
    if value is None or isinstance(value, str):
        return cell_text
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", decimal)


def table_csv(table: Table, locale: str) -> bytes:
    decimal = get_decimal_symbol(locale)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator(locale), lineterminator="\r\n")
    writer.writerow(table.head)
    for row in table.rows:
        writer.writerow([_value(cell.text, cell.value, decimal) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")
