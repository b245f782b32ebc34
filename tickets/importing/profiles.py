"""Import profiles: how the columns of a helpdesk's CSV export become ticket or survey fields.

A profile maps each Pulse field to one or more source columns (the first non-empty one wins
on each row), with units for durations, the time zone of naive timestamps, optional
datetime formats, and value maps for choice fields. The built-in profiles follow the public
column descriptions of Zendesk's and Freshdesk's ticket CSV exports; any other export is
described by a mapping file (JSON or TOML, see docs/importing.md).
"""

from __future__ import annotations

import json
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models

from config.errors import ApplicationError
from tickets.models import ImportRun

ImportKind = ImportRun.Kind


class Unit(models.TextChoices):
    SECONDS = "seconds", "Seconds"
    MINUTES = "minutes", "Minutes"
    HOURS = "hours", "Hours"


UNIT_SECONDS = {Unit.SECONDS: 1, Unit.MINUTES: 60, Unit.HOURS: 3600}


class FieldType(models.TextChoices):
    TEXT = "text"
    CHOICE = "choice"
    DATETIME = "datetime"
    DURATION = "duration"
    INTEGER = "integer"
    AGENT = "agent"
    TEAM = "team"
    SATISFACTION = "satisfaction"
    DATE = "date"  # YYYY-MM-DD, checked by the customer upsert
    MONEY = "money"  # a decimal string with at most 2 decimals, checked by the customer upsert


# Every field a profile may map, per kind, with how its cells are read.
FIELD_TYPES: dict[str, dict[str, FieldType]] = {
    ImportKind.TICKETS: {
        "external_id": FieldType.TEXT,
        "channel": FieldType.CHOICE,
        "category": FieldType.TEXT,
        "priority": FieldType.CHOICE,
        "status": FieldType.CHOICE,
        "agent": FieldType.AGENT,
        "team": FieldType.TEAM,
        "created_at": FieldType.DATETIME,
        "first_response_at": FieldType.DATETIME,
        "solved_at": FieldType.DATETIME,
        "handle_time_seconds": FieldType.DURATION,
        "agent_replies": FieldType.INTEGER,
        "reopened_count": FieldType.INTEGER,
        "satisfaction": FieldType.SATISFACTION,
        # The requester's organisation / company: a customer's external id (or its name, when one customer has it).
        "customer_external_id": FieldType.TEXT,
        # The helpdesk's own business-hours durations, kept as given (business_seconds_source "helpdesk").
        "first_response_business_seconds": FieldType.DURATION,
        "resolution_business_seconds": FieldType.DURATION,
    },
    ImportKind.SURVEYS: {
        "external_id": FieldType.TEXT,
        "ticket_external_id": FieldType.TEXT,
        "agent": FieldType.AGENT,
        "team": FieldType.TEAM,
        "kind": FieldType.CHOICE,
        "score": FieldType.INTEGER,
        "comment": FieldType.TEXT,
        "responded_at": FieldType.DATETIME,
        "customer_external_id": FieldType.TEXT,
    },
}
# Customers (issue 18): one row per account; money and dates are checked by `customers_upsert`.
FIELD_TYPES[ImportKind.CUSTOMERS] = {
    "external_id": FieldType.TEXT,
    "name": FieldType.TEXT,
    "segment": FieldType.TEXT,
    "plan": FieldType.TEXT,
    "mrr": FieldType.MONEY,
    "mrr_effective_on": FieldType.DATE,
    "started_on": FieldType.DATE,
    "churned_on": FieldType.DATE,
}
# Fields every row must give (a mapping must name a column for them, or a default).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    ImportKind.TICKETS: ("external_id", "channel", "created_at"),
    ImportKind.SURVEYS: ("external_id", "kind", "score", "responded_at"),
}

REQUIRED_FIELDS[ImportKind.CUSTOMERS] = ("external_id", "name", "started_on")


class MappingError(ApplicationError):
    """A profile or mapping file is unusable; `errors` maps the mapping key to messages."""


# A real mapping is a few hundred bytes nested four levels (file, columns, a list, a column
# table); these bounds leave ample room and keep parsing cheap and recursion shallow.
MAPPING_MAX_BYTES = 64 * 1024
MAPPING_MAX_DEPTH = 8
# What a value map or a default may give: a plain value, never a list or a table.
SCALAR_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class ColumnSpec:
    """One source column: its unit (durations, offsets), for an offset the field it follows, and
    whether the helpdesk writes a zero there for "no value" (Freshdesk's "00:00:00")."""

    column: str
    unit: str = Unit.SECONDS
    after: str | None = None
    zero_is_empty: bool = False


@dataclass
class Profile:
    name: str
    kind: str
    columns: dict[str, list[ColumnSpec]]
    timezone: str = "UTC"
    datetime_formats: list[str] = field(default_factory=list)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    # Cells that are the helpdesk's words for "nothing here" ("No Agent", "No Group"), per field,
    # lower-cased: such a cell reads as empty, and the row remembers the word it held.
    placeholders: dict[str, frozenset[str]] = field(default_factory=dict)

    def with_timezone(self, timezone: str | None) -> Profile:
        """The same profile reading naive timestamps in `timezone` (the --timezone option)."""
        if not timezone:
            return self
        _check_timezone(timezone, "timezone")
        return Profile(
            name=self.name,
            kind=self.kind,
            columns=self.columns,
            timezone=timezone,
            datetime_formats=self.datetime_formats,
            values=self.values,
            defaults=self.defaults,
            placeholders=self.placeholders,
        )


def _specs(*items: str | ColumnSpec) -> list[ColumnSpec]:
    return [item if isinstance(item, ColumnSpec) else ColumnSpec(column=item) for item in items]


def _placeholders(**fields: tuple[str, ...]) -> dict[str, frozenset[str]]:
    return {name: frozenset(word.lower() for word in words) for name, words in fields.items()}


# Words a report or a spreadsheet writes in an empty cell. No vendor documents them for these
# exports, but an agent or team called "-", "(none)" or "Unassigned" is never meant.
NOTHING_WORDS = ("-", "--", "(none)", "none", "null", "n/a", "unassigned")

# Zendesk Support "CSV export" of tickets (Admin Center > Account > Tools > Reports > Export).
# Durations are "... in minutes" (calendar minutes); "Via" is the channel; "Satisfaction Score"
# is Not Offered / Offered / Good / Bad ("Unoffered" in older exports). Times are in the
# account's time zone. The export names the assignee; an "Assignee email" column (added by a
# view export or a spreadsheet) is preferred when present.
ZENDESK = Profile(
    name="zendesk",
    kind=ImportKind.TICKETS,
    columns={
        "external_id": _specs("Id"),
        "channel": _specs("Via"),
        "status": _specs("Status"),
        "priority": _specs("Priority"),
        "category": _specs("Ticket type"),
        "agent": _specs("Assignee email", "Assignee"),
        "team": _specs("Group"),
        "created_at": _specs("Created at"),
        "first_response_at": _specs(
            ColumnSpec(column="First reply time in minutes", unit=Unit.MINUTES, after="created_at")
        ),
        "solved_at": _specs(
            "Solved at",
            # Only read when "Solved at" is empty, i.e. the ticket is not solved: a 0 there is no resolution.
            ColumnSpec(
                column="Full resolution time in minutes", unit=Unit.MINUTES, after="created_at", zero_is_empty=True
            ),
        ),
        # The Time Tracking app's ticket field; absent from a plain export, so AHT stays empty.
        # A ticket nobody tracked time on reads 0, and no ticket is handled in zero seconds.
        "handle_time_seconds": _specs(ColumnSpec(column="Total time spent (sec)", zero_is_empty=True)),
        "agent_replies": _specs("Replies"),
        "reopened_count": _specs("Reopens"),
        "satisfaction": _specs("Satisfaction Score"),
        # The requester's organisation, by name: the customer with that external id, else the one customer so named.
        "customer_external_id": _specs("Organization"),
        # Zendesk's business-hours minutes (the account's schedule), kept as given.
        "first_response_business_seconds": _specs(
            ColumnSpec(column="First reply time in minutes within business hours", unit=Unit.MINUTES)
        ),
        "resolution_business_seconds": _specs(
            ColumnSpec(column="Full resolution time in minutes within business hours", unit=Unit.MINUTES)
        ),
    },
    values={
        "channel": {
            "email": "email",
            "mail": "email",
            "web form": "email",
            "web widget": "email",
            "help center": "email",
            "chat": "chat",
            "messaging": "chat",
            "native messaging": "chat",
            "mobile sdk": "chat",
            "phone call (incoming)": "phone",
            "phone call (outgoing)": "phone",
            "voicemail": "phone",
            "phone": "phone",
            "twitter": "social",
            "twitter dm": "social",
            "twitter favorite": "social",
            "facebook post": "social",
            "facebook message": "social",
            "instagram direct": "social",
            "whatsapp": "social",
            "text": "social",
            "*": "other",
        },
        "status": {
            "new": "new",
            "open": "open",
            "pending": "pending",
            "hold": "pending",
            "on-hold": "pending",
            "on hold": "pending",
            "solved": "solved",
            "closed": "closed",
        },
        "priority": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent", "-": "normal"},
        # Good → 5 and Bad → 1 make Pulse's CSAT (share of 4–5) equal Zendesk's satisfaction rate;
        # a survey offered (or not) but unanswered is no response at all.
        "satisfaction": {
            "good": 5,
            "bad": 1,
            "offered": None,
            "not offered": None,
            "unoffered": None,
            "*": None,
        },
    },
    placeholders=_placeholders(agent=NOTHING_WORDS, team=NOTHING_WORDS, category=NOTHING_WORDS),
)

# Freshdesk "Export" of tickets (Tickets list > Export, CSV). Timestamps are naive ("%F %T"), in
# the exporting agent's time zone (the account's if they have none). "First response time (in
# hrs)" / "Resolution time (in hrs)" are business-hours "hh:mm:ss" and "00:00:00" when there is
# none, so the timestamps "Initial response time" / "Resolved time" win when present. "Time
# tracked" is "hh:mm" with rounded minutes ("00:60" for 59 min 30 s), "00:00" when nothing was
# tracked. An unassigned ticket reads "No Agent", one without a group "No Group". "Survey
# results" is the text of the account's own survey choice and is not imported.
FRESHDESK = Profile(
    name="freshdesk",
    kind=ImportKind.TICKETS,
    columns={
        "external_id": _specs("Ticket ID"),
        "channel": _specs("Source"),
        "status": _specs("Status"),
        "priority": _specs("Priority"),
        "category": _specs("Type"),
        "agent": _specs("Agent email", "Agent"),
        "team": _specs("Group"),
        "created_at": _specs("Created time"),
        "first_response_at": _specs(
            "Initial response time",
            ColumnSpec(column="First response time (in hrs)", unit=Unit.HOURS, after="created_at", zero_is_empty=True),
        ),
        "solved_at": _specs("Resolved time", "Closed time"),
        "handle_time_seconds": _specs(ColumnSpec(column="Time tracked", unit=Unit.HOURS, zero_is_empty=True)),
        "agent_replies": _specs("Agent interactions"),
        # The requester's company (a column the export dialog offers), by name or as a customer's external id.
        "customer_external_id": _specs("Company Name", "Company"),
        # The same business-hours "hh:mm:ss" durations, kept as given ("00:00:00": none).
        "first_response_business_seconds": _specs(
            ColumnSpec(column="First response time (in hrs)", unit=Unit.HOURS, zero_is_empty=True)
        ),
        "resolution_business_seconds": _specs(
            ColumnSpec(column="Resolution time (in hrs)", unit=Unit.HOURS, zero_is_empty=True)
        ),
    },
    values={
        "channel": {
            "email": "email",
            "outbound email": "email",
            "portal": "email",
            "feedback widget": "email",
            "phone": "phone",
            "chat": "chat",
            "bot": "chat",
            "twitter": "social",
            "facebook": "social",
            "forum": "social",
            "whatsapp": "social",
            "*": "other",
        },
        "status": {
            "open": "open",
            "pending": "pending",
            "waiting on customer": "pending",
            "waiting on third party": "pending",
            "resolved": "solved",
            "closed": "closed",
        },
        "priority": {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"},
    },
    placeholders=_placeholders(
        agent=(*NOTHING_WORDS, "no agent"), team=(*NOTHING_WORDS, "no group"), category=NOTHING_WORDS
    ),
)

# Pulse's own survey layout (the same names as the API's bulk endpoint).
PULSE_SURVEYS = Profile(
    name="pulse",
    kind=ImportKind.SURVEYS,
    columns={
        "external_id": _specs("external_id"),
        "ticket_external_id": _specs("ticket_external_id"),
        "agent": _specs("agent_email"),
        "team": _specs("team"),
        "kind": _specs("kind"),
        "score": _specs("score"),
        "comment": _specs("comment"),
        "responded_at": _specs("responded_at"),
        "customer_external_id": _specs("customer_external_id"),
    },
)

# Pulse's own customer layout (the same names as the API's bulk endpoint; a CRM export is described
# by a mapping file). One row is one customer; a changed mrr is recorded on mrr_effective_on.
PULSE_CUSTOMERS = Profile(
    name="customers",
    kind=ImportKind.CUSTOMERS,
    columns={name: _specs(name) for name in FIELD_TYPES[ImportKind.CUSTOMERS]},
)

BUILTIN_PROFILES: dict[str, Profile] = {p.name: p for p in (ZENDESK, FRESHDESK, PULSE_SURVEYS, PULSE_CUSTOMERS)}
DEFAULT_PROFILE = {ImportKind.TICKETS: "zendesk", ImportKind.SURVEYS: "pulse", ImportKind.CUSTOMERS: "customers"}


def profile_load(*, name_or_path: str | None, kind: str, timezone: str | None = None) -> Profile:
    """The built-in profile of that name, or the profile a mapping file describes; --timezone wins."""
    name_or_path = name_or_path or DEFAULT_PROFILE[kind]
    if name_or_path in BUILTIN_PROFILES:
        profile = BUILTIN_PROFILES[name_or_path]
        if profile.kind != kind:
            raise MappingError(
                f"The {profile.name} profile reads {profile.kind}, not {kind}.",
                errors={"profile": [f"Choose a profile for {kind}."]},
            )
    else:
        profile = profile_from_mapping_file(path=Path(name_or_path), kind=kind)
    return profile.with_timezone(timezone)


def profile_from_mapping_file(*, path: Path, kind: str) -> Profile:
    """Parse a JSON or TOML mapping file into a profile, with field-level errors."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise MappingError(f"Cannot read the mapping file {path}: {error.strerror}.") from error
    return profile_from_mapping_bytes(data=raw, name=path.name, kind=kind)


def profile_from_mapping_bytes(*, data: bytes, name: str, kind: str) -> Profile:
    """Parse mapping file contents: TOML when the name ends in .toml, JSON otherwise.

    Size and nesting are checked on the raw text first: both parsers recurse once per level,
    so a file nested thousands deep must be refused before it reaches them.
    """
    if len(data) > MAPPING_MAX_BYTES:
        message = f"The mapping file {name} is larger than {MAPPING_MAX_BYTES // 1024} KB; a mapping is a few lines."
        raise MappingError(message, errors={"mapping_file": [message]})
    is_toml = name.lower().endswith(".toml")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MappingError(f"The mapping file {name} is not UTF-8 text.") from error
    if nesting_depth(text, toml=is_toml) > MAPPING_MAX_DEPTH:
        message = f"The mapping file {name} nests lists or tables more than {MAPPING_MAX_DEPTH} levels deep."
        raise MappingError(message, errors={"mapping_file": [message]})
    try:
        parsed = tomllib.loads(text) if is_toml else json.loads(text)
    except ValueError as error:
        raise MappingError(f"The mapping file {name} is not valid JSON or TOML: {error}") from error
    return profile_from_mapping(data=parsed, kind=kind, name=name)


def nesting_depth(text: str, *, toml: bool) -> int:
    """The deepest nesting of [ ] and { } outside strings (and TOML comments), in one loop without recursion."""
    depth = deepest = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "#" and toml:
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char == '"' or (char == "'" and toml):
            index = _string_end(text, index, char, escapes=char == '"')
        index += 1
    return deepest


def _string_end(text: str, start: int, quote: str, *, escapes: bool) -> int:
    """The index of the quote closing the string opened at `start` (triple quotes included)."""
    closing = quote * 3 if text.startswith(quote * 3, start) else quote
    index = start + len(closing)
    while index < len(text):
        if escapes and text[index] == "\\":
            index += 2
            continue
        if text.startswith(closing, index):
            return index + len(closing) - 1
        index += 1
    return len(text)


def profile_from_mapping(*, data: Any, kind: str, name: str = "mapping") -> Profile:
    """Build a profile from a parsed mapping (see docs/importing.md for the format)."""
    errors: dict[str, list[str]] = {}

    def fail(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not isinstance(data, dict):
        raise MappingError("A mapping is an object with a “columns” table.", errors={"mapping": ["Not an object."]})
    unknown = set(data) - {
        "kind",
        "timezone",
        "datetime_format",
        "datetime_formats",
        "columns",
        "values",
        "defaults",
        "placeholders",
    }
    for key in sorted(unknown):
        fail(key, "Unknown key.")
    if data.get("kind", kind) != kind:
        fail("kind", f"This mapping is for {data.get('kind')}, not {kind}.")
    field_types = FIELD_TYPES[kind]
    timezone = data.get("timezone", "UTC")
    try:
        _check_timezone(timezone, "timezone")
    except MappingError as error:
        errors.update(error.errors)
    formats = data.get("datetime_formats", [])
    if "datetime_format" in data:
        formats = [data["datetime_format"], *formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        fail("datetime_formats", "Give strptime formats as strings, e.g. “%d/%m/%Y %H:%M”.")
        formats = []

    columns: dict[str, list[ColumnSpec]] = {}
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, dict) or not raw_columns:
        fail("columns", 'Map at least the required fields to columns, e.g. {"external_id": "Id"}.')
        raw_columns = {}
    for field_name, raw_spec in raw_columns.items():
        key = f"columns.{field_name}"
        if field_name not in field_types:
            fail(key, f"Unknown field; {kind} fields are: {', '.join(field_types)}.")
            continue
        items = raw_spec if isinstance(raw_spec, list) else [raw_spec]
        specs = []
        for item in items:
            spec = _column_spec(item, key, field_types, fail)
            if spec is not None:
                specs.append(spec)
        if specs:
            columns[field_name] = specs

    values: dict[str, dict[str, Any]] = {}
    raw_values = data.get("values", {})
    if not isinstance(raw_values, dict):
        fail("values", "Give value maps as {field: {source value: Pulse value}}.")
        raw_values = {}
    for field_name, value_map in raw_values.items():
        if field_types.get(field_name) not in (FieldType.CHOICE, FieldType.SATISFACTION):
            fail(f"values.{field_name}", "Value maps apply to channel, status, priority, kind and satisfaction.")
        elif not isinstance(value_map, dict):
            fail(f"values.{field_name}", "Give a table of source value → Pulse value.")
        elif not all(isinstance(v, SCALAR_TYPES) for v in value_map.values()):
            fail(f"values.{field_name}", "Map each source value to a plain value (text or number).")
        else:
            values[field_name] = {str(k).strip().lower(): v for k, v in value_map.items()}

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        fail("defaults", "Give defaults as {field: value}.")
        defaults = {}
    for field_name, value in defaults.items():
        if field_name not in field_types:
            fail(f"defaults.{field_name}", "Unknown field.")
        elif not isinstance(value, SCALAR_TYPES):
            fail(f"defaults.{field_name}", "Give a plain value (text or number).")
    placeholders: dict[str, frozenset[str]] = {}
    raw_placeholders = data.get("placeholders", {})
    if not isinstance(raw_placeholders, dict):
        fail("placeholders", 'Give placeholders as {field: ["No Agent", ...]}.')
        raw_placeholders = {}
    for field_name, words in raw_placeholders.items():
        if field_name not in field_types:
            fail(f"placeholders.{field_name}", "Unknown field.")
        elif not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            fail(f"placeholders.{field_name}", 'Give a list of the words that mean “no value”, e.g. ["No Agent"].')
        else:
            placeholders[field_name] = frozenset(w.strip().lower() for w in words)
    for field_name in REQUIRED_FIELDS[kind]:
        if field_name not in columns and field_name not in defaults and f"columns.{field_name}" not in errors:
            fail(f"columns.{field_name}", "Required: name the column that holds it.")
    if errors:
        raise MappingError(f"The mapping {name} has errors.", errors=errors)
    return Profile(
        name=name,
        kind=kind,
        columns=columns,
        timezone=timezone,
        datetime_formats=formats,
        values=values,
        defaults=defaults,
        placeholders=placeholders,
    )


def _column_spec(item: Any, key: str, field_types: dict[str, FieldType], fail) -> ColumnSpec | None:
    if isinstance(item, str) and item.strip():
        return ColumnSpec(column=item.strip())
    if not isinstance(item, dict) or not str(item.get("column", "")).strip():
        fail(key, 'Give a column name, or {"column": ..., "unit": ..., "after": ..., "zero_is_empty": ...}.')
        return None
    extra = set(item) - {"column", "unit", "after", "zero_is_empty"}
    if extra:
        fail(key, f"Unknown keys: {', '.join(sorted(extra))}.")
    unit = item.get("unit", Unit.SECONDS)
    if unit not in Unit.values:
        fail(key, f"Unit “{unit}” is not one of seconds, minutes, hours.")
        return None
    after = item.get("after")
    field_type = field_types[key.split(".", 1)[1]]
    if after is not None and (field_types.get(after) != FieldType.DATETIME or field_type != FieldType.DATETIME):
        fail(key, "“after” makes a timestamp from an offset; both fields must be timestamps (e.g. created_at).")
        return None
    zero_is_empty = item.get("zero_is_empty", False)
    if not isinstance(zero_is_empty, bool) or (zero_is_empty and field_type != FieldType.DURATION and after is None):
        fail(key, "“zero_is_empty” is true or false, for a duration or an offset column.")
        return None
    return ColumnSpec(column=str(item["column"]).strip(), unit=unit, after=after, zero_is_empty=zero_is_empty)


def _check_timezone(value: Any, key: str) -> None:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        raise MappingError(
            f"“{value}” is not an IANA time zone.", errors={key: [f"“{value}” is not an IANA time zone."]}
        )
