"""Bad rows: how they are described to a person, and the error CSV they can download.

The error CSV repeats cell text from the uploaded file, so it is written by
`config.spreadsheets` (formula-like text quoted) and read back to the original text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from config.spreadsheets import SafeCsvWriter, text_from_safe_cell

ERROR_CSV_HEADER = ["line", "column", "field", "value", "message"]


@dataclass(frozen=True)
class RowError:
    """One reason one row was not imported: its line in the file, the column and the rule."""

    line: int
    column: str
    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        message = self.message if self.message.startswith(self.field) else f"{self.field}: {self.message}"
        where = f"line {self.line}, column '{self.column}'" if self.column else f"line {self.line}"
        return f"{where}: {message}"


class ErrorCsvWriter:
    """Writes every row error as it is found; the file is only created if there is one."""

    def __init__(self, path: Path | str | None) -> None:
        self.path = Path(path) if path else None
        self._handle = None
        self._writer = None

    def write(self, error: RowError) -> None:
        if self.path is None:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = SafeCsvWriter(self._handle)
            self._writer.writerow(ERROR_CSV_HEADER)
        self._writer.writerow([error.line, error.column, error.field, error.value, error.message])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def error_csv_read(path: Path | str, *, limit: int) -> list[RowError]:
    """The first `limit` errors of an error CSV, to show on a page, with the text as it was in the upload."""
    errors = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if len(errors) >= limit:
                break
            errors.append(
                RowError(
                    line=int(row["line"]),
                    column=text_from_safe_cell(row["column"]),
                    field=text_from_safe_cell(row["field"]),
                    message=text_from_safe_cell(row["message"]),
                    value=text_from_safe_cell(row["value"]),
                )
            )
    return errors
