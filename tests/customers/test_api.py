"""/api/v1/customers/: scoped reads (404 out of scope), MRR hidden from agents, filters, bulk upsert."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tickets.customers.models import Customer, MrrChange

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def listed(user, query=""):
    response = api(user).get(URL + query)
    assert response.status_code == 200, response.content
    return {row["external_id"]: row["mrr"] for row in response.json()["results"]}


def test_admins_see_every_customer_with_mrr(customers, admin_user):
    assert listed(admin_user) == {"ACME": "120.00", "GLOBEX": "50.00", "INITECH": "80.00", "UMBRELLA": "10.00"}


def test_a_leader_sees_the_customers_their_teams_served_with_mrr(customers, leader, other_leader):
    assert listed(leader) == {"ACME": "120.00", "GLOBEX": "50.00"}
    assert listed(other_leader) == {"INITECH": "80.00"}


def test_an_agent_sees_the_customers_of_their_tickets_without_revenue(customers, agent, other_agent):
    assert listed(agent) == {"ACME": None, "GLOBEX": None}
    assert listed(other_agent) == {}
    detail = api(agent).get(URL + "ACME/")
    assert detail.status_code == 200 and detail.json()["mrr"] is None
    history, missing = api(agent).get(URL + "ACME/mrr-history/"), api(agent).get(URL + "NOPE/mrr-history/")
    assert history.status_code == missing.status_code == 404
    assert history.json() == missing.json() == {"detail": "No Customer matches the given query."}


def test_hr_sees_no_customer(customers, hr):
    assert listed(hr) == {}
    assert api(hr).get(URL + "ACME/").status_code == 404


def test_anonymous_is_401(customers):
    assert api(None).get(URL).status_code == 401


@pytest.mark.parametrize(
    ("who", "external_id"),
    [("leader", "INITECH"), ("leader", "UMBRELLA"), ("other_leader", "ACME"), ("agent", "INITECH")],
)
def test_a_customer_outside_scope_is_404_like_one_that_does_not_exist(request, customers, who, external_id):
    user = request.getfixturevalue(who)
    out_of_scope = api(user).get(f"{URL}{external_id}/")
    missing = api(user).get(f"{URL}NOPE/")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert api(user).get(f"{URL}{external_id}/mrr-history/").status_code == 404


def test_retrieve_and_mrr_history(customers, leader):
    body = api(leader).get(URL + "ACME/").json()
    assert body == {
        "external_id": "ACME",
        "name": "Acme",
        "segment": "SMB",
        "plan": "Pro",
        "started_on": "2025-01-01",
        "churned_on": None,
        "active": True,
        "mrr": "120.00",
        "updated_at": body["updated_at"],
    }
    history = api(leader).get(URL + "ACME/mrr-history/")
    assert history.json() == [
        {"effective_on": "2025-01-01", "mrr": "100.00"},
        {"effective_on": "2025-06-01", "mrr": "120.00"},
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?segment=SMB", {"ACME", "INITECH", "UMBRELLA"}),
        ("?plan=Basic", {"GLOBEX", "UMBRELLA"}),
        ("?active=false", {"GLOBEX"}),
        ("?active=true&segment=SMB&plan=Pro", {"ACME", "INITECH"}),
        ("?search=glob", {"GLOBEX"}),
    ],
)
def test_filters(customers, admin_user, query, expected):
    assert set(listed(admin_user, query)) == expected


def test_the_team_filter_keeps_the_customers_a_team_served_within_the_readers_tickets(
    customers, admin_user, leader, team, other_team
):
    assert set(listed(admin_user, f"?team={team.pk}")) == {"ACME", "GLOBEX"}
    assert set(listed(admin_user, f"?team={other_team.pk}")) == {"INITECH"}
    assert set(listed(leader, f"?team={other_team.pk}")) == set()  # not a team they lead: nothing to learn
    assert api(admin_user).get(URL + "?team=abc").status_code == 400


BULK = [
    {
        "external_id": "NEW-1",
        "name": "Newco",
        "segment": "SMB",
        "plan": "Pro",
        "started_on": "2025-04-01",
        "mrr": "30.00",
    },
    {"external_id": "ACME", "name": "Acme", "segment": "SMB", "plan": "Pro", "started_on": "2025-01-01"},
    {
        "external_id": "UMBRELLA",
        "name": "Umbrella",
        "segment": "SMB",
        "plan": "Basic",
        "started_on": "2025-01-01",
        "churned_on": "2025-11-30",
    },
]


def test_bulk_upsert_counts_created_updated_unchanged(customers, admin_user):
    response = api(admin_user).post(URL + "bulk/", {"records": BULK}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 1, "total": 3}
    assert Customer.objects.get(external_id="UMBRELLA").churned_on == dt.date(2025, 11, 30)
    assert list(MrrChange.objects.filter(customer__external_id="NEW-1").values_list("effective_on", "mrr")) == [
        (dt.date(2025, 4, 1), Decimal("30.00"))
    ]


def test_bulk_errors_are_per_record_index_and_nothing_is_written(customers, admin_user):
    records = [BULK[0], {**BULK[2], "churned_on": "2024-01-01"}, {**BULK[1], "mrr": 10.5, "colour": "red"}]
    response = api(admin_user).post(URL + "bulk/", {"records": records}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1", "2"}
    assert errors["1"] == {"churned_on": ["A customer cannot churn before they started (started_on)."]}
    assert set(errors["2"]) == {"mrr", "colour"}
    assert not Customer.objects.filter(external_id="NEW-1").exists()
    assert Customer.objects.get(external_id="UMBRELLA").churned_on is None


@pytest.mark.parametrize("body", [{}, {"records": []}, {"records": "x"}, [], {"records": [1]}])
def test_a_malformed_bulk_body_is_a_400(customers, admin_user, body):
    response = api(admin_user).post(URL + "bulk/", body, format="json")
    assert response.status_code == 400
    assert "records" in response.json()["errors"] or "0" in response.json()["errors"]


@pytest.mark.parametrize("who", ["leader", "agent", "hr"])
def test_only_admins_and_customer_writers_may_bulk_upsert(request, customers, who):
    response = api(request.getfixturevalue(who)).post(URL + "bulk/", {"records": BULK}, format="json")
    assert response.status_code == 403
    assert not Customer.objects.filter(external_id="NEW-1").exists()


def test_a_customer_writer_reads_and_writes_every_customer(customers, crm):
    assert len(listed(crm)) == 4
    response = api(crm).post(URL + "bulk/", {"records": BULK}, format="json")
    assert response.json()["created"] == 1


def test_the_schema_documents_the_customer_endpoints(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--file", str(path))
    text = path.read_text()
    for endpoint in (
        "/api/v1/customers/",
        "/api/v1/customers/{external_id}/",
        "/api/v1/customers/{external_id}/mrr-history/",
        "/api/v1/customers/bulk/",
    ):
        assert f"  {endpoint}:" in text, endpoint
    assert "CustomerUpsertResult" in text and "mrr_history" in text
