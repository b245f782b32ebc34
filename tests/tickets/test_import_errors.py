"""The import error CSV: cell text from the upload never runs as a formula, and reads back as uploaded."""

import csv
import io
from pathlib import Path

import pytest

from tickets.importing.errors import ErrorCsvWriter, RowError, error_csv_read
from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import Ticket

DATA = Path(__file__).resolve().parent.parent / "data"
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "＠SUM(A1)"]


@pytest.fixture
def alice(sample_agents):
    return sample_agents["alice"]


def zendesk_file_with_assignees(assignees) -> bytes:
    """The first good row of zendesk_mixed.csv once per assignee, each with its own id."""
    header, good = list(csv.reader(io.StringIO((DATA / "zendesk_mixed.csv").read_text(encoding="utf-8-sig"))))[:2]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for number, assignee in enumerate(assignees):
        row = list(good)
        row[header.index("Id")] = str(5000 + number)
        row[header.index("Assignee")] = assignee
        writer.writerow(row)
    return buffer.getvalue().encode()


def test_error_csv_quotes_formula_like_cells_and_reads_them_back(alice, tmp_path):
    upload, errors_csv = tmp_path / "tickets.csv", tmp_path / "errors.csv"
    upload.write_bytes(zendesk_file_with_assignees(FORMULAS))
    report = rows_import(
        path=upload, profile=profile_load(name_or_path="zendesk", kind="tickets"), errors_csv=errors_csv
    )

    assert (report.created, report.failed) == (0, len(FORMULAS))
    assert not Ticket.objects.exists()
    rows = list(csv.reader(io.StringIO(errors_csv.read_text(encoding="utf-8"))))
    assert rows[0] == ["line", "column", "field", "value", "message"]
    # Cells are read stripped ("\t=1" is "=1"), which is still a formula.
    values = [formula.strip() for formula in FORMULAS]
    assert [row[3] for row in rows[1:]] == ["'" + value for value in values]
    assert [row[0] for row in rows[1:]] == ["2", "3", "4", "5", "6", "7"]
    # The page reads the file back: it shows the value as it was in the upload, not the quoted one.
    assert [error.value for error in error_csv_read(errors_csv, limit=10)] == values


def test_error_csv_quotes_every_text_column(tmp_path):
    path = tmp_path / "errors.csv"
    writer = ErrorCsvWriter(path)
    error = RowError(line=7, column="=cmd|' /C calc'!A0", field="-agent", message="+no", value="\t=1")
    writer.write(error)
    writer.close()
    assert list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))[1] == [
        "7", "'=cmd|' /C calc'!A0", "'-agent", "'\t=1", "'+no",
    ]  # fmt: skip
    assert error_csv_read(path, limit=1) == [error]


def test_error_csv_without_errors_is_not_created(tmp_path):
    path = tmp_path / "errors.csv"
    ErrorCsvWriter(path).close()
    assert not path.exists()
