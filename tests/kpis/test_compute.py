"""Snapshot computation: the worked examples of SPEC §3, exact roll-ups, days, targets, idempotency."""

import datetime as dt

import pytest

from kpis.models import Scope, Snapshot
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC
MONDAY = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def snap(kpi, scope, day=MONDAY, channel="", **subject):
    return Snapshot.objects.get(kpi=kpi, scope=scope, date=day, channel=channel, **subject)


def compute(day_from=MONDAY, day_to=MONDAY):
    return snapshots_compute(date_from=day_from, date_to=day_to)


@pytest.fixture
def utc_team(db):
    return TeamFactory(name="Utc", slug="utc", timezone="UTC")


def test_aht_50_interactions_totalling_300_minutes_is_360_seconds(utc_team):
    agent = AgentFactory(team=utc_team)
    for i in range(50):
        TicketFactory(
            agent=agent,
            created_at=NOON - dt.timedelta(hours=1),
            solved_at=NOON,
            handle_time_seconds=360 + (60 if i % 2 else -60),
        )
    compute()
    row = snap("aht", Scope.AGENT, agent=agent)
    assert (row.numerator, row.denominator, row.value) == (18000.0, 50, 360.0)


def test_csat_100_responses_90_positive_is_90_percent(utc_team):
    agent = AgentFactory(team=utc_team)
    for i in range(100):
        SurveyResponseFactory(agent=agent, kind="csat", score=(4 + i % 2) if i < 90 else 2, responded_at=NOON)
    compute()
    row = snap("csat", Scope.AGENT, agent=agent)
    assert (row.numerator, row.denominator, row.value) == (90.0, 100, 90.0)
    assert row.ci_low == pytest.approx(82.5644, abs=1e-3)
    assert row.ci_high == pytest.approx(94.4776, abs=1e-3)
    assert row.low_confidence is False


def test_nps_150_promoters_30_passives_20_detractors_is_65(utc_team):
    agent = AgentFactory(team=utc_team)
    scores = [10] * 100 + [9] * 50 + [8] * 20 + [7] * 10 + [6] * 10 + [0] * 10
    for score in scores:
        SurveyResponseFactory(agent=agent, kind="nps", score=score, responded_at=NOON)
    compute()
    row = snap("nps", Scope.AGENT, agent=agent)
    assert (row.numerator, row.denominator, row.value) == (130.0, 200, 65.0)


def test_fcr_80_solved_60_first_contact_is_75_percent(utc_team):
    agent = AgentFactory(team=utc_team)
    for i in range(80):
        replies, reopened = (1, 0) if i < 60 else ((2, 0) if i % 2 else (1, 1))
        TicketFactory(
            agent=agent,
            created_at=NOON - dt.timedelta(hours=1),
            solved_at=NOON,
            agent_replies=replies,
            reopened_count=reopened,
        )
    compute()
    row = snap("fcr", Scope.AGENT, agent=agent)
    assert (row.numerator, row.denominator, row.value) == (60.0, 80, 75.0)


def test_team_csat_is_the_ratio_of_sums_not_the_mean_of_agent_means(utc_team):
    agent_a, agent_b = AgentFactory(team=utc_team), AgentFactory(team=utc_team)
    SurveyResponseFactory(agent=agent_a, kind="csat", score=5, responded_at=NOON)
    for i in range(99):
        SurveyResponseFactory(agent=agent_b, kind="csat", score=5 if i < 49 else 1, responded_at=NOON)
    compute()
    assert snap("csat", Scope.AGENT, agent=agent_a).value == 100.0
    assert snap("csat", Scope.AGENT, agent=agent_b).value == pytest.approx(49.4949, abs=1e-4)
    team_row = snap("csat", Scope.TEAM, team=utc_team)
    assert (team_row.numerator, team_row.denominator, team_row.value) == (50.0, 100, 50.0)
    org_row = snap("csat", Scope.ORG)
    assert (org_row.numerator, org_row.denominator, org_row.value) == (50.0, 100, 50.0)
