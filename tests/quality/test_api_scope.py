"""The quality API's writes name only what the caller may name: another team's team, ticket, rubric version or
user answers exactly as a missing one (the same 400, the same words), and is never named back in an error."""

import datetime as dt
import json

import pytest

from kpis.quality.models import Assignment, CalibrationSession, QualityReview, Rubric
from tests.factories import LeaderFactory, TicketFactory
from tests.quality.helpers import published_rubric

UTC = dt.UTC
MISSING = 987654


def solved(agent, day=2):
    return TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=UTC))


@pytest.fixture
def world(leader, team, agent, other_leader, other_team, outside_agent):
    return {
        "version": published_rubric(leader, team),
        "other_version": published_rubric(other_leader, other_team, name="Their rubric"),
        "ticket": solved(agent),
        "other_ticket": solved(outside_agent),
        "reviewer": LeaderFactory(username="rob", teams=[team]),
    }


def post(client, url, body):
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def alike(client, url, body_with, foreign, field):
    """The answers to `body_with(foreign)` and `body_with(MISSING)`, the id put back in place of the other."""
    foreign_answer = post(client, url, body_with(foreign))
    missing_answer = post(client, url, body_with(MISSING))
    return json.loads(json.dumps(foreign_answer).replace(str(foreign), "ID")), json.loads(
        json.dumps(missing_answer).replace(str(MISSING), "ID")
    )


WRITTEN = (Rubric, QualityReview, Assignment, CalibrationSession)


def counts():
    return [model.objects.count() for model in WRITTEN]


def test_a_calibration_naming_another_teams_ticket_user_team_or_rubric_reads_as_missing(
    client, leader, team, other_team, outside_agent, other_leader, world
):
    client.force_login(leader)
    url = "/api/v1/quality/calibrations/"
    before = counts()

    def body(**changed):
        base = {
            "title": "Week 10",
            "team": team.pk,
            "rubric_version": world["version"].pk,
            "tickets": [world["ticket"].pk],
            "reviewers": [leader.pk, world["reviewer"].pk],
        }
        return base | changed

    cases = {
        "tickets": (world["other_ticket"].pk, lambda pk: body(tickets=[world["ticket"].pk, pk])),
        "reviewers": (outside_agent.pk, lambda pk: body(reviewers=[leader.pk, pk])),
        "team": (other_team.pk, lambda pk: body(team=pk)),
        "rubric_version": (world["other_version"].pk, lambda pk: body(rubric_version=pk)),
    }
    for field, (foreign, body_with) in cases.items():
        foreign_answer, missing_answer = alike(client, url, body_with, foreign, field)
        assert foreign_answer == missing_answer, field
        status, data = foreign_answer
        assert status == 400 and set(data["errors"]) == {field}, (field, data)
    # Another team's agent and leader are never named back.
    status, data = post(client, url, body(reviewers=[leader.pk, outside_agent.pk, other_leader.pk]))
    assert status == 400
    assert str(outside_agent) not in json.dumps(data) and str(other_leader) not in json.dumps(data)
    assert counts() == before
    # What the leader may name is taken.
    status, data = post(client, url, body())
    assert status == 201, data


def test_scoring_another_teams_ticket_or_with_its_rubric_reads_as_missing(client, leader, world):
    client.force_login(leader)
    url = "/api/v1/quality/reviews/"
    before = counts()

    def body(**changed):
        return {"ticket": world["ticket"].pk, "rubric_version": world["version"].pk, "scores": []} | changed

    for field, foreign in (("ticket", world["other_ticket"].pk), ("rubric_version", world["other_version"].pk)):
        foreign_answer, missing_answer = alike(client, url, lambda pk, f=field: body(**{f: pk}), foreign, field)
        assert foreign_answer == missing_answer, field
        assert foreign_answer[0] == 400 and set(foreign_answer[1]["errors"]) == {field}
    assert counts() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/quality/rubrics/", {"name": "Ours"}),
        ("/api/v1/quality/assignments/", {"week_start": "2026-03-02", "per_agent": 2}),
    ],
)
def test_a_rubric_or_a_sample_for_another_team_reads_as_missing(client, leader, other_team, world, url, body):
    client.force_login(leader)
    before = counts()
    foreign_answer, missing_answer = alike(client, url, lambda pk: body | {"team": pk}, other_team.pk, "team")
    assert foreign_answer == missing_answer
    assert foreign_answer[0] == 400 and set(foreign_answer[1]["errors"]) == {"team"}
    assert counts() == before
