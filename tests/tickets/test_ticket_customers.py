"""The customer a ticket or survey response is for: named by `customer_external_id` on the API, by the
organisation / company column of an import, and by the helpdesk connectors (which create the customer)."""

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from config.errors import BatchValidationError
from surveys.models import SurveyResponse
from surveys.services import survey_responses_upsert
from tests.factories import TicketFactory
from tickets.customers.models import Customer
from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import Ticket
from tickets.services import tickets_upsert

pytestmark = pytest.mark.django_db

AT = "2026-03-02T09:00:00+01:00"
UNKNOWN = "No customer with external id “NOPE-9”; upsert it first at /api/v1/customers/."
# What a writer who may not name every customer (a leader) is told, of a missing customer and of one their teams
# never served alike.
NOT_OURS = (
    "No customer with external id “{}” among your teams' customers; a customer new to your teams is linked by the "
    "helpdesk sync, an admin or a customer manager."
)


@pytest.fixture
def acme(db):
    return Customer.objects.create(external_id="ACME-001", name="Acme Corporation", started_on=dt.date(2025, 1, 15))


@pytest.fixture
def globex(db):
    return Customer.objects.create(external_id="GLX-2", name="Globex", started_on=dt.date(2024, 6, 1))


@pytest.fixture
def leader_api(leader, agent):
    client = APIClient()
    client.force_authenticate(user=leader)
    return client


@pytest.fixture
def served(agent, acme, globex):
    """Acme and Globex are customers of the leader's team: the helpdesk sync linked a ticket of each (as the
    system). A leader names only the customers their teams serve."""
    for customer in (acme, globex):
        TicketFactory(external_id=f"SYNC-{customer.external_id}", agent=agent, customer=customer)


def ticket(**overrides):
    record = {
        "external_id": "ZD-1",
        "channel": "email",
        "status": "solved",
        "agent_email": "alice@example.com",
        "created_at": AT,
        "solved_at": "2026-03-02T12:00:00+01:00",
    }
    record.update(overrides)
    return record


def survey(**overrides):
    record = {"external_id": "SV-1", "kind": "csat", "score": 5, "responded_at": AT, "ticket_external_id": "ZD-1"}
    record.update(overrides)
    return record


def json_with(data, old: str, new: str):
    """`data` with every `old` text replaced by `new` (an answer about one id read as about another)."""
    return json.loads(json.dumps(data, ensure_ascii=False).replace(old, new))


def rows():
    """Every ticket and response with its customer's external id (what a refused write must leave as it was)."""
    return (
        sorted(Ticket.objects.values_list("external_id", "customer__external_id", "updated_at")),
        sorted(SurveyResponse.objects.values_list("external_id", "customer__external_id", "updated_at")),
    )


# ---- API ------------------------------------------------------------------------------------------


def test_a_ticket_names_changes_keeps_and_clears_its_customer_through_the_api(leader_api, acme, globex, served):
    created = leader_api.post("/api/v1/tickets/", ticket(customer_external_id="ACME-001"), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["customer_external_id"] == "ACME-001"
    pk = created.json()["id"]
    assert Ticket.objects.get(pk=pk).customer == acme

    changed = leader_api.patch(f"/api/v1/tickets/{pk}/", {"customer_external_id": " GLX-2 "}, format="json")
    assert changed.json()["customer_external_id"] == "GLX-2"

    # A change that does not mention the customer keeps it (PATCH and PUT alike).
    kept = leader_api.patch(f"/api/v1/tickets/{pk}/", {"category": "billing"}, format="json")
    replaced = leader_api.put(f"/api/v1/tickets/{pk}/", ticket(category="refunds"), format="json")
    assert kept.json()["customer_external_id"] == replaced.json()["customer_external_id"] == "GLX-2"

    cleared = leader_api.patch(f"/api/v1/tickets/{pk}/", {"customer_external_id": None}, format="json")
    assert cleared.json()["customer_external_id"] is None
    assert Ticket.objects.get(pk=pk).customer is None
    assert leader_api.get(f"/api/v1/tickets/{pk}/").json()["customer_external_id"] is None


def test_an_unknown_customer_is_a_field_error_and_nothing_is_written(leader_api, acme, served):
    leader_api.post("/api/v1/tickets/", ticket(customer_external_id="ACME-001"), format="json")
    pk = Ticket.objects.get(external_id="ZD-1").pk
    before = rows()

    single = leader_api.post(
        "/api/v1/tickets/", ticket(external_id="ZD-2", customer_external_id="NOPE-9"), format="json"
    )
    patch = leader_api.patch(f"/api/v1/tickets/{pk}/", {"customer_external_id": "NOPE-9"}, format="json")
    bulk = leader_api.post(
        "/api/v1/tickets/bulk/",
        {
            "records": [
                ticket(external_id="ZD-3", customer_external_id="ACME-001"),
                ticket(customer_external_id="NOPE-9"),
            ]
        },
        format="json",
    )
    response = leader_api.post("/api/v1/survey-responses/", survey(customer_external_id="NOPE-9"), format="json")

    assert single.status_code == patch.status_code == bulk.status_code == response.status_code == 400
    unknown = NOT_OURS.format("NOPE-9")
    assert single.json()["errors"] == {"customer_external_id": [unknown]}
    assert patch.json()["errors"] == {"customer_external_id": [unknown]}
    assert bulk.json()["errors"] == {"1": {"customer_external_id": [unknown]}}  # all or nothing: ZD-3 not written
    assert response.json()["errors"] == {"customer_external_id": [unknown]}
    assert rows() == before
    # The system (a sync, the operator's shell) and a customer writer are pointed at the customers API.
    with pytest.raises(BatchValidationError) as by_system:
        tickets_upsert(records=[ticket(external_id="ZD-4", customer_external_id="NOPE-9")], actor=None)
    assert by_system.value.errors == {0: {"customer_external_id": [UNKNOWN]}}


def test_a_leader_naming_a_customer_their_teams_never_served_is_told_it_does_not_exist_and_still_cannot_read_it(
    leader, leader_api, acme, globex
):
    """A leader's ticket naming a customer would make it "served" by their team, MRR and all: only the customers
    their teams already serve can be named, and another reads exactly like a missing one (API, bulk, survey
    responses, PATCH of their own ticket)."""
    TicketFactory(external_id="SYNC-1", agent=leader.led_teams.get().agents.get(), customer=acme)
    own = leader_api.post("/api/v1/tickets/", ticket(customer_external_id="ACME-001"), format="json")
    assert own.status_code == 201, own.content
    before = rows()
    assert leader_api.get("/api/v1/customers/GLX-2/").status_code == 404

    answers = {}
    for external_id in ("GLX-2", "NOPE-9"):
        answers[external_id] = [
            leader_api.post(
                "/api/v1/tickets/", ticket(external_id="ZD-2", customer_external_id=external_id), format="json"
            ),
            leader_api.patch(
                f"/api/v1/tickets/{own.json()['id']}/", {"customer_external_id": external_id}, format="json"
            ),
            leader_api.post(
                "/api/v1/tickets/bulk/",
                {"records": [ticket(external_id="ZD-3", customer_external_id=external_id)]},
                format="json",
            ),
            leader_api.post("/api/v1/survey-responses/", survey(customer_external_id=external_id), format="json"),
        ]
    for globex_answer, missing_answer in zip(answers["GLX-2"], answers["NOPE-9"], strict=True):
        assert globex_answer.status_code == missing_answer.status_code == 400
        assert globex_answer.json() == json_with(missing_answer.json(), "NOPE-9", "GLX-2")
    assert rows() == before
    assert leader_api.get("/api/v1/customers/GLX-2/").status_code == 404
    assert leader_api.get("/api/v1/customers/GLX-2/mrr-history/").status_code == 404


def test_a_survey_response_takes_its_tickets_customer_unless_it_names_one(leader_api, acme, globex, served):
    leader_api.post("/api/v1/tickets/", ticket(customer_external_id="ACME-001"), format="json")

    inherited = leader_api.post("/api/v1/survey-responses/", survey(), format="json")
    named = leader_api.post(
        "/api/v1/survey-responses/", survey(external_id="SV-2", customer_external_id="GLX-2"), format="json"
    )
    none = leader_api.post(
        "/api/v1/survey-responses/", survey(external_id="SV-3", customer_external_id=None), format="json"
    )

    assert inherited.status_code == 201, inherited.content
    assert (inherited.json()["customer_external_id"], named.json()["customer_external_id"]) == ("ACME-001", "GLX-2")
    assert none.json()["customer_external_id"] is None
    assert sorted(SurveyResponse.objects.values_list("external_id", "customer__external_id")) == [
        ("SV-1", "ACME-001"),
        ("SV-2", "GLX-2"),
        ("SV-3", None),
    ]


def test_a_leader_cannot_write_another_teams_ticket_or_response_by_naming_a_customer(
    leader, outside_agent, acme, leader_api
):
    owl = TicketFactory(external_id="OWL-1", agent=outside_agent, team=outside_agent.team)
    before = rows()

    through_api = leader_api.post(
        "/api/v1/tickets/", ticket(external_id="OWL-1", customer_external_id="ACME-001"), format="json"
    )
    with pytest.raises(BatchValidationError) as through_service:
        tickets_upsert(records=[ticket(external_id="OWL-1", customer_external_id="ACME-001")], actor=leader)
    with pytest.raises(BatchValidationError) as response_service:
        survey_responses_upsert(
            records=[survey(ticket_external_id="OWL-1", customer_external_id="ACME-001")], actor=leader
        )

    assert through_api.json()["errors"] == {"external_id": ["This external_id is used by a record you may not change."]}
    assert through_service.value.errors == {
        0: {"external_id": ["This external_id is used by a record you may not change."]}
    }
    assert response_service.value.errors[0]["ticket_external_id"] == ["No ticket “OWL-1”."]
    owl.refresh_from_db()
    assert owl.customer is None and rows() == before


# ---- CSV import -------------------------------------------------------------------------------------

ZENDESK_HEADER = "Id,Group,Assignee,Status,Via,Created at,Solved at,Organization\n"


def zendesk_csv(tmp_path, *lines: str):
    path = tmp_path / "zendesk.csv"
    path.write_text(ZENDESK_HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_the_organization_column_names_the_customer_by_external_id_or_by_its_only_name(tmp_path, agent, acme, globex):
    Customer.objects.create(external_id="TWIN-1", name="Twins", started_on=dt.date(2025, 1, 1))
    Customer.objects.create(external_id="TWIN-2", name="twins", started_on=dt.date(2025, 1, 1))
    path = zendesk_csv(
        tmp_path,
        "1,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 10:00:00,ACME-001",
        "2,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 10:00:00,GLOBEX",
        "3,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 10:00:00,",
        "4,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 10:00:00,Initech",
        "5,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 10:00:00,Twins",
    )
    report = rows_import(path=path, profile=profile_load(name_or_path="zendesk", kind="tickets"))

    assert (report.created, report.failed) == (3, 2)
    assert sorted(Ticket.objects.values_list("external_id", "customer__external_id")) == [
        ("1", "ACME-001"),
        ("2", "GLX-2"),  # by name, case aside: the one customer called Globex
        ("3", None),
    ]
    assert [(e.line, e.column, e.field, e.message) for e in report.errors] == [
        (
            5,
            "Organization",
            "customer_external_id",
            "No customer with external id “Initech”; upsert it first at /api/v1/customers/.",
        ),
        (
            6,
            "Organization",
            "customer_external_id",
            "Several customers are named “Twins”: give the customer's external id.",
        ),
    ]


def test_a_reimport_with_another_organisation_moves_the_ticket_and_its_rating(tmp_path, agent, acme, globex):
    profile = profile_load(name_or_path="zendesk", kind="tickets")
    header = "Id,Group,Assignee,Status,Via,Created at,Solved at,Satisfaction Score,Organization\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(
        header + "1,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00,2026-03-02 10:00,Good,ACME-001\n"
    )
    second.write_text(
        header + "1,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00,2026-03-02 10:00,Good,GLX-2\n"
    )

    assert rows_import(path=first, profile=profile).surveys_created == 1
    again = rows_import(path=first, profile=profile)
    moved = rows_import(path=second, profile=profile)

    assert (again.unchanged, again.updated) == (1, 0)
    assert (moved.updated, moved.surveys_updated) == (1, 1)
    assert Ticket.objects.get().customer == globex
    assert SurveyResponse.objects.get().customer == globex  # the rating follows its ticket's customer


def test_a_leaders_import_cannot_touch_another_teams_ticket_through_its_organisation(
    tmp_path, leader, agent, outside_agent, acme
):
    owl = TicketFactory(external_id="9", agent=outside_agent, team=outside_agent.team)
    path = zendesk_csv(tmp_path, "9,Owls,carol@example.com,Solved,Email,2026-03-02 09:00:00,,ACME-001")

    report = rows_import(path=path, profile=profile_load(name_or_path="zendesk", kind="tickets"), actor=leader)

    assert (report.created, report.updated, report.failed) == (0, 0, 1)
    owl.refresh_from_db()
    assert owl.customer is None


def test_a_survey_import_names_the_customer_in_its_customer_external_id_column(tmp_path, agent, acme):
    TicketFactory(external_id="T-1", agent=agent, team=agent.team, customer=None)
    path = tmp_path / "surveys.csv"
    path.write_text(
        "external_id,ticket_external_id,kind,score,responded_at,customer_external_id\n"
        "S-1,T-1,csat,5,2026-03-02T10:00:00+00:00,ACME-001\n"
        "S-2,T-1,csat,4,2026-03-02T10:00:00+00:00,NOPE-9\n"
    )
    report = rows_import(path=path, profile=profile_load(name_or_path="pulse", kind="surveys"))

    assert (report.created, report.failed) == (1, 1)
    assert SurveyResponse.objects.get().customer == acme
    assert [(e.column, e.message) for e in report.errors] == [("customer_external_id", UNKNOWN)]


def test_a_ticket_that_changes_customer_marks_its_surveys_days(acme, globex, agent):
    """Its answers change customer with it (the outcomes read a response's customer through its ticket), so the
    days they count on are refreshed, and the figures cached under those days' counts read again."""
    from kpis.models import DirtyDay

    tickets_upsert(records=[ticket(customer_external_id="ACME-001")], actor=None)
    answered = "2026-03-09T10:00:00+01:00"  # a week after the ticket's own days
    survey_responses_upsert(records=[survey(responded_at=answered)], actor=None)
    DirtyDay.objects.all().delete()

    tickets_upsert(records=[ticket(customer_external_id="ACME-001", handle_time_seconds=60)], actor=None)
    assert dt.date(2026, 3, 9) not in set(DirtyDay.objects.values_list("date", flat=True))  # same customer

    tickets_upsert(records=[ticket(customer_external_id="GLX-2")], actor=None)
    assert set(DirtyDay.objects.values_list("date", flat=True)) == {dt.date(2026, 3, 2), dt.date(2026, 3, 9)}
