"""Tickets and survey responses through the API: every rule of SPEC §2 is a 400 with field errors
and an unchanged database, for single and bulk writes; re-sending updates; ingestion marks dirty days."""

import datetime as dt

import pytest

from kpis.models import DirtyDay
from surveys.models import SurveyResponse
from tickets.models import Ticket

CREATED = "2026-03-02T09:00:00+01:00"


def ticket(**overrides):
    record = {
        "external_id": "ZD-1",
        "channel": "email",
        "status": "solved",
        "agent_email": "alice@example.com",
        "created_at": CREATED,
        "first_response_at": "2026-03-02T09:30:00+01:00",
        "solved_at": "2026-03-02T12:00:00+01:00",
        "handle_time_seconds": 420,
        "agent_replies": 1,
        "reopened_count": 0,
    }
    record.update(overrides)
    return record


def survey(**overrides):
    record = {
        "external_id": "SV-1",
        "agent_email": "alice@example.com",
        "kind": "csat",
        "score": 5,
        "responded_at": "2026-03-03T10:00:00+01:00",
    }
    record.update(overrides)
    return record


def database_state():
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(SurveyResponse.objects.order_by("pk").values()),
        list(DirtyDay.objects.order_by("pk").values_list("team_id", "date")),
    )


@pytest.fixture
def admin_api(api, admin_user, agent):
    return api(admin_user)


# rule: (path, bad record, field that carries the error)
BAD_TICKETS = {
    "unknown channel": (ticket(channel="fax"), "channel"),
    "naive created_at": (ticket(created_at="2026-03-02T09:00:00"), "created_at"),
    "naive solved_at": (ticket(solved_at="2026-03-02T12:00:00"), "solved_at"),
    "solved before created": (ticket(solved_at="2026-03-02T08:00:00+01:00"), "solved_at"),
    "first response before created": (ticket(first_response_at="2026-03-02T08:59:00+01:00"), "first_response_at"),
    "negative handle time": (ticket(handle_time_seconds=-1), "handle_time_seconds"),
    "negative replies": (ticket(agent_replies=-2), "agent_replies"),
    "unknown agent": (ticket(agent_email="nobody@example.com"), "agent_email"),
    "unknown team": (ticket(agent_email="", team_slug="nope"), "team_slug"),
    "not a date": (ticket(created_at="yesterday"), "created_at"),
    "missing external_id": ({k: v for k, v in ticket().items() if k != "external_id"}, "external_id"),
}
BAD_SURVEYS = {
    "CSAT of 6": (survey(kind="csat", score=6), "score"),
    "CSAT of 0": (survey(kind="csat", score=0), "score"),
    "NPS of -1": (survey(kind="nps", score=-1), "score"),
    "NPS of 11": (survey(kind="nps", score=11), "score"),
    "CES of 0": (survey(kind="ces", score=0), "score"),
    "CES of 8": (survey(kind="ces", score=8), "score"),
    "unknown kind": (survey(kind="ces2"), "kind"),
    "naive responded_at": (survey(responded_at="2026-03-03T10:00:00"), "responded_at"),
    "unknown ticket": (survey(ticket_external_id="ZD-404"), "ticket_external_id"),
    "score not a number": (survey(score="five"), "score"),
}


@pytest.mark.parametrize("rule", BAD_TICKETS)
def test_a_bad_ticket_is_a_field_error_and_writes_nothing(admin_api, rule):
    bad, field = BAD_TICKETS[rule]
    admin_api.post("/api/v1/tickets/", ticket(external_id="ZD-0"), format="json")
    before = database_state()
    response = admin_api.post("/api/v1/tickets/", bad, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == [field], body
    assert database_state() == before


@pytest.mark.parametrize("rule", BAD_TICKETS)
def test_a_bad_ticket_fails_its_whole_batch_with_its_index(admin_api, rule):
    bad, field = BAD_TICKETS[rule]
    before = database_state()
    good = [ticket(external_id=f"ZD-{i}") for i in range(3)]
    bad = {**bad, "external_id": "ZD-bad"} if "external_id" in bad else bad
    response = admin_api.post("/api/v1/tickets/bulk/", {"records": [*good, bad]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["3"]
    assert list(body["errors"]["3"]) == [field]
    assert body["detail"] == "1 record invalid; nothing was written."
    assert database_state() == before


@pytest.mark.parametrize("rule", BAD_SURVEYS)
def test_a_bad_survey_response_is_a_field_error_and_writes_nothing(admin_api, rule):
    bad, field = BAD_SURVEYS[rule]
    admin_api.post("/api/v1/survey-responses/", survey(external_id="SV-0"), format="json")
    before = database_state()
    response = admin_api.post("/api/v1/survey-responses/", bad, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field], response.json()
    assert database_state() == before


@pytest.mark.parametrize("rule", BAD_SURVEYS)
def test_a_bad_survey_response_fails_its_whole_batch(admin_api, rule):
    bad, field = BAD_SURVEYS[rule]
    before = database_state()
    response = admin_api.post(
        "/api/v1/survey-responses/bulk/", {"records": [survey(external_id="SV-ok"), bad]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"1": {field: response.json()["errors"]["1"][field]}}
    assert database_state() == before


def test_a_duplicate_external_id_in_one_batch_is_refused(admin_api):
    before = database_state()
    records = [ticket(external_id="ZD-1"), ticket(external_id="ZD-2"), ticket(external_id="ZD-1")]
    response = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "2": {"external_id": ["Appears more than once in this batch (first at index 0)."]}
    }
    surveys = [survey(external_id="SV-1"), survey(external_id="SV-1")]
    response = admin_api.post("/api/v1/survey-responses/bulk/", {"records": surveys}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["1"]
    assert database_state() == before


def test_errors_of_several_records_are_all_reported(admin_api):
    # Type errors (DRF) are reported first, for every record; then the rules of the service, for every record.
    records = [ticket(external_id="A", channel="fax"), ticket(external_id="B"), ticket(external_id="C", score=1)]
    records[2]["created_at"] = "soon"
    response = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "0": {"channel": ['"fax" is not a valid choice.']},
        "2": {
            "created_at": [
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            ]
        },
    }
    records = [
        ticket(external_id="A", agent_replies=-1),
        ticket(external_id="B"),
        ticket(external_id="C", handle_time_seconds=-5),
    ]
    response = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert response.json()["errors"] == {
        "0": {"agent_replies": ["Agent replies cannot be negative."]},
        "2": {"handle_time_seconds": ["Handle time cannot be negative."]},
    }
    assert response.json()["detail"] == "2 records invalid; nothing was written."
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "body, message",
    [
        ([], 'Give the records as a JSON list under "records".'),
        ({"records": "x"}, 'Give the records as a JSON list under "records".'),
        ({"records": []}, "Give at least one record."),
        ({"records": [ticket(external_id=f"Z{i}") for i in range(1001)]}, "At most 1000 records per batch."),
    ],
)
def test_a_malformed_batch_is_refused(admin_api, body, message):
    response = admin_api.post("/api/v1/tickets/bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"records": [message]}
    assert Ticket.objects.count() == 0


def test_a_record_that_is_not_an_object_is_an_error_at_its_index(admin_api):
    response = admin_api.post("/api/v1/tickets/bulk/", {"records": [ticket(), "oops"]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["1"]
    assert Ticket.objects.count() == 0


def test_bulk_creates_then_resending_updates_without_duplicates(admin_api, agent):
    records = [ticket(external_id=f"ZD-{i}", handle_time_seconds=100 + i) for i in range(5)]
    first = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert first.status_code == 200
    assert first.json() == {"created": 5, "updated": 0, "total": 5}
    records[2]["handle_time_seconds"] = 999
    again = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert again.json() == {"created": 0, "updated": 5, "total": 5}
    assert Ticket.objects.count() == 5
    assert Ticket.objects.get(external_id="ZD-2").handle_time_seconds == 999
    stored = Ticket.objects.get(external_id="ZD-0")
    assert (stored.agent, stored.team) == (agent, agent.team)
    assert stored.created_at == dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_ingestion_marks_each_team_day_dirty(admin_api, agent, outside_agent):
    # Falcons are in Europe/Paris, Owls in America/New_York: 2026-03-03T02:30Z is the 3rd in Paris, the 2nd in NY.
    records = [
        ticket(external_id="P", created_at="2026-03-03T02:30:00Z", first_response_at=None, solved_at=None),
        ticket(
            external_id="N",
            agent_email="carol@example.com",
            created_at="2026-03-03T02:30:00Z",
            first_response_at=None,
            solved_at=None,
        ),
    ]
    assert admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json").status_code == 200
    assert set(DirtyDay.objects.values_list("team_id", "date")) == {
        (agent.team_id, dt.date(2026, 3, 3)),
        (outside_agent.team_id, dt.date(2026, 3, 2)),
    }
    response = admin_api.post(
        "/api/v1/survey-responses/bulk/",
        {"records": [survey(external_id="S", responded_at="2026-03-10T23:30:00Z")]},
        format="json",
    )
    assert response.status_code == 200
    assert (agent.team_id, dt.date(2026, 3, 11)) in set(DirtyDay.objects.values_list("team_id", "date"))


def test_bulk_issues_no_query_per_record(admin_api, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AgentFactory

    agents = [AgentFactory(team=team, email=f"a{i}@example.com") for i in range(20)]

    def queries_for(prefix: str, count: int) -> int:
        records = [
            ticket(external_id=f"{prefix}-{i}", agent_email=None, agent=agents[i % 20].pk, team=team.pk)
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            response = admin_api.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
        assert response.status_code == 200
        return len(captured)

    small, large = queries_for("S", 30), queries_for("L", 600)
    if connection.vendor == "postgresql":
        assert small == large
    # SQLite binds at most 999 parameters per statement, so Django splits the insert into batches of ~76.
    assert large <= 20
    assert Ticket.objects.count() == 630


def test_single_create_update_and_patch(admin_api, agent, other_agent):
    created = admin_api.post("/api/v1/tickets/", ticket(), format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["agent"] == agent.pk and body["team"] == agent.team_id
    assert body["created_at"] == "2026-03-02T08:00:00Z"
    assert body["handle_time_seconds"] == 420
    again = admin_api.post("/api/v1/tickets/", ticket(handle_time_seconds=500), format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    patched = admin_api.patch(
        f"/api/v1/tickets/{body['id']}/", {"agent_email": "bob@example.com", "status": "closed"}, format="json"
    )
    assert patched.status_code == 200
    assert (patched.json()["agent"], patched.json()["status"]) == (other_agent.pk, "closed")
    assert patched.json()["handle_time_seconds"] == 500  # untouched by the PATCH
    renamed = admin_api.patch(f"/api/v1/tickets/{body['id']}/", {"external_id": "other"}, format="json")
    assert renamed.status_code == 400 and list(renamed.json()["errors"]) == ["external_id"]
    bad = admin_api.patch(f"/api/v1/tickets/{body['id']}/", {"solved_at": "2026-03-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["solved_at"]
    assert Ticket.objects.get().status == "closed"
    assert Ticket.objects.count() == 1


def test_survey_takes_agent_and_team_from_its_ticket(admin_api, agent):
    admin_api.post("/api/v1/tickets/", ticket(), format="json")
    response = admin_api.post(
        "/api/v1/survey-responses/", survey(agent_email="", ticket_external_id="ZD-1"), format="json"
    )
    assert response.status_code == 201
    assert (response.json()["agent"], response.json()["team"]) == (agent.pk, agent.team_id)
    assert response.json()["ticket"] == Ticket.objects.get().pk


def test_a_leader_writes_only_their_teams_records(api, leader, agent, outside_agent):
    client = api(leader)
    own = client.post("/api/v1/tickets/", ticket(), format="json")
    assert own.status_code == 201
    before = database_state()
    other = client.post(
        "/api/v1/tickets/bulk/",
        {"records": [ticket(external_id="ZD-2"), ticket(external_id="ZD-3", agent_email="carol@example.com")]},
        format="json",
    )
    assert other.status_code == 400
    assert list(other.json()["errors"]) == ["1"] and list(other.json()["errors"]["1"]) == ["agent_email"]
    assert database_state() == before
    # A ticket of another team cannot be taken over by re-sending its external_id.
    from tests.factories import TicketFactory

    TicketFactory(external_id="OWL-1", agent=outside_agent)
    before = database_state()
    takeover = client.post("/api/v1/tickets/", ticket(external_id="OWL-1"), format="json")
    assert takeover.status_code == 400 and list(takeover.json()["errors"]) == ["external_id"]
    assert database_state() == before
