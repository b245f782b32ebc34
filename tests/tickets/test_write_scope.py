"""One write scope for every entry point (accounts.scoping.RecordWriteScope, applied by the upsert
services): each attack of "Trust the numbers" is tried through the API, the importer (service, page
run and command), the admin and the services, and is refused with nothing written — no record, no
dirty day, no snapshot change — and with the same words a record that does not exist gets."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from config.errors import ApplicationError, BatchValidationError
from kpis.models import DirtyDay, Snapshot
from surveys.models import SurveyResponse
from surveys.services import survey_responses_delete, survey_responses_upsert
from tests.factories import SurveyResponseFactory, TicketFactory
from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import Ticket
from tickets.services import tickets_delete, tickets_upsert

AT = "2026-03-02T09:00:00+01:00"


@pytest.fixture
def owl_ticket(outside_agent):
    return TicketFactory(external_id="OWL-1", agent=outside_agent, team=outside_agent.team, handle_time_seconds=300)


@pytest.fixture
def owl_response(outside_agent, owl_ticket):
    return SurveyResponseFactory(
        external_id="OWL-S1", ticket=owl_ticket, agent=outside_agent, team=outside_agent.team, score=2
    )


@pytest.fixture
def leader_api(leader, agent):
    client = APIClient()
    client.force_authenticate(user=leader)
    return client


def state():
    """Everything a refused write must leave as it was."""
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(SurveyResponse.objects.order_by("pk").values()),
        list(DirtyDay.objects.order_by("pk").values_list("team_id", "date")),
        list(Snapshot.objects.order_by("pk").values_list("pk", "value", "numerator", "denominator")),
    )


def ticket(**overrides):
    record = {
        "external_id": "ZD-1",
        "channel": "email",
        "status": "solved",
        "agent_email": "alice@example.com",
        "created_at": AT,
        "solved_at": "2026-03-02T12:00:00+01:00",
        "handle_time_seconds": 420,
        "agent_replies": 1,
        "reopened_count": 0,
    }
    record.update(overrides)
    return record


def survey(**overrides):
    record = {"external_id": "SV-1", "kind": "csat", "score": 5, "responded_at": AT}
    record.update(overrides)
    return record


def errors_of(response):
    assert response.status_code == 400, response.content
    return response.json()["errors"]


# ---- API --------------------------------------------------------------------------------------


def test_a_response_cannot_attach_to_another_teams_ticket_by_naming_ones_own_team(leader_api, team, owl_ticket):
    before = state()
    foreign = leader_api.post(
        "/api/v1/survey-responses/",
        survey(ticket_external_id="OWL-1", team_slug=team.slug, agent_email="alice@example.com"),
        format="json",
    )
    missing = leader_api.post(
        "/api/v1/survey-responses/",
        survey(ticket_external_id="NOPE-1", team_slug=team.slug, agent_email="alice@example.com"),
        format="json",
    )
    by_id = leader_api.post(
        "/api/v1/survey-responses/", survey(ticket=owl_ticket.pk, team_slug=team.slug), format="json"
    )

    assert errors_of(foreign) == {"ticket_external_id": ["No ticket “OWL-1”."]}
    assert errors_of(missing) == {"ticket_external_id": ["No ticket “NOPE-1”."]}
    assert errors_of(by_id) == {"ticket": [f"No ticket with id {owl_ticket.pk}."]}
    assert state() == before


def test_a_response_or_ticket_cannot_name_another_teams_agent(leader_api, team, outside_agent):
    before = state()
    response = leader_api.post(
        "/api/v1/survey-responses/", survey(agent_email="carol@example.com", team_slug=team.slug), format="json"
    )
    ticket_for_carol = leader_api.post(
        "/api/v1/tickets/", ticket(agent_email="carol@example.com", team_slug=team.slug), format="json"
    )
    by_id = leader_api.post(
        "/api/v1/tickets/", ticket(agent_email=None, agent=outside_agent.pk, team=team.pk), format="json"
    )
    nobody = leader_api.post("/api/v1/tickets/", ticket(agent_email="nobody@example.com"), format="json")

    assert errors_of(response) == {"agent_email": ["No agent “carol@example.com”."]}
    assert errors_of(ticket_for_carol) == {"agent_email": ["No agent “carol@example.com”."]}
    assert errors_of(nobody) == {"agent_email": ["No agent “nobody@example.com”."]}
    assert errors_of(by_id) == {"agent": [f"No agent with id {outside_agent.pk}."]}
    assert state() == before


def test_a_leader_cannot_then_read_the_other_agents_rows(leader_api, outside_agent):
    leader_api.post("/api/v1/tickets/", ticket(agent_email="carol@example.com"), format="json")

    assert not Ticket.objects.filter(agent=outside_agent).exists()
    assert leader_api.get(f"/api/v1/agents/{outside_agent.pk}/scorecard/").status_code == 404


def test_patch_cannot_repoint_a_response_to_another_teams_ticket(leader_api, agent, owl_ticket):
    own = SurveyResponseFactory(external_id="S-own", agent=agent, team=agent.team)
    before = state()

    repoint = leader_api.patch(f"/api/v1/survey-responses/{own.pk}/", {"ticket_external_id": "OWL-1"}, format="json")
    move_team = leader_api.patch(f"/api/v1/survey-responses/{own.pk}/", {"team_slug": "owls"}, format="json")

    assert errors_of(repoint) == {"ticket_external_id": ["No ticket “OWL-1”."]}
    assert errors_of(move_team) == {"team_slug": ["No team “owls”."]}
    assert state() == before


def test_another_teams_record_cannot_be_overwritten_by_its_external_id(leader_api, owl_ticket, owl_response):
    before = state()

    tickets = leader_api.post("/api/v1/tickets/bulk/", {"records": [ticket(external_id="OWL-1")]}, format="json")
    responses = leader_api.post(
        "/api/v1/survey-responses/", survey(external_id="OWL-S1", agent_email="alice@example.com"), format="json"
    )

    assert errors_of(tickets) == {"0": {"external_id": ["This external_id is used by a record you may not change."]}}
    assert errors_of(responses) == {"external_id": ["This external_id is used by a record you may not change."]}
    assert state() == before


def test_the_ticket_agent_must_be_in_scope_when_a_response_names_none(leader, team, outside_agent):
    # A ticket of the leader's team assigned (by the helpdesk) to another team's agent.
    TicketFactory(external_id="MIX-1", agent=outside_agent, team=team)
    before = state()

    with pytest.raises(BatchValidationError) as refused:
        survey_responses_upsert(records=[survey(ticket_external_id="MIX-1")], actor=leader)

    assert refused.value.errors == {0: {"agent": ["This ticket's agent is not in a team you lead; name the agent."]}}
    assert state() == before


def test_agents_and_hr_write_nothing_through_the_services(agent, hr):
    for user in (agent, hr):
        with pytest.raises(BatchValidationError) as refused:
            tickets_upsert(records=[ticket()], actor=user)
        assert refused.value.errors == {-1: {"records": ["You may not write tickets or survey responses."]}}
    assert not Ticket.objects.exists()


def test_an_admin_and_the_system_write_for_every_team(admin_user, outside_agent, owl_ticket):
    result = tickets_upsert(records=[ticket(external_id="OWL-1", agent_email="carol@example.com")], actor=admin_user)
    assert result.updated == 1
    assert tickets_upsert(records=[ticket(external_id="OWL-2", agent_email="carol@example.com")], actor=None).created


# ---- import --------------------------------------------------------------------------------------


def write_csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PULSE_TICKETS = (
    "external_id,channel,status,agent,team,created_at,solved_at,handle_time_seconds,agent_replies,reopened_count\n"
)
TICKET_COLUMNS = PULSE_TICKETS.strip().split(",")


@pytest.fixture
def tickets_profile(tmp_path):
    """A mapping file whose columns are the ticket fields themselves."""
    path = tmp_path / "tickets-mapping.json"
    path.write_text(json.dumps({"kind": "tickets", "columns": {name: name for name in TICKET_COLUMNS}}))
    return str(path)


def test_import_cannot_overwrite_another_teams_ticket_or_response(
    tmp_path, tickets_profile, leader, agent, owl_ticket, owl_response
):
    before = state()
    tickets_csv = write_csv(
        tmp_path,
        "tickets.csv",
        PULSE_TICKETS + f"OWL-1,email,solved,alice@example.com,falcons,{AT},2026-03-02T12:00:00+01:00,999,1,0\n",
    )
    surveys_csv = write_csv(
        tmp_path,
        "surveys.csv",
        "external_id,ticket_external_id,agent_email,kind,score,responded_at\n"
        f"OWL-S1,,alice@example.com,csat,5,{AT}\n"
        f"S-2,OWL-1,alice@example.com,csat,5,{AT}\n",
    )

    tickets_report = rows_import(
        path=tickets_csv, profile=profile_load(name_or_path=tickets_profile, kind="tickets"), actor=leader
    )
    surveys_report = rows_import(
        path=surveys_csv, profile=profile_load(name_or_path="pulse", kind="surveys"), actor=leader
    )

    assert [str(e) for e in tickets_report.errors] == [
        "line 2, column 'external_id': external_id: This external_id is used by a record you may not change."
    ]
    assert [e.message for e in surveys_report.errors] == [
        "This external_id is used by a record you may not change.",
        "No ticket “OWL-1”.",
    ]
    assert (tickets_report.unchanged, surveys_report.unchanged) == (0, 0)
    assert state()[:3] == before[:3]


def test_import_reads_another_team_like_an_unknown_one(tmp_path, tickets_profile, leader, outside_agent):
    csv_file = write_csv(
        tmp_path,
        "tickets.csv",
        PULSE_TICKETS
        + f"A-1,email,solved,carol@example.com,,{AT},,60,1,0\n"
        + f"A-2,email,solved,,owls,{AT},,60,1,0\n"
        + f"A-3,email,solved,,ghosts,{AT},,60,1,0\n",
    )

    report = rows_import(
        path=csv_file, profile=profile_load(name_or_path=tickets_profile, kind="tickets"), actor=leader
    )

    assert [e.message for e in report.errors] == [
        "No agent “carol@example.com”.",
        "No team “owls”.",
        "No team “ghosts”.",
    ]
    assert not Ticket.objects.exists()


def test_import_command_as_a_leader_applies_their_scope(tmp_path, tickets_profile, leader, outside_agent, capsys):
    csv_file = write_csv(tmp_path, "t.csv", PULSE_TICKETS + f"A-1,email,solved,carol@example.com,,{AT},,60,1,0\n")

    call_command("import_tickets", str(csv_file), "--profile", tickets_profile, "--as-user", leader.username)

    assert "No agent “carol@example.com”." in capsys.readouterr().out
    assert not Ticket.objects.exists()
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_tickets", str(csv_file), "--profile", tickets_profile, "--as-user", "ghost")


# ---- admin and deletes -------------------------------------------------------------------------


def test_admin_delete_marks_the_days_dirty_and_is_audited(client, admin_user, owl_ticket, owl_response):
    client.force_login(admin_user)
    DirtyDay.objects.all().delete()

    response = client.post(f"/admin/tickets/ticket/{owl_ticket.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Ticket.objects.filter(pk=owl_ticket.pk).exists()
    owl_response.refresh_from_db()
    assert owl_response.ticket_id is None
    team_zone = owl_ticket.team.zone
    assert set(DirtyDay.objects.values_list("team_id", "date")) >= {
        (owl_ticket.team_id, owl_ticket.created_at.astimezone(team_zone).date()),
        (owl_response.team_id, owl_response.responded_at.astimezone(team_zone).date()),
    }
    assert AuditEvent.objects.filter(action="ticket.delete", object_id=str(owl_ticket.pk)).count() == 1


def test_admin_bulk_delete_of_responses_marks_dirty(client, admin_user, owl_response):
    client.force_login(admin_user)
    DirtyDay.objects.all().delete()

    client.post(
        "/admin/surveys/surveyresponse/",
        {"action": "delete_selected", "_selected_action": [owl_response.pk], "post": "yes"},
    )

    assert not SurveyResponse.objects.exists()
    day = owl_response.responded_at.astimezone(owl_response.team.zone).date()
    assert list(DirtyDay.objects.values_list("team_id", "date")) == [(owl_response.team_id, day)]


def test_admin_edit_goes_through_the_upsert(client, admin_user, owl_ticket):
    client.force_login(admin_user)
    DirtyDay.objects.all().delete()
    page = client.get(f"/admin/tickets/ticket/{owl_ticket.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data.update(
        {
            "handle_time_seconds": 777,
            "created_at_0": "2026-03-02",
            "created_at_1": "10:00:00",
            "first_response_at_0": "",
            "first_response_at_1": "",
            "solved_at_0": "",
            "solved_at_1": "",
            "status": "open",
        }
    )
    data.pop("created_at", None)
    data.pop("first_response_at", None)
    data.pop("solved_at", None)

    response = client.post(f"/admin/tickets/ticket/{owl_ticket.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    owl_ticket.refresh_from_db()
    assert (owl_ticket.handle_time_seconds, Ticket.objects.count()) == (777, 1)
    assert DirtyDay.objects.filter(team=owl_ticket.team).exists()


def test_a_leader_cannot_delete_another_teams_records_through_the_services(leader, owl_ticket, owl_response):
    before = state()
    with pytest.raises(ApplicationError):
        tickets_delete(tickets=[owl_ticket], actor=leader)
    with pytest.raises(ApplicationError):
        survey_responses_delete(responses=[owl_response], actor=leader)
    assert state() == before


def test_a_run_whose_uploader_is_gone_writes_nothing(tmp_path, tickets_profile, leader, settings):
    from django.core.files.base import ContentFile

    from tickets.importing.runs import import_run_execute
    from tickets.models import ImportRun

    settings.MEDIA_ROOT = tmp_path
    run = ImportRun.objects.create(kind="tickets", profile="zendesk", created_by=leader, original_name="t.csv")
    run.file.save("t.csv", ContentFile((PULSE_TICKETS + f"A-1,email,solved,,falcons,{AT},,60,1,0\n").encode()))
    leader.is_active = False
    leader.save(update_fields=["is_active"])

    run = import_run_execute(import_run_id=run.pk)

    assert run.status == ImportRun.RunStatus.FAILED
    assert "no longer exists or is inactive" in run.message
    assert not Ticket.objects.exists()


def test_dirty_days_of_a_scoped_write_are_the_leaders_teams_only(leader_api, agent):
    leader_api.post("/api/v1/tickets/", ticket(), format="json")
    assert set(DirtyDay.objects.values_list("team_id", "date")) == {(agent.team_id, dt.date(2026, 3, 2))}


def test_an_agent_imports_nothing_and_the_command_says_why(tmp_path, tickets_profile, agent):
    csv_file = write_csv(tmp_path, "t.csv", PULSE_TICKETS + f"A-1,email,solved,alice@example.com,,{AT},,60,1,0\n")

    with pytest.raises(CommandError, match="You may not write tickets or survey responses"):
        call_command("import_tickets", str(csv_file), "--profile", tickets_profile, "--as-user", agent.username)

    assert not Ticket.objects.exists()
