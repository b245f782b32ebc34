"""The one way Pulse writes spreadsheets: every CSV and XLSX file goes through this module.

A spreadsheet program runs a cell that starts with = + - @ (or a tab or carriage return before
one, or the full-width ＝ ＋ － ＠ some input methods type) as a formula, so text from users or
imported files could call out to the network or run commands on the reader's machine (CSV/formula
injection, OWASP). So:

- CSV: `safe_cell` prefixes such text with an apostrophe (OWASP's advice); numbers, dates and
  empty values are written as they are, so a figure of -2 stays the number -2.
- XLSX: text is stored as a string cell (never a formula), and formula-like text carries Excel's
  own "quote prefix" flag, so editing the cell later does not turn it into a formula either.

Durations (`datetime.timedelta`) are written as a spreadsheet reads a duration: "h:mm:ss" text in
CSV (every spreadsheet program reads it back as a duration), and in XLSX a real duration cell (a
number of days shown as [h]:mm:ss), so HR can sort, sum and average them. Dates and datetimes are
real date cells in XLSX; each XLSX column is as wide as its content (within bounds), the header
row is bold, frozen and carries a filter.

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
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
QUOTE = "'"


def _looks_like_formula(text: str) -> bool:
    # Text that already starts with apostrophes is quoted too (one more apostrophe) when what
    # follows them is formula-like, so `text_from_safe_cell` can always give back the original.
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def safe_text(text: str) -> str:
    """`text` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return QUOTE + text if _looks_like_formula(text) else text


def duration_text(value: dt.timedelta) -> str:
    """A duration as h:mm:ss, hours running past 24 ("50:00:00"), rounded to the second."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


def safe_cell(value) -> str | int | float | Decimal | bool:
    """One CSV cell: numbers unchanged, dates in ISO 8601, durations as h:mm:ss, None empty, formula-like
    text quoted."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.timedelta):
        return duration_text(value)
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
    """The header and each row as a line of safe CSV text, one at a time (for a StreamingHttpResponse), the first
    after a BOM as `csv_bytes` writes one (so spreadsheet programs read the accents of names and comments)."""
    writer = SafeCsvWriter(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A whole safe CSV file as UTF-8 with a BOM (so spreadsheet programs read the accents), CRLF lines."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Excel's format of a duration: hours keep counting past a day ("50:00:00" rather than "2:00:00").
XLSX_DURATION_FORMAT = "[h]:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Column widths in characters: wide enough for a date and time, never wider than a screen's share.
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 8, 60


def xlsx_cell_set(cell, value) -> None:
    """Put `value` in an openpyxl cell: text always as a string cell, never as a formula."""
    if isinstance(value, dt.timedelta):
        cell.value = dt.timedelta(seconds=round(value.total_seconds()))
        cell.number_format = XLSX_DURATION_FORMAT
        return
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones: cells are UTC
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = XLSX_DATETIME_FORMAT if isinstance(value, dt.datetime) else XLSX_DATE_FORMAT
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


def _shown_width(value) -> int:
    """How many characters a cell shows: its longest line, or the width of its date or duration format."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len("2026-01-31 23:59:59")
    if isinstance(value, dt.date):
        return len("2026-01-31")
    if isinstance(value, dt.timedelta):
        return len(duration_text(value))
    return max(len(line) for line in str(value).split("\n"))


def xlsx_workbook(title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """An .xlsx workbook with one sheet `title`: a bold, frozen, filterable header, then one row per item
    of `rows`; each column as wide as its widest cell (between XLSX_MIN_WIDTH and XLSX_MAX_WIDTH)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    widths: dict[int, int] = {}
    for row_number, row in enumerate([header, *rows], start=1):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            xlsx_cell_set(cell, value)
            if row_number == 1:
                cell.font = Font(bold=True)
            widths[column_number] = max(widths.get(column_number, 0), _shown_width(value))
    for column_number, width in widths.items():
        # Two characters of padding for the filter button and the cell margins.
        width = min(max(width + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column_number)].width = width
    sheet.freeze_panes = "A2"
    if widths:
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
