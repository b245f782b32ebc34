"""Survey ingestion: score ranges per kind, links to tickets, all or nothing."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from config.errors import BatchValidationError
from surveys.models import SurveyResponse
from surveys.services import survey_responses_upsert
from tests.factories import TicketFactory

UTC = dt.UTC
RESPONDED = dt.datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def record(**overrides):
    base = {
        "external_id": "SV-1",
        "kind": "csat",
        "score": 5,
        "agent_email": "alice@example.com",
        "responded_at": RESPONDED,
        "comment": "Quick and kind",
    }
    base.update(overrides)
    return base


def test_agent_and_team_are_taken_from_the_ticket(agent, other_team):
    ticket = TicketFactory(external_id="ZD-9", agent=agent, team=other_team)
    survey_responses_upsert(records=[record(agent_email=None, ticket_external_id="ZD-9")], actor=None)
    response = SurveyResponse.objects.get()
    assert (response.ticket, response.agent, response.team) == (ticket, agent, other_team)


def test_resending_updates_instead_of_duplicating(agent):
    survey_responses_upsert(records=[record()], actor=None)
    result = survey_responses_upsert(records=[record(score=2, comment="")], actor=None)
    assert (result.created, result.updated) == (0, 1)
    assert list(SurveyResponse.objects.values_list("score", "comment")) == [(2, "")]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "csat", "score": 6}, "score", "A CSAT score must be between 1 and 5."),
        ({"kind": "csat", "score": 0}, "score", "A CSAT score must be between 1 and 5."),
        ({"kind": "nps", "score": -1}, "score", "A NPS score must be between 0 and 10."),
        ({"kind": "nps", "score": 11}, "score", "A NPS score must be between 0 and 10."),
        ({"kind": "ces", "score": 0}, "score", "A CES score must be between 1 and 7."),
        ({"kind": "ces", "score": 8}, "score", "A CES score must be between 1 and 7."),
        ({"kind": "stars"}, "kind", "Value 'stars' is not a valid choice."),
        (
            {"responded_at": dt.datetime(2026, 3, 4, 15, 0)},
            "responded_at",
            "Give a time-zone offset (ISO 8601, e.g. 2026-01-31T09:00:00+01:00).",
        ),
        ({"ticket_external_id": "missing"}, "ticket_external_id", "No ticket “missing”."),
        ({"score": "five"}, "score", "“five” value must be an integer."),
    ],
)
def test_bad_values_are_refused_and_nothing_written(agent, overrides, field, message):
    with pytest.raises(BatchValidationError) as raised:
        survey_responses_upsert(records=[record(external_id="ok"), record(**overrides)], actor=None)
    assert raised.value.errors == {1: {field: [message]}}
    assert SurveyResponse.objects.count() == 0


def test_nps_zero_and_ten_are_valid(agent):
    survey_responses_upsert(
        records=[record(external_id="a", kind="nps", score=0), record(kind="nps", score=10)], actor=None
    )
    assert SurveyResponse.objects.count() == 2


@pytest.mark.parametrize(("kind", "score"), [("csat", 6), ("nps", -1), ("ces", 0)])
def test_score_range_is_a_database_constraint(agent, kind, score):
    with pytest.raises(IntegrityError, match="survey_score_in_range_for_kind"), transaction.atomic():
        SurveyResponse.objects.create(
            external_id="x", agent=agent, team=agent.team, kind=kind, score=score, responded_at=RESPONDED
        )
    assert SurveyResponse.objects.count() == 0
