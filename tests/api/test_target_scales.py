"""The targets endpoint keeps every value and stretch on its KPI's scale (field errors, nothing written)."""

import pytest

from kpis.models import Target

pytestmark = pytest.mark.django_db


def body(world, **fields) -> dict:
    return {"kpi": "csat", "scope": "team", "team": world.teams["falcons"].pk, "effective_from": "2027-01-01"} | fields


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kpi": "nps", "value": 500}, {"value": ["Net Promoter Score: give a value from -100 to 100."]}),
        ({"kpi": "ces", "value": 99}, {"value": ["Customer Effort Score: give a value from 1 to 7."]}),
        (
            {"kpi": "aht", "value": -10},
            {"value": ["Average Handling Time: give a value above 0 and at most 86,400 seconds."]},
        ),
        (
            {"kpi": "frt", "value": 0},
            {"value": ["First Response Time: give a value above 0 and at most 2,592,000 seconds."]},
        ),
        (
            {"kpi": "resolution_rate", "value": 90, "stretch": 150},
            {"stretch": ["Resolution Rate: give a value from 0 to 100 %."]},
        ),
        ({"value": 10**400}, {"value": ["Integer value too large to convert to float"]}),
        ({"value": "NaN"}, {"value": ["A valid number is required."]}),
    ],
)
def test_an_off_scale_target_is_refused_with_a_field_error(world, api, fields, errors):
    count = Target.objects.count()
    response = api(world.users["lena"]).post("/api/v1/targets/", body(world, **fields), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Target.objects.count() == count


def test_a_json_nan_literal_is_refused(world, api):
    count = Target.objects.count()
    raw = '{"kpi": "csat", "scope": "team", "team": %d, "effective_from": "2027-01-01", "value": NaN}'
    response = api(world.users["lena"]).post(
        "/api/v1/targets/", raw % world.teams["falcons"].pk, content_type="application/json"
    )
    assert response.status_code == 400
    assert Target.objects.count() == count


def test_an_update_off_the_scale_is_refused_and_the_stored_target_unchanged(world, api):
    target = world.targets["falcons"]
    response = api(world.users["lena"]).patch(f"/api/v1/targets/{target.pk}/", {"value": 101}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["value"]
    target.refresh_from_db()
    assert target.value == 85
