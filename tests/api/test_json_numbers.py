"""A JSON number beyond the float range (`1e999`) is refused like the literals NaN and Infinity: a 400 that writes
nothing, on every write endpoint, whatever field it is in (config/api_parsers.py). A related field given one
raised OverflowError in the ORM, a 500."""

import json

import pytest
from rest_framework.test import APIClient

from kpis.models import Target
from kpis.quality.models import Assignment, CalibrationSession, QualityReview, Rubric
from kpis.reviews.models import Review

BODIES = {
    "/api/v1/targets/": {"kpi": "csat", "value": 80, "scope": "team", "team": "HUGE", "effective_from": "2026-01-01"},
    "/api/v1/reviews/": {"agent": "HUGE", "period_start": "2026-03-01", "period_end": "2026-03-31"},
    "/api/v1/quality/rubrics/": {"name": "R", "team": "HUGE"},
    "/api/v1/quality/reviews/": {"ticket": "HUGE", "rubric_version": 1, "scores": []},
    "/api/v1/quality/assignments/": {"team": "HUGE", "week_start": "2026-03-02", "per_agent": 2},
    "/api/v1/quality/calibrations/": {
        "title": "C",
        "team": "HUGE",
        "rubric_version": 1,
        "tickets": [1],
        "reviewers": [1, 2],
    },
}
MODELS = (Target, Review, Rubric, QualityReview, Assignment, CalibrationSession)


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1.5e400"])
@pytest.mark.parametrize("url", list(BODIES))
def test_a_number_beyond_the_float_range_is_a_400_and_writes_nothing(db, admin_user, team, url, number):
    api = APIClient()
    api.force_authenticate(admin_user)
    body = json.dumps(BODIES[url]).replace('"HUGE"', number)
    before = [model.objects.count() for model in MODELS]

    response = api.post(url, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["detail"] == f"JSON parse error - Out of range float values are not JSON compliant: {number}"
    assert [model.objects.count() for model in MODELS] == before


def test_the_literals_and_a_huge_float_field_read_alike(db, admin_user, team):
    api = APIClient()
    api.force_authenticate(admin_user)
    target = f'"kpi": "csat", "scope": "team", "team": {team.pk}, "effective_from": "2026-01-01"'
    for number in ("Infinity", "NaN", "1e999"):
        body = f'{{{target}, "value": {number}}}'
        response = api.post("/api/v1/targets/", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error - Out of range float values are not JSON")
    # An ordinary number still reads as one.
    body = f'{{{target}, "value": 8.05e1}}'
    response = api.post("/api/v1/targets/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Target.objects.get().value == 80.5
