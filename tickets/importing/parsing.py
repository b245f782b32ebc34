"""Reading cells: one CSV row becomes Pulse field values, or field errors tied to its columns."""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from config.errors import ApplicationError
from surveys.models import SCORE_RANGES, Kind

from .profiles import FIELD_TYPES, REQUIRED_FIELDS, UNIT_SECONDS, ColumnSpec, FieldType, Profile

_SPACED_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")
# h:mm or h:mm:ss; the last part may read 60, a rounding quirk (Freshdesk writes 59 min 30 s as "00:60").
_CLOCK = re.compile(r"^(-?)(\d+):([0-5]\d|60)(?::([0-5]\d|60))?$")
# A date a spreadsheet rewrote in its locale (05/03/2026 14:02): day or month first cannot be told.
_SLASH_DATE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
REQUIRED_MESSAGE = "This field is required."


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read (encoding, header, missing columns); `line` says where, if known."""

    def __init__(self, message: str, *, errors: dict | None = None, line: int | None = None) -> None:
        super().__init__(message, errors=errors)
        self.line = line


def text_lines(handle: BinaryIO) -> Iterator[str]:
    """A binary file's physical lines as text, for csv.reader; a non-UTF-8 byte or a NUL stops at its exact line.

    Decoding line by line (never by buffer) is what lets the error name the line: a UTF-8
    sequence never contains a line-end byte, so a line decodes on its own.
    """
    number = 0
    for raw in handle:
        # A file opened in binary splits at "\n" only; old Mac files end lines with a lone "\r".
        for part in raw.splitlines(keepends=True):
            number += 1
            if number == 1 and part.startswith(codecs.BOM_UTF8):
                part = part[len(codecs.BOM_UTF8) :]
            try:
                text = part.decode("utf-8")
            except UnicodeDecodeError:
                message = f"Line {number} is not UTF-8 text. Save the file as “CSV UTF-8” and import it again."
                raise ImportFileError(message, errors={"file": [message]}, line=number) from None
            if "\x00" in text:
                message = f"Line {number} holds a NUL byte: the file is damaged or not a text CSV."
                raise ImportFileError(message, errors={"file": [message]}, line=number)
            yield text


@dataclass
class ParsedRow:
    """A row's field values, the column each came from, and the errors found while reading it."""

    values: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The placeholder a field's cell held ("No Group"), so that a message can name it.
    placeholders: dict[str, str] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def parse_datetime(text: str, zone: zoneinfo.ZoneInfo, formats: list[str]) -> dt.datetime:
    """A timestamp in ISO 8601 (or one of `formats`); a naive one is read in `zone`.

    A naive time that falls in a daylight-saving gap does not exist in `zone`, so the zone is
    wrong for this file: a field error, never a guess. One in the repeated hour of autumn is
    read as its first occurrence (the export does not say which).
    """
    value = None
    for fmt in formats:
        try:
            value = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = dt.datetime.fromisoformat(_SPACED_OFFSET.sub("", text.replace(" UTC", "+00:00")))
        except ValueError:
            if not formats and _SLASH_DATE.match(text):
                raise ValueError(
                    f"“{text}” is a date a spreadsheet rewrote: day or month first cannot be told. "
                    "Import the file as the helpdesk exported it (2026-03-05 14:02), or give "
                    "“datetime_format” in a mapping file (e.g. %d/%m/%Y %H:%M)."
                ) from None
            expected = f" (expected {' or '.join(formats)})" if formats else " (expected e.g. 2026-03-02 09:15:00)"
            raise ValueError(f"“{text}” is not a date and time{expected}.") from None
    # In UTC: an ambiguous local time never compares equal across zones (PEP 495), and the
    # re-import check compares with what the database stores.
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    in_utc = value.replace(tzinfo=zone).astimezone(dt.UTC)
    if in_utc.astimezone(zone).replace(tzinfo=None) != value:  # it came back as another wall time
        raise ValueError(
            f"“{text}” does not exist in {zone.key} (the clocks skip that hour): "
            "check the time zone the file is read in."
        )
    return in_utc


def parse_duration_seconds(text: str, unit: str) -> int:
    """A duration as a number in `unit`, or as h:mm[:ss]; returned in whole seconds."""
    clock = _CLOCK.match(text)
    if clock and not (clock.group(4) is not None and clock.group(3) == "60"):  # only the last part rounds up
        sign, hours, minutes, seconds = clock.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
        return -total if sign else total
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # "nan" and "inf" parse as floats but are no duration
        raise ValueError(f"“{text}” is not a duration in {unit} (a number, or h:mm).")
    return round(number * UNIT_SECONDS[unit])


def _is_zero_duration(text: str, unit: str) -> bool:
    try:
        return parse_duration_seconds(text, unit) == 0
    except ValueError:
        return False  # not a duration at all: read normally, so the row reports it


def parse_integer(text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"“{text}” is not a whole number.") from None
    if not number.is_integer():
        raise ValueError(f"“{text}” is not a whole number.")
    return int(number)


class RowConverter:
    """Reads rows of one file: the header is matched to the profile once, then each row is cheap."""

    def __init__(self, profile: Profile, header: list[str]) -> None:
        self.profile = profile
        self.zone = zoneinfo.ZoneInfo(profile.timezone)
        self.field_types = FIELD_TYPES[profile.kind]
        positions = {name.strip().lower(): index for index, name in enumerate(header)}
        self.positions = positions
        self.width = len(header)
        self.plans: list[tuple[str, FieldType, list[tuple[int, ColumnSpec]]]] = []
        missing = []
        for name, specs in profile.columns.items():
            present = [(positions[s.column.lower()], s) for s in specs if s.column.lower() in positions]
            if present:
                self.plans.append((name, self.field_types[name], present))
            elif name in REQUIRED_FIELDS[profile.kind] and name not in profile.defaults:
                missing.append(" or ".join(f"“{s.column}”" for s in specs) + f" (for {name})")
        if missing:
            raise ImportFileError(
                f"The file has no column {'; '.join(missing)}. Check the profile ({profile.name}).",
                errors={"file": [f"Missing column {m}." for m in missing]},
            )
        # Plain values first, so that offsets ("after": created_at) find the timestamp they follow.
        self.plans.sort(key=lambda plan: any(spec.after for _, spec in plan[2]))
        self.mapped_columns = {name: specs[0].column for name, specs in profile.columns.items()}

    def column_of(self, row: ParsedRow, name: str) -> str:
        """The column a field's value (or its error) came from on this row."""
        return row.columns.get(name) or self.mapped_columns.get(name, name)

    def cell(self, cells: list[str], column: str) -> str:
        """The raw text of `column` on a row (for the error CSV)."""
        index = self.positions.get(column.lower())
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def convert(self, cells: list[str]) -> ParsedRow:
        row = ParsedRow()
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        placeholders = self.profile.placeholders
        for name, field_type, sources in self.plans:
            for index, spec in sources:
                text = cells[index].strip()
                if not text:
                    continue
                if name in placeholders and text.lower() in placeholders[name]:
                    row.placeholders[name] = text  # "No Agent": no value, as an empty cell
                    continue
                if spec.zero_is_empty and _is_zero_duration(text, spec.unit):
                    continue  # Freshdesk's "00:00:00": the helpdesk had no value to give
                row.columns[name] = spec.column
                self._read(row, name, field_type, text, spec)
                break
            else:
                row.columns[name] = sources[0][1].column
        for name, value in self.profile.defaults.items():
            if name not in row.values and name not in row.errors:
                row.values[name] = value
        for name in REQUIRED_FIELDS[self.profile.kind]:
            if row.values.get(name) in (None, "") and name not in row.errors:
                row.add_error(name, REQUIRED_MESSAGE)
        return row

    def _read(self, row: ParsedRow, name: str, field_type: FieldType, text: str, spec: ColumnSpec) -> None:
        try:
            if field_type == FieldType.DATETIME:
                if spec.after is None:
                    value = parse_datetime(text, self.zone, self.profile.datetime_formats)
                else:
                    base = row.values.get(spec.after)
                    if base is None:  # the timestamp it follows is missing or bad, already reported
                        return
                    value = base + dt.timedelta(seconds=parse_duration_seconds(text, spec.unit))
            elif field_type == FieldType.DURATION:
                value = parse_duration_seconds(text, spec.unit)
            elif field_type == FieldType.INTEGER:
                value = parse_integer(text)
            elif field_type == FieldType.CHOICE:
                value = self._mapped(name, text)
            elif field_type == FieldType.SATISFACTION:
                value = self._satisfaction(text)
            else:
                value = text
        except ValueError as error:
            row.add_error(name, str(error))
            return
        if value is not None:
            row.values[name] = value

    def _mapped(self, name: str, text: str) -> Any:
        value_map = self.profile.values.get(name)
        key = text.lower()
        if value_map:
            if key in value_map:
                return value_map[key]
            if "*" in value_map:
                return value_map["*"]
        return key

    def _satisfaction(self, text: str) -> int | None:
        value_map = self.profile.values.get("satisfaction", {})
        key = text.lower()
        if key in value_map:
            score = value_map[key]
        elif "*" in value_map:
            score = value_map["*"]
        else:
            score = parse_integer(text)
        low, high = SCORE_RANGES[Kind.CSAT]
        if score is not None and (not isinstance(score, int) or not low <= score <= high):
            raise ValueError(f"“{text}” is not a CSAT score (from {low} to {high}).")
        return score
