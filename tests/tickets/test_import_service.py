"""The CSV import service and commands: exact rows from hand-written files of each profile."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, Team, User
from kpis.models import DirtyDay, Snapshot
from surveys.models import SurveyResponse
from tests.factories import AgentFactory, TicketFactory
from tickets.importing.parsing import ImportFileError
from tickets.importing.profiles import MappingError, profile_from_mapping, profile_load
from tickets.importing.service import rows_import
from tickets.models import Ticket

DATA = Path(__file__).resolve().parent.parent / "data"
UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def people(sample_agents):
    """Alice and Bob in Falcons, Carol in Owls (tests/tickets/conftest.py)."""
    return sample_agents


def ticket_rows():
    fields = (
        "external_id", "channel", "category", "priority", "status", "agent__username", "team__slug", "created_at",
        "first_response_at", "solved_at", "handle_time_seconds", "agent_replies", "reopened_count",
    )  # fmt: skip
    return list(Ticket.objects.order_by("external_id").values_list(*fields))


def survey_rows():
    fields = ("external_id", "ticket__external_id", "agent__username", "team__slug", "kind", "score", "comment",
              "responded_at")  # fmt: skip
    return list(SurveyResponse.objects.order_by("external_id").values_list(*fields))


def run(name, kind="tickets", profile=None, **options):
    return rows_import(
        path=DATA / name,
        profile=profile_load(name_or_path=profile, kind=kind, timezone=options.pop("timezone", None)),
        **options,
    )


# ---- Zendesk -----------------------------------------------------------------------------------


ZENDESK_TICKETS = [
    ("1001", "email", "Question", "normal", "solved", "alice", "falcons",
     at(2026, 3, 2, 8, 15), at(2026, 3, 2, 8, 27), at(2026, 3, 2, 10, 0), None, 1, 0),
    ("1002", "phone", "Incident", "high", "closed", "bob", "falcons",
     at(2026, 3, 2, 13, 0), at(2026, 3, 2, 13, 45), at(2026, 3, 3, 9, 30), None, 3, 1),
    ("1003", "chat", "", "normal", "new", None, "falcons", at(2026, 3, 3, 7, 0), None, None, None, 0, 0),
    ("1004", "social", "Problem", "urgent", "pending", "alice", "falcons",
     at(2026, 3, 3, 8, 0), at(2026, 3, 3, 9, 30), None, None, 2, 0),
    ("1005", "other", "Task", "low", "solved", "carol", "owls",
     at(2026, 3, 3, 15, 0), at(2026, 3, 3, 15, 5), at(2026, 3, 3, 21, 0), None, 1, 0),
]  # fmt: skip


def test_zendesk_export_creates_exact_tickets_and_csat_responses(people):
    report = run("zendesk_tickets.csv", profile="zendesk")

    assert (report.rows_read, report.created, report.updated, report.unchanged, report.failed) == (5, 5, 0, 0, 0)
    assert ticket_rows() == ZENDESK_TICKETS
    # Good → 5 and Bad → 1, on the ticket's solved time; Offered / Unoffered / empty give none.
    assert survey_rows() == [
        ("1001-satisfaction", "1001", "alice", "falcons", "csat", 5, "", at(2026, 3, 2, 10, 0)),
        ("1002-satisfaction", "1002", "bob", "falcons", "csat", 1, "", at(2026, 3, 3, 9, 30)),
    ]
    assert (report.surveys_created, report.surveys_updated) == (2, 0)


def test_reimporting_the_same_file_changes_nothing(people):
    run("zendesk_tickets.csv", profile="zendesk")
    stamps = dict(Ticket.objects.values_list("external_id", "updated_at"))
    survey_stamps = dict(SurveyResponse.objects.values_list("external_id", "updated_at"))

    again = run("zendesk_tickets.csv", profile="zendesk")

    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 5, 0)
    assert (again.surveys_created, again.surveys_updated) == (0, 0)
    assert dict(Ticket.objects.values_list("external_id", "updated_at")) == stamps
    assert dict(SurveyResponse.objects.values_list("external_id", "updated_at")) == survey_stamps
    assert DirtyDay.objects.count() == 0
    assert ticket_rows() == ZENDESK_TICKETS


def test_an_edited_row_is_updated_and_the_rest_left_alone(people, tmp_path):
    run("zendesk_tickets.csv", profile="zendesk")
    text = (DATA / "zendesk_tickets.csv").read_text(encoding="utf-8-sig").replace(",Pending,Urgent,", ",Solved,Urgent,")
    edited = tmp_path / "edited.csv"
    edited.write_text(text, encoding="utf-8")

    report = rows_import(path=edited, profile=profile_load(name_or_path="zendesk", kind="tickets"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert Ticket.objects.get(external_id="1004").status == "solved"


def test_import_recomputes_the_affected_snapshots(people):
    report = run("zendesk_tickets.csv", profile="zendesk")

    assert report.snapshots_refreshed > 0
    assert DirtyDay.objects.count() == 0
    volume = Snapshot.objects.get(
        scope="team", team=people["alice"].team, kpi="volume", date=dt.date(2026, 3, 2), channel=""
    )
    assert (volume.numerator, volume.denominator) == (2, 2)


# ---- Freshdesk ---------------------------------------------------------------------------------


def test_freshdesk_export_in_the_helpdesk_time_zone(people):
    report = run("freshdesk_tickets.csv", profile="freshdesk", timezone="Europe/Paris")

    assert (report.rows_read, report.created, report.failed) == (4, 4, 0)
    assert ticket_rows() == [
        # "Initial response time" wins; "Time tracked" is hh:mm.
        ("2001", "email", "Question", "normal", "solved", "alice", "falcons",
         at(2026, 3, 2, 8, 0), at(2026, 3, 2, 8, 20), at(2026, 3, 2, 11, 0), 900, 2, 0),
        # Without it, created + "First response time (in hrs)".
        ("2002", "phone", "Incident", "urgent", "closed", "bob", "falcons",
         at(2026, 3, 2, 9, 0), at(2026, 3, 2, 9, 15), at(2026, 3, 2, 9, 30), 1200, 1, 0),
        ("2003", "email", "", "low", "pending", None, "falcons", at(2026, 3, 3, 22, 30), None, None, None, 0, 0),
        ("2004", "chat", "Question", "high", "open", "carol", "owls",
         at(2026, 3, 3, 14, 0), at(2026, 3, 3, 14, 0, 45), None, 330, 4, 0),
    ]  # fmt: skip
    assert SurveyResponse.objects.count() == 0


# ---- generic mapping ---------------------------------------------------------------------------


def test_generic_mapping_file_with_units_formats_and_value_maps(people):
    report = run("generic_tickets.csv", profile=str(DATA / "generic_mapping.json"))

    assert (report.created, report.failed) == (3, 0)
    assert ticket_rows() == [
        ("C-1", "email", "Billing, refunds", "normal", "solved", "alice", "falcons",
         at(2026, 3, 2, 8, 0), at(2026, 3, 2, 8, 15), at(2026, 3, 2, 9, 0), 390, 1, 0),
        ("C-2", "phone", "", "urgent", "open", "bob", "falcons", at(2026, 3, 2, 21, 30), None, None, None, 0, 0),
        ("C-3", "other", "Other", "low", "closed", None, "owls",
         at(2026, 3, 3, 7, 0), at(2026, 3, 3, 7, 2), at(2026, 3, 3, 7, 20), 240, 2, 1),
    ]  # fmt: skip


def test_mapping_errors_are_reported_by_key():
    with pytest.raises(MappingError) as caught:
        profile_from_mapping(
            data={
                "timezone": "Mars/Olympus",
                "columns": {"external_id": "Id", "colour": "C", "solved_at": {"column": "S", "unit": "days"}},
                "values": {"team": {"a": "b"}},
            },
            kind="tickets",
        )
    assert caught.value.errors == {
        "timezone": ["“Mars/Olympus” is not an IANA time zone."],
        "columns.colour": [
            "Unknown field; tickets fields are: external_id, channel, category, priority, status, agent, team, "
            "created_at, first_response_at, solved_at, handle_time_seconds, agent_replies, reopened_count, "
            "satisfaction, customer_external_id, first_response_business_seconds, resolution_business_seconds."
        ],
        "columns.solved_at": ["Unit “days” is not one of seconds, minutes, hours."],
        "values.team": ["Value maps apply to channel, status, priority, kind and satisfaction."],
        "columns.channel": ["Required: name the column that holds it."],
        "columns.created_at": ["Required: name the column that holds it."],
    }


def test_a_file_without_the_profile_columns_is_refused(people):
    with pytest.raises(ImportFileError) as caught:
        run("freshdesk_tickets.csv", profile="zendesk")
    assert caught.value.message == (
        "The file has no column “Id” (for external_id); “Via” (for channel); “Created at” (for created_at). "
        "Check the profile (zendesk)."
    )
    assert Ticket.objects.count() == 0


# ---- bad rows ----------------------------------------------------------------------------------


MIXED_ERRORS = [
    "line 3, column 'Solved at': solved_at cannot be before created_at.",
    "line 4, column 'Assignee': agent: No agent “Zed Unknown”.",
    "line 5, column 'Group': team: No team “Pandas”.",
    "line 6, column 'Created at': created_at: “yesterday” is not a date and time (expected e.g. 2026-03-02 09:15:00).",
    "line 8, column 'Id': external_id: Appears more than once in this file (first on line 2).",
    "line 9, column 'Reopens': reopened_count: Reopened count cannot be negative.",
    "line 10, column 'Status': status: Value 'escalated' is not a valid choice.",
    "line 11, column 'Id': external_id: This field is required.",
]


def test_mixed_file_imports_the_good_rows_and_reports_each_bad_one(people, tmp_path):
    errors_csv = tmp_path / "errors.csv"
    report = run("zendesk_mixed.csv", profile="zendesk", errors_csv=errors_csv)

    assert (report.rows_read, report.created, report.failed) == (10, 2, 8)
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["3001", "3006"]
    assert [str(e) for e in report.errors] == MIXED_ERRORS
    assert errors_csv.read_text(encoding="utf-8").splitlines() == [
        "line,column,field,value,message",
        "3,Solved at,solved_at,2026-03-01 10:00:00 +0100,solved_at cannot be before created_at.",
        "4,Assignee,agent,Zed Unknown,No agent “Zed Unknown”.",
        "5,Group,team,Pandas,No team “Pandas”.",
        "6,Created at,created_at,yesterday,“yesterday” is not a date and time (expected e.g. 2026-03-02 09:15:00).",
        "8,Id,external_id,3001,Appears more than once in this file (first on line 2).",
        "9,Reopens,reopened_count,'-1,Reopened count cannot be negative.",  # raw cell text, quoted
        "10,Status,status,Escalated,Value 'escalated' is not a valid choice.",
        "11,Id,external_id,,This field is required.",
    ]


def test_dry_run_validates_everything_and_writes_nothing(people):
    report = run("zendesk_mixed.csv", profile="zendesk", dry_run=True, create_missing=True)

    assert (report.created, report.failed) == (4, 6)  # with "Zed Unknown" and "Pandas" created
    assert Ticket.objects.count() == 0
    assert Team.objects.count() == 2
    assert User.objects.count() == 3
    assert DirtyDay.objects.count() == 0


def test_strict_aborts_the_whole_file_at_the_first_bad_row(people):
    report = run("zendesk_mixed.csv", profile="zendesk", strict=True)

    assert report.aborted
    assert [str(e) for e in report.errors] == [MIXED_ERRORS[0]]
    assert (report.created, report.failed) == (0, 1)
    assert Ticket.objects.count() == 0


def test_create_missing_creates_agents_and_teams_it_reports(people):
    report = run("zendesk_mixed.csv", profile="zendesk", create_missing=True)

    assert (report.teams_created, report.agents_created) == (1, 1)
    pandas = Team.objects.get(name="Pandas")
    assert (pandas.slug, pandas.timezone) == ("pandas", "UTC")
    zed = User.objects.get(first_name="Zed")
    assert (zed.username, zed.last_name, zed.role, zed.team.slug, zed.has_usable_password()) == (
        "zed-unknown", "Unknown", Role.AGENT, "falcons", False,
    )  # fmt: skip
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["3001", "3003", "3004", "3006"]


def test_leader_scope_turns_other_teams_rows_into_errors(people, leader, customer_of_falcons):
    report = run("zendesk_tickets.csv", profile="zendesk", actor=leader)

    assert [str(e) for e in report.errors] == ["line 6, column 'Group': team: No team “Owls”."]
    tickets = ["1001", "1002", "1003", "1004", "SYNC-1"]
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == tickets


def test_a_leaders_import_names_only_their_teams_customers_by_id_or_by_name(people, leader, sample_customer):
    """Customer Ltd (CRM-7) is no customer of Falcons yet: the leader's rows naming it, by name as Zendesk's export
    does, are told it does not exist among their teams' customers, and its external id is never shown."""
    report = run("zendesk_tickets.csv", profile="zendesk", actor=leader)

    customer_errors = [str(e) for e in report.errors if e.field == "customer_external_id"]
    assert customer_errors and all(
        error.endswith(
            "customer_external_id: No customer with external id “Customer Ltd” among your teams' customers; a "
            "customer new to your teams is linked by the helpdesk sync, an admin or a customer manager."
        )
        for error in customer_errors
    )
    assert not any("CRM-7" in str(e) for e in report.errors)
    assert not Ticket.objects.filter(customer=sample_customer).exists()


def test_an_agent_name_shared_by_two_agents_is_not_guessed(people, other_team):
    AgentFactory(username="alice2", email="alice2@example.com", first_name="Alice", last_name="Martin", team=other_team)

    report = run("zendesk_tickets.csv", profile="zendesk")

    assert [str(e) for e in report.errors] == [
        "line 2, column 'Assignee': agent: 2 agents are named “alice martin”; give their emails instead.",
        "line 5, column 'Assignee': agent: 2 agents are named “alice martin”; give their emails instead.",
    ]


def test_a_file_that_is_not_utf8_is_refused_with_its_line(people, tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((DATA / "zendesk_tickets.csv").read_bytes()[3:].replace(b"Refund", "Réfund".encode("latin-1")))
    with pytest.raises(ImportFileError) as caught:
        rows_import(path=latin, profile=profile_load(name_or_path="zendesk", kind="tickets"))
    assert caught.value.line == 2
    assert caught.value.message.startswith("Line 2 is not UTF-8 text. Save the file as “CSV UTF-8”")
    assert "No row was imported." in caught.value.message
    assert Ticket.objects.count() == 0


def test_chunks_smaller_than_the_file_give_the_same_rows(people):
    report = run("zendesk_tickets.csv", profile="zendesk", chunk_size=2)

    assert (report.created, report.failed) == (5, 0)
    assert ticket_rows() == ZENDESK_TICKETS


# ---- surveys -----------------------------------------------------------------------------------


@pytest.fixture
def ticket_100(people):
    return TicketFactory(external_id="T-100", agent=people["alice"], team=people["alice"].team)


def test_pulse_survey_profile_with_bom_quoted_commas_and_empty_cells(people, ticket_100):
    report = run("pulse_surveys.csv", kind="surveys", profile="pulse")

    assert (report.rows_read, report.created, report.failed) == (5, 4, 1)
    assert [str(e) for e in report.errors] == [
        "line 5, column 'ticket_external_id': ticket_external_id: No ticket “T-999”."
    ]
    assert survey_rows() == [
        ("P-1", "T-100", "alice", "falcons", "csat", 4, "Helpful, thanks", at(2026, 3, 3, 9, 0)),
        ("P-2", None, "bob", "falcons", "nps", 9, "", at(2026, 3, 3, 18, 30)),
        ("P-3", "T-100", "alice", "falcons", "ces", 6, "Easy enough", at(2026, 3, 4, 8, 0)),
        ("P-5", None, None, "owls", "nps", 10, "", at(2026, 3, 4, 9, 0)),
    ]
    again = run("pulse_surveys.csv", kind="surveys", profile="pulse")
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 4, 1)


def test_generic_survey_mapping_in_toml(people, ticket_100):
    report = run("generic_surveys.csv", kind="surveys", profile=str(DATA / "generic_surveys.toml"))

    assert [str(e) for e in report.errors] == ["line 4, column 'Rating': score: A CSAT score must be between 1 and 5."]
    assert survey_rows() == [
        ("R-1", "T-100", "alice", "falcons", "csat", 5, "Quick, friendly", at(2026, 3, 3, 15, 0)),
        ("R-2", None, "carol", "owls", "csat", 2, "", at(2026, 3, 3, 16, 0)),
    ]


# ---- commands ----------------------------------------------------------------------------------


def test_import_tickets_command_prints_summary_and_bad_rows(people, tmp_path):
    out, err = StringIO(), StringIO()
    errors_csv = tmp_path / "bad.csv"
    call_command(
        "import_tickets", str(DATA / "zendesk_mixed.csv"), "--errors-csv", str(errors_csv), stdout=out, stderr=err
    )

    lines = out.getvalue().splitlines()
    assert lines[:8] == MIXED_ERRORS
    assert lines[8] == "10 rows read: 2 created, 0 updated, 0 unchanged, 8 failed."
    assert lines[-1] == f"Errors written to {errors_csv}."
    assert "Importing tickets" in err.getvalue()  # the progress bar
    assert errors_csv.is_file()


def test_import_tickets_command_strict_fails_and_writes_nothing(people):
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_tickets", str(DATA / "zendesk_mixed.csv"), "--strict", stdout=StringIO(), stderr=StringIO()
        )
    assert str(caught.value) == (
        f"--strict: aborted at {MIXED_ERRORS[0].rstrip('.')}. "
        "Nothing was written: fix line 3 and import the file again."
    )
    assert Ticket.objects.count() == 0


def test_import_tickets_command_dry_run_and_profile_errors(people):
    out = StringIO()
    call_command(
        "import_tickets", str(DATA / "freshdesk_tickets.csv"), "--profile", "freshdesk", "--dry-run",
        "--timezone", "Europe/Paris", stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert out.getvalue().splitlines()[-1] == (
        "Dry run, nothing written: would have 4 rows read: 4 created, 0 updated, 0 unchanged, 0 failed."
    )
    assert Ticket.objects.count() == 0
    with pytest.raises(CommandError) as caught:
        call_command("import_tickets", str(DATA / "freshdesk_tickets.csv"), "--profile", "pulse", stderr=StringIO())
    assert (
        str(caught.value) == "The pulse profile reads surveys, not tickets.\n  profile: Choose a profile for tickets."
    )


def test_import_surveys_command(people, ticket_100):
    out = StringIO()
    call_command("import_surveys", str(DATA / "pulse_surveys.csv"), stdout=out, stderr=StringIO())
    # Falcons on 3 and 4 March (Paris), Owls on 4 March (New York).
    assert out.getvalue().splitlines() == [
        "line 5, column 'ticket_external_id': ticket_external_id: No ticket “T-999”.",
        "5 rows read: 4 created, 0 updated, 0 unchanged, 1 failed.",
        "3 team-days of snapshots recomputed.",
    ]
    assert SurveyResponse.objects.count() == 4


def test_mapping_file_must_be_valid_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"columns": []}))
    with pytest.raises(MappingError) as caught:
        profile_load(name_or_path=str(bad), kind="tickets")
    assert caught.value.errors["columns"] == [
        'Map at least the required fields to columns, e.g. {"external_id": "Id"}.'
    ]
