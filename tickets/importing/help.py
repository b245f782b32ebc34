"""What each built-in import profile expects, read from the profile itself: the help on the imports
page, the CSV template a user downloads (a header row and one example row) and the profile written
as a mapping file. Nothing here repeats a column name, unit or value map by hand, so the help cannot
drift from what the importer reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from config.spreadsheets import csv_bytes
from surveys.models import SCORE_RANGES, Kind
from tickets.models import Channel, Priority, Status

from .profiles import (
    BUILTIN_PROFILES,
    FIELD_TYPES,
    REQUIRED_FIELDS,
    UNIT_SECONDS,
    ColumnSpec,
    FieldType,
    ImportKind,
    Profile,
    Unit,
)

# The values Pulse stores for each choice field (what a value map maps to).
PULSE_CHOICES: dict[str, list[str]] = {
    "channel": list(Channel.values),
    "priority": list(Priority.values),
    "status": list(Status.values),
    "kind": list(Kind.values),
}
ISO_FORMAT = "%Y-%m-%d %H:%M:%S"
CATCH_ALL = "*"

# One made-up ticket and one survey answer, in Pulse's own terms; the template writes them in each
# profile's columns, units and values.
_CREATED = dt.datetime(2026, 3, 2, 9, 15)
EXAMPLES: dict[str, dict[str, Any]] = {
    ImportKind.TICKETS: {
        "external_id": "10542",
        "channel": Channel.EMAIL.value,
        "category": "billing",
        "priority": Priority.NORMAL.value,
        "status": Status.SOLVED.value,
        "agent": "maya.lopez@example.com",
        "team": "Falcons",
        "created_at": _CREATED,
        "first_response_at": _CREATED + dt.timedelta(minutes=12),
        "solved_at": _CREATED + dt.timedelta(minutes=48),
        "handle_time_seconds": 360,
        "agent_replies": 2,
        "reopened_count": 0,
        "satisfaction": 5,
        "customer_external_id": "ACME-001",
        "first_response_business_seconds": 12 * 60,
        "resolution_business_seconds": 48 * 60,
    },
    ImportKind.SURVEYS: {
        "external_id": "S-2201",
        "ticket_external_id": "10542",
        "agent": "maya.lopez@example.com",
        "team": "Falcons",
        "kind": Kind.CSAT.value,
        "score": 5,
        "comment": "Quick and friendly, thank you!",
        "responded_at": _CREATED + dt.timedelta(hours=9, minutes=25),
        "customer_external_id": "ACME-001",
    },
}


EXAMPLES[ImportKind.CUSTOMERS] = {
    "external_id": "ACME-001",
    "name": "Acme Corporation",
    "segment": "Mid-market",
    "plan": "Business",
    "mrr": "490.00",
    "mrr_effective_on": "2026-03-01",
    "started_on": "2025-01-15",
    "churned_on": "2026-09-30",  # a template shows every column's format; empty means active
}


@dataclass(frozen=True)
class FieldHelp:
    field: str
    required: bool
    columns: list[str]  # the columns read, in order: the first non-empty cell wins
    expects: str


@dataclass(frozen=True)
class ProfileHelp:
    name: str
    kind: str
    timezone: str
    fields: list[FieldHelp]
    template_columns: list[str]


def _number(value: float) -> str:
    return f"{value:g}"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}"


def _column_label(spec: ColumnSpec) -> str:
    if spec.after:
        return f"{spec.column} ({spec.unit} after {spec.after})"
    return spec.column


def _value_map_text(value_map: dict[str, Any]) -> str:
    by_pulse: dict[str, list[str]] = {}
    for source, pulse in value_map.items():
        if source != CATCH_ALL:
            by_pulse.setdefault("none" if pulse is None else str(pulse), []).append(source)
    text = "; ".join(f"{', '.join(sources)} → {pulse}" for pulse, sources in by_pulse.items())
    if CATCH_ALL in value_map:
        fallback = value_map[CATCH_ALL]
        text += f"; anything else → {'none' if fallback is None else fallback}"
    return text


def _expects(profile: Profile, name: str, field_type: FieldType, specs: list[ColumnSpec]) -> str:
    """What a cell of this field must hold, in words, from the field's type, its columns and the
    profile's placeholders (words that mean "no value")."""
    text = _cell_expects(profile, name, field_type, specs)
    zeros = [f"“{spec.column}”" for spec in specs if spec.zero_is_empty]
    if zeros:
        text += f" A zero in {', '.join(zeros)} means no value."
    words = profile.placeholders.get(name)
    if words:
        text += f" {', '.join(f'“{word}”' for word in sorted(words))} mean none (as an empty cell)."
    return text


def _cell_expects(profile: Profile, name: str, field_type: FieldType, specs: list[ColumnSpec]) -> str:
    value_map = profile.values.get(name)
    if field_type == FieldType.DATETIME:
        formats = " or ".join(f"“{f}”" for f in profile.datetime_formats) or "ISO 8601, e.g. 2026-03-02 09:15:00"
        text = f"Date and time ({formats}); without an offset it is read in {profile.timezone}."
        offsets = [spec for spec in specs if spec.after]
        if offsets:
            text += " " + " ".join(
                f"“{spec.column}” is a duration in {spec.unit} (or h:mm) added to {spec.after}." for spec in offsets
            )
        return text
    if field_type == FieldType.DURATION:
        text = " ".join(f"“{spec.column}”: a duration in {spec.unit}, or h:mm / h:mm:ss." for spec in specs)
        if name in ("first_response_business_seconds", "resolution_business_seconds"):
            text += " The helpdesk's own business-hours figure, kept as given (else Pulse computes it)."
        return text
    if field_type == FieldType.CHOICE:
        allowed = ", ".join(PULSE_CHOICES[name])
        if not value_map:
            return f"One of {allowed}."
        text = f"Read case-insensitively: {_value_map_text(value_map)}."
        return text if CATCH_ALL in value_map else f"{text} Any other value must be one of {allowed}."
    if field_type == FieldType.SATISFACTION:
        if value_map:
            return f"Becomes a CSAT response: {_value_map_text(value_map)}."
        low, high = SCORE_RANGES[Kind.CSAT]
        return f"A CSAT score from {low} to {high}; it becomes a CSAT response."
    if field_type == FieldType.INTEGER:
        if name == "score":
            ranges = ", ".join(f"{kind.upper()} {low}–{high}" for kind, (low, high) in SCORE_RANGES.items())
            return f"A whole number on the kind's scale: {ranges}."
        return "A whole number."
    if field_type == FieldType.AGENT:
        return "The agent's email, or their exact full name."
    if field_type == FieldType.TEAM:
        return "The team's name or slug."
    if field_type == FieldType.MONEY:
        return "Monthly recurring revenue: a decimal with at most 2 decimals, ≥ 0 (e.g. 490.00); empty: left as is."
    if field_type == FieldType.DATE:
        return {
            "mrr_effective_on": "YYYY-MM-DD: the day the mrr takes effect (default: started_on when new, else today).",
            "churned_on": "YYYY-MM-DD, not before started_on; empty: the customer is active.",
        }.get(name, "A date, YYYY-MM-DD.")
    if name == "external_id":
        return "The helpdesk's id: a row whose id is already in Pulse updates that record."
    if name == "customer_external_id":
        return (
            "The customer (organisation / company): its external id, or its name when one customer has it; "
            "an unknown one is a row error (import the customers first); empty: no customer."
        )
    return "Text."


def profile_help(profile: Profile) -> ProfileHelp:
    """Every field the profile reads: its columns, whether it is required, and what a cell holds."""
    fields = [
        FieldHelp(
            field=name,
            required=name in REQUIRED_FIELDS[profile.kind],
            columns=[_column_label(spec) for spec in specs],
            expects=_expects(profile, name, FIELD_TYPES[profile.kind][name], specs),
        )
        for name, specs in profile.columns.items()
    ]
    return ProfileHelp(
        name=profile.name,
        kind=profile.kind,
        timezone=profile.timezone,
        fields=fields,
        template_columns=[specs[0].column for specs in profile.columns.values()],
    )


def _source_value(profile: Profile, name: str, value: Any) -> Any:
    """The value a helpdesk writes for Pulse's `value` (the first one the profile maps to it)."""
    for source, pulse in profile.values.get(name, {}).items():
        if source != CATCH_ALL and pulse == value:
            return source[:1].upper() + source[1:]
    return value


def _example_cell(profile: Profile, name: str, spec: ColumnSpec, example: dict[str, Any]) -> Any:
    field_type = FIELD_TYPES[profile.kind][name]
    value = example[name]
    if field_type == FieldType.DATETIME and spec.after:
        seconds = (value - example[spec.after]).total_seconds()
        return _number(seconds / UNIT_SECONDS[spec.unit])
    if field_type == FieldType.DATETIME:
        return value.strftime(profile.datetime_formats[0] if profile.datetime_formats else ISO_FORMAT)
    if field_type == FieldType.DURATION:
        # Hours are written h:mm, as helpdesks do ("Time tracked" 0:06), never as 0.1.
        return _clock(value) if spec.unit == Unit.HOURS else _number(value / UNIT_SECONDS[spec.unit])
    if field_type in (FieldType.CHOICE, FieldType.SATISFACTION):
        return _source_value(profile, name, value)
    return value


def template_rows(profile: Profile) -> tuple[list[str], list[Any]]:
    """The template's header (each field's first column) and one example row in the profile's format."""
    example = EXAMPLES[profile.kind]
    header, row = [], []
    for name, specs in profile.columns.items():
        header.append(specs[0].column)
        row.append(_example_cell(profile, name, specs[0], example))
    return header, row


def template_csv(profile: Profile) -> bytes:
    """The CSV template of a profile: header row and one example row."""
    header, row = template_rows(profile)
    return csv_bytes(header, [row])


def profile_as_mapping(profile: Profile) -> dict[str, Any]:
    """The profile written as a mapping file (JSON), a starting point for another helpdesk's export."""

    def column(spec: ColumnSpec) -> str | dict[str, Any]:
        if spec.after is None and spec.unit == Unit.SECONDS and not spec.zero_is_empty:
            return spec.column
        return {
            "column": spec.column,
            "unit": spec.unit,
            **({"after": spec.after} if spec.after else {}),
            **({"zero_is_empty": True} if spec.zero_is_empty else {}),
        }

    columns = {name: [column(spec) for spec in specs] for name, specs in profile.columns.items()}
    mapping: dict[str, Any] = {
        "kind": profile.kind,
        "timezone": profile.timezone,
        "columns": {name: specs[0] if len(specs) == 1 else specs for name, specs in columns.items()},
    }
    if profile.datetime_formats:
        mapping["datetime_formats"] = list(profile.datetime_formats)
    if profile.values:
        mapping["values"] = profile.values
    if profile.defaults:
        mapping["defaults"] = profile.defaults
    if profile.placeholders:
        mapping["placeholders"] = {name: sorted(words) for name, words in profile.placeholders.items()}
    return mapping


def builtin_profiles_help() -> list[ProfileHelp]:
    """The help of every built-in profile, tickets first."""
    return [profile_help(profile) for profile in BUILTIN_PROFILES.values()]
