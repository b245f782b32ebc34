"""The one spreadsheet writer: formula-like text is quoted in CSV and stored as text in XLSX; numbers stay numbers."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.spreadsheets import (
    FORMULA_STARTS,
    XLSX_MAX_WIDTH,
    XLSX_MIN_WIDTH,
    SafeCsvWriter,
    csv_bytes,
    csv_stream,
    safe_cell,
    text_from_safe_cell,
    xlsx_workbook,
)

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(A1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_like_text_gets_an_apostrophe(formula):
    assert safe_cell(formula) == "'" + formula


@pytest.mark.parametrize("text", ["Alice Martin", "alice@example.com", "2026-03-01", "a=b", " =1", "", "'quoted"])
def test_other_text_is_unchanged(text):
    assert safe_cell(text) == text


def test_numbers_dates_and_none():
    assert [safe_cell(value) for value in (-2, -2.5, Decimal("-3.10"), 0, True)] == [
        -2,
        -2.5,
        Decimal("-3.10"),
        0,
        True,
    ]
    assert safe_cell(None) == ""
    assert safe_cell(dt.date(2026, 3, 1)) == "2026-03-01"
    assert safe_cell(dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)) == "2026-03-01T09:30:00+00:00"


def test_an_apostrophe_before_a_formula_is_quoted_again_so_reading_back_is_exact():
    assert safe_cell("'=1") == "''=1"
    assert text_from_safe_cell("''=1") == "'=1"
    assert text_from_safe_cell("'quoted") == "'quoted"


@given(st.text())
def test_no_text_cell_starts_a_formula_and_every_one_reads_back(text):
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert text_from_safe_cell(cell) == text


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()), max_size=6))
def test_csv_round_trip_keeps_text_and_numbers(row):
    lines = "".join(csv_stream(["a"] * len(row), [row]))
    _, written = list(csv.reader(io.StringIO(lines, newline="")))
    for value, cell in zip(row, written, strict=True):
        if value is None:
            assert cell == ""
        elif isinstance(value, str):
            assert not cell.startswith(FORMULA_STARTS)
            assert text_from_safe_cell(cell) == value
        else:
            assert cell == str(value)


def test_csv_writer_on_a_file_and_csv_bytes():
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows([["=1", -1, None]])
    assert buffer.getvalue() == "'=1,-1,\r\n"
    content = csv_bytes(["name", "value"], [["@x", -4.5]])
    assert content == "\ufeffname,value\r\n'@x,-4.5\r\n".encode()


def test_xlsx_text_is_text_and_numbers_are_numbers():
    rows = [[formula, -2, -2.5, dt.date(2026, 3, 1)] for formula in FORMULAS]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_workbook("Data", ["text", "int", "float", "day"], rows)))["Data"]
    assert sheet.freeze_panes == "A2"
    assert [cell.font.bold for cell in sheet[1]] == [True] * 4
    for number, formula in enumerate(FORMULAS, start=2):
        text, whole, part, day = sheet[number]
        # XML reads a carriage return back as a line feed; the cell is text either way.
        assert (text.value, text.data_type, text.quotePrefix) == (formula.replace("\r", "\n"), "s", True)
        assert (whole.value, whole.data_type) == (-2, "n")
        assert (part.value, part.data_type) == (-2.5, "n")
        assert (day.value, day.number_format) == (dt.datetime(2026, 3, 1), "yyyy-mm-dd")


def test_xlsx_plain_text_multiline_control_characters_and_aware_datetimes():
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    content = xlsx_workbook("Data", ["a", "b", "c", "d"], [["plain", "one\ntwo", "bell\x07", moment]])
    plain, lines, bell, when = openpyxl.load_workbook(io.BytesIO(content))["Data"][2]
    assert (plain.value, plain.data_type, plain.quotePrefix) == ("plain", "s", False)
    assert lines.value == "one\ntwo" and lines.alignment.wrap_text
    assert bell.value == "bell"  # XML cannot hold it: dropped rather than failing the export
    assert when.value == dt.datetime(2026, 3, 1, 7, 30)  # in UTC


def test_xlsx_never_holds_a_formula_cell():
    content = xlsx_workbook("Data", ["=header"], [[formula] for formula in FORMULAS])
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Data"]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} == {"s"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(420, "0:07:00"), (331.4, "0:05:31"), (7200, "2:00:00"), (180000, "50:00:00"), (0, "0:00:00")],
)
def test_a_duration_is_h_mm_ss_in_csv_and_a_duration_cell_in_xlsx(seconds, text):
    duration = dt.timedelta(seconds=seconds)
    assert safe_cell(duration) == text  # hours run past a day, as a spreadsheet reads a duration
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_workbook("Data", ["d"], [[duration]])))["Data"]
    cell = sheet["A2"]
    assert (cell.value, cell.number_format) == (dt.timedelta(seconds=round(seconds)), "[h]:mm:ss")
    with zipfile.ZipFile(io.BytesIO(xlsx_workbook("Data", ["d"], [[duration]]))) as archive:
        assert b'<c r="A2" s="2" t="n">' in archive.read("xl/worksheets/sheet1.xml")  # a number of days


def test_xlsx_columns_fit_their_content_within_bounds_and_the_header_filters():
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    rows = [["a", "x" * 100, moment, dt.date(2026, 3, 1), "short\n" + "y" * 20]]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_workbook("Data", ["id", "long", "when", "day", "lines"], rows)))
    sheet = sheet["Data"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    # The minimum; capped at the maximum; a date and time; a date (the title "day" is shorter); the longest line.
    assert widths == [XLSX_MIN_WIDTH, XLSX_MAX_WIDTH, 21, 12, 22]
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:E2")


def test_a_streamed_csv_starts_with_a_bom_as_a_whole_one_does():
    """Spreadsheet programs read a UTF-8 file's accents only after a BOM: the drill-down export streams one too."""
    assert next(csv_stream(["name", "comment"], [])).startswith("\ufeffname,comment")
    assert csv_bytes(["name"], []).startswith("\ufeffname".encode())
