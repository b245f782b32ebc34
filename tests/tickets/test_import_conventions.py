"""What real Zendesk and Freshdesk exports write that is not data, and what the built-in profiles read it as.

Each convention has a row-level test (a realistic cell and the field it becomes, or the field
error), then a whole export shaped like the vendor's (tests/data/*_real.csv) goes through the
importer. Sources of each convention: docs/importing.md, "Conventions of real exports".
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from surveys.models import SurveyResponse
from tickets.importing.help import profile_as_mapping, profile_help
from tickets.importing.parsing import ParsedRow, RowConverter
from tickets.importing.profiles import FRESHDESK, ZENDESK, MappingError, Profile, profile_from_mapping, profile_load
from tickets.importing.service import rows_import

from .test_import_service import ticket_rows

DATA = Path(__file__).resolve().parent.parent / "data"
PARIS = "Europe/Paris"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def read(profile: Profile, cells: dict[str, str], timezone: str | None = None) -> ParsedRow:
    """One row of `cells` (column → text) read by `profile`, the way the importer reads it."""
    header = list(cells)
    return RowConverter(profile.with_timezone(timezone), header).convert([cells[column] for column in header])


def zendesk(timezone: str | None = PARIS, **cells: str) -> ParsedRow:
    row = {"Id": "5001", "Via": "Email", "Created at": "2026-03-27 09:15:00"}
    row.update({column.replace("_", " "): text for column, text in cells.items()})
    return read(ZENDESK, row, timezone)


def freshdesk(timezone: str | None = PARIS, **cells: str) -> ParsedRow:
    row = {"Ticket ID": "7001", "Source": "Email", "Created time": "2026-03-27 09:00:00"}
    row.update({column.replace("_", " "): text for column, text in cells.items()})
    return read(FRESHDESK, row, timezone)


# ---- "no agent", "no group" --------------------------------------------------------------------


@pytest.mark.parametrize(("column", "cell", "field"), [("Agent", "No Agent", "agent"), ("Group", "No Group", "team")])
def test_freshdesk_no_agent_and_no_group_are_no_value_not_a_name(column, cell, field):
    row = freshdesk(**{column: cell})

    assert field not in row.values  # never looked up as an agent or team called "No Agent"
    assert row.placeholders == {field: cell}
    assert row.errors == {}


@pytest.mark.parametrize("cell", ["-", "(none)", "Unassigned", "NULL", "n/a"])
def test_an_empty_cell_word_in_a_zendesk_assignee_or_group_is_no_value(cell):
    row = zendesk(Assignee=cell, Group=cell)

    assert ("agent" in row.values, "team" in row.values) == (False, False)
    assert row.placeholders == {"agent": cell, "team": cell}


def test_a_placeholder_is_only_a_placeholder_in_its_own_field():
    row = freshdesk(Subject="No Agent", Type="No Agent", Agent="alice@example.com")

    assert row.values["agent"] == "alice@example.com"
    assert row.values["category"] == "No Agent"  # "No Agent" is a placeholder for agents only


def test_an_email_column_wins_over_a_no_agent_placeholder_in_the_name_column():
    row = freshdesk(**{"Agent email": "", "Agent": "No Agent"})
    assert "agent" not in row.values

    row = freshdesk(**{"Agent email": "bob@example.com", "Agent": "No Agent"})
    assert row.values["agent"] == "bob@example.com"


# ---- zero durations that mean "no value" ---------------------------------------------------------


def test_freshdesk_first_response_hours_of_zero_is_no_response():
    # hhmm(nil) writes "00:00:00" for a ticket nobody answered.
    row = freshdesk(**{"Initial response time": "", "First response time (in hrs)": "00:00:00"})
    assert "first_response_at" not in row.values
    assert row.errors == {}


def test_freshdesk_first_response_hours_count_when_not_zero():
    row = freshdesk(**{"Initial response time": "", "First response time (in hrs)": "00:15:00"})
    assert row.values["first_response_at"] == at(2026, 3, 27, 8, 15)


def test_freshdesk_time_tracked_of_zero_is_no_handle_time():
    assert "handle_time_seconds" not in freshdesk(**{"Time tracked": "00:00"}).values


def test_zendesk_full_resolution_of_zero_on_an_unsolved_ticket_is_no_resolution():
    row = zendesk(**{"Solved at": "", "Full resolution time in minutes": "0"})
    assert "solved_at" not in row.values


def test_zendesk_first_reply_of_zero_minutes_is_a_real_reply_within_the_minute():
    row = zendesk(**{"First reply time in minutes": "0"})
    assert row.values["first_response_at"] == at(2026, 3, 27, 8, 15)


def test_zendesk_time_spent_of_zero_seconds_is_no_handle_time():
    assert "handle_time_seconds" not in zendesk(**{"Total time spent (sec)": "0"}).values
    assert zendesk(**{"Total time spent (sec)": "95"}).values["handle_time_seconds"] == 95


# ---- clock-style and decimal durations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [
        ("00:06", 360),
        ("00:60", 3600),  # round_off_time_hrs: 59 min 30 s rounds to minute 60
        ("01:60", 7200),
        ("123:05", 443_100),  # more than 99 hours
        ("1:05:09", 3909),
        ("1.5", 5400),  # a number is in the column's unit (hours)
    ],
)
def test_freshdesk_time_tracked_clock_strings(cell, seconds):
    assert freshdesk(**{"Time tracked": cell}).values["handle_time_seconds"] == seconds


@pytest.mark.parametrize("cell", ["1:60:30", "0:61", "1:5", "nan", "inf", "00:15 h"])
def test_a_duration_that_is_no_clock_and_no_number_is_a_field_error(cell):
    row = freshdesk(**{"Time tracked": cell})
    assert row.errors == {"handle_time_seconds": [f"“{cell}” is not a duration in hours (a number, or h:mm)."]}


@pytest.mark.parametrize("cell", ["45.5", "45,5"])
def test_zendesk_minutes_with_decimals(cell):
    row = zendesk(**{"First reply time in minutes": cell})
    assert row.values["first_response_at"] == at(2026, 3, 27, 8, 15) + dt.timedelta(minutes=45, seconds=30)


# ---- timestamps without an offset ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-03-28 08:00:00", at(2026, 3, 28, 7, 0)),  # winter time, +01:00
        ("2026-03-30 08:00:00", at(2026, 3, 30, 6, 0)),  # summer time, +02:00: the zone, not a fixed offset
        ("2026-03-05 14:02", at(2026, 3, 5, 13, 2)),  # no seconds
        ("2026-03-05T14:02:00Z", at(2026, 3, 5, 14, 2)),  # an offset wins over the zone
        ("2026-03-05 14:02:00 +0000", at(2026, 3, 5, 14, 2)),
        ("2026-10-25 02:30:00", at(2026, 10, 25, 0, 30)),  # the repeated autumn hour: its first occurrence
    ],
)
def test_a_naive_timestamp_is_read_in_the_time_zone_the_import_is_given(cell, expected):
    assert freshdesk(**{"Created time": cell}).values["created_at"] == expected


def test_the_same_naive_timestamp_without_a_time_zone_is_utc():
    assert freshdesk(timezone=None, **{"Created time": "2026-03-28 08:00:00"}).values["created_at"] == at(
        2026, 3, 28, 8, 0
    )


def test_a_time_in_the_spring_gap_does_not_exist_so_the_time_zone_is_wrong():
    row = freshdesk(**{"Created time": "2026-03-29 02:30:00"})
    assert row.errors == {
        "created_at": [
            "“2026-03-29 02:30:00” does not exist in Europe/Paris (the clocks skip that hour): "
            "check the time zone the file is read in."
        ]
    }


def test_a_date_a_spreadsheet_rewrote_day_or_month_first_is_a_field_error_not_a_guess():
    row = zendesk(**{"Created at": "05/03/2026 14:02"})
    assert row.errors == {
        "created_at": [
            "“05/03/2026 14:02” is a date a spreadsheet rewrote: day or month first cannot be told. "
            "Import the file as the helpdesk exported it (2026-03-05 14:02), or give "
            "“datetime_format” in a mapping file (e.g. %d/%m/%Y %H:%M)."
        ]
    }


def test_a_mapping_file_that_names_the_day_first_format_reads_the_same_cell():
    profile = profile_from_mapping(
        data={
            "timezone": PARIS,
            "datetime_format": "%d/%m/%Y %H:%M",
            "columns": {"external_id": "Id", "channel": "Via", "created_at": "Created at"},
        },
        kind="tickets",
    )
    row = read(profile, {"Id": "1", "Via": "email", "Created at": "05/03/2026 14:02"})
    assert row.values["created_at"] == at(2026, 3, 5, 13, 2)


# ---- satisfaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "score"),
    [("Good", 5), ("Bad", 1), ("Offered", None), ("Not Offered", None), ("Unoffered", None), ("", None)],
)
def test_zendesk_satisfaction_score_only_good_and_bad_are_responses(cell, score):
    row = zendesk(**{"Satisfaction Score": cell})
    assert row.values.get("satisfaction") == score
    assert row.errors == {}


def test_freshdesk_survey_results_and_sla_verdicts_are_not_read():
    row = freshdesk(**{"Survey results": "Awesome", "Resolution status": "SLA Violated", "Product": "No Product"})
    assert set(row.values) == {"external_id", "channel", "created_at"}


# ---- mapping files declare the same conventions ----------------------------------------------------


def test_a_mapping_file_declares_placeholders_and_zero_as_no_value():
    profile = profile_from_mapping(
        data={
            "columns": {
                "external_id": "Case",
                "channel": "Origin",
                "created_at": "Opened",
                "agent": "Owner",
                "handle_time_seconds": {"column": "Handling (min)", "unit": "minutes", "zero_is_empty": True},
            },
            "placeholders": {"agent": ["Nobody", " Queue "]},
        },
        kind="tickets",
    )
    cells = {"Case": "C-1", "Origin": "email", "Opened": "2026-03-02 09:00", "Owner": "queue", "Handling (min)": "0"}
    row = read(profile, cells)

    assert ("agent" in row.values, "handle_time_seconds" in row.values) == (False, False)
    assert row.placeholders == {"agent": "queue"}


def test_mistakes_in_a_mapping_files_placeholders_are_field_errors():
    with pytest.raises(MappingError) as caught:
        profile_from_mapping(
            data={
                "columns": {
                    "external_id": "Case",
                    "channel": "Origin",
                    "created_at": "Opened",
                    "category": {"column": "Type", "zero_is_empty": True},
                },
                "placeholders": {"agent": "Nobody", "colour": ["-"]},
            },
            kind="tickets",
        )
    assert caught.value.errors == {
        "columns.category": ["“zero_is_empty” is true or false, for a duration or an offset column."],
        "placeholders.agent": ['Give a list of the words that mean “no value”, e.g. ["No Agent"].'],
        "placeholders.colour": ["Unknown field."],
    }


@pytest.mark.parametrize("profile", [ZENDESK, FRESHDESK], ids=["zendesk", "freshdesk"])
def test_the_built_in_profiles_written_as_mapping_files_keep_their_conventions(profile):
    again = profile_from_mapping(data=json.loads(json.dumps(profile_as_mapping(profile))), kind="tickets")
    assert (again.columns, again.placeholders) == (profile.columns, profile.placeholders)


def test_the_help_on_the_page_names_the_placeholders_and_the_zero_rule():
    fields = {item.field: item.expects for item in profile_help(FRESHDESK).fields}
    assert "“no agent”" in fields["agent"] and "mean none (as an empty cell)" in fields["agent"]
    assert "A zero in “Time tracked” means no value." in fields["handle_time_seconds"]
    assert "A zero in “First response time (in hrs)” means no value." in fields["first_response_at"]


# ---- whole exports -----------------------------------------------------------------------------------


def run(name: str, profile: str, **options):
    return rows_import(
        path=DATA / name, profile=profile_load(name_or_path=profile, kind="tickets", timezone=PARIS), **options
    )


def test_a_real_zendesk_export_in_the_account_time_zone(sample_agents):
    report = run("zendesk_real.csv", "zendesk")

    assert (report.rows_read, report.created, report.failed, report.surveys_created) == (6, 5, 1, 2)
    assert ticket_rows() == [
        ("5001", "email", "Question", "normal", "solved", "alice", "falcons",
         at(2026, 3, 27, 8, 15), at(2026, 3, 27, 8, 27), at(2026, 3, 27, 10, 0), None, 1, 0),
        # Summer time from 29 March: 14:00 in Paris is 12:00 UTC; 45.5 minutes is 45 min 30 s.
        ("5002", "phone", "Incident", "high", "closed", "bob", "falcons",
         at(2026, 3, 30, 12, 0), at(2026, 3, 30, 12, 45, 30), at(2026, 3, 31, 8, 30), None, 3, 1),
        ("5003", "chat", "", "normal", "new", None, "falcons", at(2026, 3, 28, 7, 0), None, None, None, 0, 0),
        ("5005", "email", "Task", "low", "solved", "carol", "owls",
         at(2026, 3, 30, 13, 0), at(2026, 3, 30, 13, 0), at(2026, 3, 30, 19, 0), None, 1, 0),
        ("5006", "social", "Problem", "urgent", "open", "alice", "falcons",
         at(2026, 3, 29, 7, 0), at(2026, 3, 29, 8, 30), None, None, 2, 0),
    ]  # fmt: skip
    # Good and Bad are responses; Not Offered, Offered and Unoffered are not.
    responses = SurveyResponse.objects.order_by("external_id").values_list("external_id", "score", "responded_at")
    assert list(responses) == [
        ("5001-satisfaction", 5, at(2026, 3, 27, 10, 0)),
        ("5002-satisfaction", 1, at(2026, 3, 31, 8, 30)),
    ]
    [error] = report.errors
    assert (error.line, error.field, error.message) == (
        5,
        "team",
        "Give the team (a team or group column), or an agent who has one.",
    )


def test_a_real_freshdesk_export_in_the_agents_time_zone(sample_agents):
    report = run("freshdesk_real.csv", "freshdesk")

    assert (report.rows_read, report.created, report.failed, report.surveys_created) == (5, 4, 1, 0)
    assert ticket_rows() == [
        ("7001", "email", "Question", "normal", "solved", "alice", "falcons",
         at(2026, 3, 27, 8, 0), at(2026, 3, 27, 8, 20), at(2026, 3, 27, 11, 0), 900, 2, 0),
        # No "Initial response time": created + "First response time (in hrs)"; "00:60" is one hour.
        ("7002", "phone", "Incident", "urgent", "closed", "bob", "falcons",
         at(2026, 3, 30, 8, 0), at(2026, 3, 30, 8, 15), at(2026, 3, 30, 8, 30), 3600, 1, 0),
        # "No Agent", "00:00" and "00:00:00": no agent, no handle time, no first response.
        ("7003", "email", "", "low", "pending", None, "falcons", at(2026, 3, 28, 22, 30), None, None, None, 0, 0),
        ("7004", "chat", "Question", "high", "open", "carol", "owls",
         at(2026, 3, 30, 13, 0), at(2026, 3, 30, 13, 0, 45), None, 360, 4, 0),
    ]  # fmt: skip
    [error] = report.errors
    assert (error.line, error.column, error.field, error.value, error.message) == (
        7,
        "Group",
        "team",
        "No Group",
        "“No Group” and “No Agent” mean none in the export. "
        "Give the team (a team or group column), or an agent who has one.",
    )


def test_importing_a_real_export_twice_changes_nothing(sample_agents):
    run("freshdesk_real.csv", "freshdesk")
    run("zendesk_real.csv", "zendesk")
    stored = ticket_rows()

    again = [run("freshdesk_real.csv", "freshdesk"), run("zendesk_real.csv", "zendesk")]

    assert [(r.created, r.updated, r.unchanged, r.surveys_created) for r in again] == [(0, 0, 4, 0), (0, 0, 5, 0)]
    assert ticket_rows() == stored
