"""The target page keeps values on their KPI's scale, and its check never fails on a partly filled form."""

import datetime as dt

import pytest
from django.utils.html import strip_tags

from kpis.models import Scope, Target

pytestmark = pytest.mark.django_db

NEEDS_VALUE = "Type a target value on the KPI's scale (from 0 to 100 %) to see the pitfall signals."
BASELINE = "<strong>80.0 %</strong> (n = 15)"


@pytest.fixture
def org_target(team_data, today):
    """The team's own CSAT target gone, an org-wide one in force: the page compares a draft with it."""
    team_data["target"].delete()
    return Target.objects.create(
        kpi="csat", scope=Scope.ORG, effective_from=today - dt.timedelta(days=100), value=80, rationale="Loyalty"
    )


def form(team, **fields) -> dict:
    return {"kpi": "csat", "scope": "team", "team": team.pk, "effective_from": "2026-01-01", **fields}


def panel_of(response) -> str:
    page = response.content.decode()
    return page[page.index('id="panel-heading"') :]


def test_checking_before_a_value_is_typed_shows_the_baseline_alone(client, leader, team, org_target):
    client.force_login(leader)
    response = client.post("/targets/new/", form(team, check="1"))
    assert response.status_code == 200
    panel = panel_of(response)
    assert BASELINE in panel and "Suggested next target" in panel
    assert NEEDS_VALUE in panel
    assert "Signal raised" not in panel
    assert list(Target.objects.values_list("scope", flat=True)) == [Scope.ORG]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "-5"}, "Customer Satisfaction: give a value from 0 to 100 %."),
        ({"value": "200"}, "Customer Satisfaction: give a value from 0 to 100 %."),
        ({"value": "nan"}, "Enter a number."),
        ({"value": "1e400"}, "Enter a number."),
        ({"value": "eighty"}, "Enter a number."),
    ],
)
def test_checking_an_off_scale_value_answers_the_field_error_and_the_baseline(
    client, leader, team, org_target, fields, message
):
    client.force_login(leader)
    response = client.post("/targets/new/", form(team, check="1", **fields))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert BASELINE in panel_of(response) and NEEDS_VALUE in panel_of(response)
    assert Target.objects.count() == 1


def test_checking_an_off_scale_stretch_still_shows_the_signals_of_the_value(client, leader, team, org_target):
    client.force_login(leader)
    response = client.post("/targets/new/", form(team, value="70", stretch="150", check="1"))
    assert response.status_code == 200
    assert "Customer Satisfaction: give a value from 0 to 100 %." in response.content.decode()
    # The value is on the scale: pitfall 4 compares it with the org target of 80 %.
    assert "team target 70.0 % is less ambitious than the org target 80.0 %" in strip_tags(panel_of(response))


@pytest.mark.parametrize(
    ("kpi", "fields", "field_error"),
    [
        ("nps", {"value": "500"}, "Net Promoter Score: give a value from -100 to 100."),
        ("ces", {"value": "99"}, "Customer Effort Score: give a value from 1 to 7."),
        # Durations are typed in minutes or h:mm; their scale reads in the same human units.
        ("aht", {"value": "-10"}, "Average Handling Time: give a duration above 0 s and at most 24 h."),
        ("aht", {"value": "24:01"}, "Average Handling Time: give a duration above 0 s and at most 24 h."),
        ("aht", {"value": "330 s"}, "Type the duration in minutes (e.g. 5.5) or as h:mm (e.g. 1:30)."),
        ("aht", {"value": "5:75"}, "Type the duration in minutes (e.g. 5.5) or as h:mm (e.g. 1:30)."),
        ("frt", {"value": "0"}, "First Response Time: give a duration above 0 s and at most 30 d."),
        ("frt", {"value": "5", "stretch": "nan"}, "Type the duration in minutes (e.g. 5.5) or as h:mm (e.g. 1:30)."),
        ("resolution_rate", {"value": "90", "stretch": "150"}, "Resolution Rate: give a value from 0 to 100 %."),
    ],
)
def test_saving_an_off_scale_target_is_refused_and_nothing_written(client, leader, team, kpi, fields, field_error):
    client.force_login(leader)
    response = client.post("/targets/new/", form(team, kpi=kpi, save="1", **fields))
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not Target.objects.exists()
