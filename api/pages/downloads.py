"""A page's table as a file a spreadsheet opens right in the page's language.

CSV: UTF-8 with a byte order mark (Excel reads Cyrillic only then), the locale's list separator (";" where the
decimal sign is a comma), and numbers written with the locale's decimal sign and no grouping, so that they are read
back as numbers. XLSX (openpyxl, imported only when one is asked for: it takes a second to import on a busy
machine): numbers stored as numbers (shares as fractions shown as percentages), texts as texts, the header bold and
frozen — the spreadsheet writes them in its own locale."""

from __future__ import annotations

import csv
import io

from babel.numbers import get_decimal_symbol

from api.pages.model import Table

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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (table.caption.translate(_SHEET_FORBIDDEN).strip() or "Table")[:31]
    sheet.append(table.head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    shares = {n for n, name in enumerate(table.head) if _is_share_column(table, n)}
    for row in table.rows:
        sheet.append([_xlsx_value(cell.text, cell.value) for cell in row])
        for n in shares:
            target = sheet.cell(row=sheet.max_row, column=n + 1)
            if isinstance(target.value, float):
                target.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    for n, name in enumerate(table.head, start=1):
        longest = max([len(str(name))] + [len(row[n - 1].text) for row in table.rows if len(row) >= n])
        sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].width = min(60, max(8, longest + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(text: str, value: float | int | str | None) -> float | int | str:
    if value is None or isinstance(value, str):
        return text
    return value


def _is_share_column(table: Table, column: int) -> bool:
    """A column whose figures the page writes as percentages (its texts end with "%")."""
    texts = [row[column].text for row in table.rows if len(row) > column and isinstance(row[column].value, float)]
    return bool(texts) and all(text.rstrip().endswith("%") for text in texts)
