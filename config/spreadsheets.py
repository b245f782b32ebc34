"""The one way Pulse writes spreadsheets: every CSV and XLSX file goes through this module.

A spreadsheet program runs a cell that starts with = + - @ (or a tab or carriage return before
one, or the full-width ＝ ＋ － ＠ some input methods type) as a formula, so text from users or
imported files could call out to the network or run commands on the reader's machine (CSV/formula
injection, OWASP). So:

- CSV: `safe_cell` prefixes such text with an apostrophe (OWASP's advice); numbers, dates and
  empty values are written as they are, so a figure of -2 stays the number -2.
- XLSX: text is stored as a string cell (never a formula), and formula-like text carries Excel's
  own "quote prefix" flag, so editing the cell later does not turn it into a formula either.

`SafeCsvWriter` (files) and `csv_stream` (streamed responses) write CSV rows; `xlsx_workbook`
builds a one-sheet workbook; `text_from_safe_cell` reads back a CSV that Pulse wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
QUOTE = "'"


def _looks_like_formula(text: str) -> bool:
    # Text that already starts with apostrophes is quoted too (one more apostrophe) when what
    # follows them is formula-like, so `text_from_safe_cell` can always give back the original.
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def safe_text(text: str) -> str:
    """`text` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return QUOTE + text if _looks_like_formula(text) else text


def safe_cell(value) -> str | int | float | Decimal | bool:
    """One CSV cell: numbers unchanged, dates in ISO 8601, None empty, formula-like text quoted."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return safe_text(str(value))


def text_from_safe_cell(text: str) -> str:
    """The original text of a cell written by `safe_cell` (the inverse of `safe_text`)."""
    if text.startswith(QUOTE) and _looks_like_formula(text[1:]):
        return text[1:]
    return text


class SafeCsvWriter:
    """A `csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, handle, **options) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file that hands each written line back, so a streamed response never holds the whole file."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and each row as a line of safe CSV text, one at a time (for a StreamingHttpResponse)."""
    writer = SafeCsvWriter(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A whole safe CSV file as UTF-8 with a BOM (so spreadsheet programs read the accents), CRLF lines."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_cell_set(cell, value) -> None:
    """Put `value` in an openpyxl cell: text always as a string cell, never as a formula."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones: cells are UTC
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd hh:mm:ss" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
        return
    # openpyxl refuses control characters that XML 1.0 cannot hold; an export must not fail on a
    # pasted form feed, so they are dropped.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    # openpyxl infers a formula from a leading "="; the type is set after the value to undo that.
    cell.data_type = "s"
    if _looks_like_formula(text):
        cell.quotePrefix = True
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def xlsx_workbook(title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """An .xlsx workbook with one sheet `title`: a bold frozen header, then one row per item of `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row_number, row in enumerate([header, *rows], start=1):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            xlsx_cell_set(cell, value)
            if row_number == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
