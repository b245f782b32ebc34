"""Who reads outcomes (API and pages): leaders their teams' with revenue, agents their own team's without any
revenue figure, HR none, admins every team and the org; out of scope is 404 exactly like a team that does not
exist. The endpoint is in the OpenAPI schema and costs the same queries whatever the data."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.outcomes.builders import customers, mrr_change, refresh, ticket

UTC = dt.UTC
MARCH = "period=custom&date_from=2026-03-01&date_to=2026-03-31"

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def served(team, agent):
    """The Falcons serve 12 customers paying 100.00 a month in March; 3 churn; one upgrades to 160.00."""
    rows = customers(9, mrr="100.00") + customers(3, mrr="100.00", churned_on=dt.date(2026, 3, 20))
    for customer in rows:
        ticket(customer, agent, created_at=dt.datetime(2026, 3, 4, 10, tzinfo=UTC))
    mrr_change(rows[0], dt.date(2025, 1, 1), "100.00")
    mrr_change(rows[0], dt.date(2026, 3, 10), "160.00")
    refresh(team)
    return rows


def figures(body) -> dict:
    return {figure["code"]: figure for figure in body["figures"]}


def test_a_leader_reads_their_teams_outcomes_with_revenue(leader, team, served):
    response = api_for(leader).get(f"/api/v1/outcomes/?team={team.pk}&{MARCH}")
    assert response.status_code == 200
    body = response.json()
    assert (body["scope"], body["team"], body["team_name"], body["revenue_shown"]) == ("team", team.pk, "Falcons", True)
    assert body["customers"] == {"served": 12, "at_start": 12, "churned": 3, "new": 0, "at_end": 9}
    by_code = figures(body)
    assert by_code["churn_rate"]["value"] == "25.00" and by_code["churn_rate"]["n"] == 12
    assert by_code["churn_rate"]["low_confidence"] is False
    assert by_code["mrr"]["value"] == "960.00"  # 8 × 100 + 160
    assert by_code["nrr"]["value"] == "80.00"  # 960 ÷ 1,200
    assert by_code["clv"]["value"] == "400.00"  # 100 ÷ 25 %
    assert body["months"] == 1.0
    assert [sum(group["n"] for group in grouping["groups"]) for grouping in body["panel"]] == [12, 12, 12, 12]


def test_an_agent_reads_their_teams_churn_but_no_revenue_figure(agent, team, served):
    response = api_for(agent).get(f"/api/v1/outcomes/?team={team.pk}&{MARCH}")
    assert response.status_code == 200
    body = response.json()
    assert body["revenue_shown"] is False
    assert set(figures(body)) == {"churn_rate", "retention_rate"}
    assert "960" not in response.content.decode() and "mrr" not in response.content.decode()


@pytest.mark.parametrize("who", ["other_leader", "outside_agent", "hr"])
def test_out_of_scope_is_404_exactly_like_a_team_that_does_not_exist(request, who, team, served):
    user = request.getfixturevalue(who)
    out_of_scope = api_for(user).get(f"/api/v1/outcomes/?team={team.pk}&{MARCH}")
    missing = api_for(user).get(f"/api/v1/outcomes/?team=999999&{MARCH}")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()


@pytest.mark.parametrize("who", ["leader", "agent", "hr"])
def test_the_org_outcomes_are_for_admins_only(request, who, served):
    assert api_for(request.getfixturevalue(who)).get(f"/api/v1/outcomes/?{MARCH}").status_code == 404


def test_an_admin_reads_the_org_and_any_team(admin_user, team, served):
    customers(4, mrr="10.00")  # served by nobody: in the org's figures, not the team's
    org = api_for(admin_user).get(f"/api/v1/outcomes/?{MARCH}").json()
    assert (org["scope"], org["team"], org["customers"]["at_start"], org["customers"]["served"]) == (
        "org",
        None,
        16,
        12,
    )
    assert figures(org)["mrr"]["value"] == "1000.00"
    assert api_for(admin_user).get(f"/api/v1/outcomes/?team={team.pk}&{MARCH}").status_code == 200


def test_bad_parameters_are_field_errors(leader, team):
    response = api_for(leader).get("/api/v1/outcomes/?team=abc&period=fortnight")
    assert response.status_code == 400
    body = response.content.decode()
    assert "team" in body and "period" in body
    anonymous = APIClient().get(f"/api/v1/outcomes/?team={team.pk}")
    assert anonymous.status_code == 401


def test_the_endpoint_costs_the_same_queries_for_few_or_many_customers(
    leader, team, agent, served, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/outcomes/?team={team.pk}&{MARCH}"
    api_for(leader).get(url)  # warm: the first request of a process reads a few settings rows
    with CaptureQueriesContext(connection) as few:
        assert api_for(leader).get(url).status_code == 200
    for customer in customers(40):
        ticket(customer, agent, created_at=dt.datetime(2026, 3, 6, tzinfo=UTC))
    refresh(team)
    with CaptureQueriesContext(connection) as many:
        assert api_for(leader).get(url).json()["customers"]["served"] == 52
    assert len(few) == len(many)


def test_the_outcomes_endpoint_is_in_the_schema(tmp_path, capsys):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--file", str(path))
    # The whole schema's no-warning rule is tests/api/test_schema.py's; none of the warnings may be ours.
    assert "outcome" not in capsys.readouterr().err.lower()
    text = path.read_text()
    assert "  /api/v1/outcomes/:" in text
    assert "OutcomeReport" in text and "difference_low" in text


# ---- pages ---------------------------------------------------------------------------------


def test_the_team_dashboard_shows_the_outcomes_panel_to_its_leader(client, leader, team, served):
    client.force_login(leader)
    page = client.get(f"/teams/{team.pk}/?{MARCH}").content.decode()
    assert "Customer outcomes" in page
    assert 'data-outcome="churn_rate"' in page and "25.0 %" in page and "n = 12 customers" in page
    assert 'data-outcome="mrr"' in page and "960.00 USD" in page
    assert 'data-grouping="csat"' in page and "too few customers to say" in page


def test_hr_sees_the_dashboard_without_any_outcome(client, hr, team, served):
    client.force_login(hr)
    response = client.get(f"/teams/{team.pk}/?{MARCH}")
    assert response.status_code == 200
    assert "Customer outcomes" not in response.content.decode()


def test_the_org_outcomes_page_is_for_admins(client, admin_user, leader, served):
    client.force_login(leader)
    assert client.get(f"/outcomes/?{MARCH}").status_code == 404
    client.force_login(admin_user)
    page = client.get(f"/outcomes/?{MARCH}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Every customer." in text and 'data-outcome="nrr"' in text and "80.0 %" in text
