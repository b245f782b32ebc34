"""Figures read together (one UNION ALL per page) are the figures each selector reads alone; a period whose
targets changed is summed per stretch between changes, not per day."""

import datetime as dt

import pytest

from kpis.models import Scope, Target
from kpis.selectors import (
    Period,
    agent_scorecard,
    channel_breakdown,
    kpi_series,
    scorecard,
    team_dashboard,
)
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC
START = dt.date(2026, 3, 1)
PERIOD = Period(START, START + dt.timedelta(days=9))


def at(day, hour=12):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def snapshot(figures: dict) -> dict:
    return {code: (f.numerator, f.denominator, f.value, f.status, f.previous_value) for code, f in figures.items()}


@pytest.fixture
def ten_days(db):
    """Two agents over the ten days of PERIOD and the ten before: tickets in chat and email, CSAT each day
    (alice 2 of 3 positive, bob 1 of 3)."""
    team = TeamFactory(name="Pairs", slug="pairs", timezone="UTC")
    alice, bob = AgentFactory(team=team, username="alice"), AgentFactory(team=team, username="bob")
    for offset in range(-10, 10):
        day = START + dt.timedelta(days=offset)
        for agent, positive in ((alice, 2), (bob, 1)):
            for index in range(3):
                SurveyResponseFactory(agent=agent, score=5 if index < positive else 1, responded_at=at(day))
            TicketFactory(agent=agent, channel=("chat", "email")[offset % 2], created_at=at(day, 9))
    snapshots_compute(date_from=START - dt.timedelta(days=11), date_to=PERIOD.date_to)
    return team, alice, bob


def test_the_dashboard_reads_what_each_selector_reads_alone(ten_days, django_assert_num_queries):
    team, alice, bob = ten_days
    Target.objects.create(kpi="csat", scope=Scope.TEAM, team=team, value=60, effective_from=START)

    with django_assert_num_queries(3):  # targets, the sums of agents, team, org, channels and trend, agents
        board = team_dashboard(team=team, period=PERIOD)

    assert snapshot(board.team_figures) == snapshot(scorecard(scope=Scope.TEAM, subject=team, period=PERIOD))
    assert snapshot(board.org_figures) == snapshot(scorecard(scope=Scope.ORG, subject=None, period=PERIOD))
    for row in board.agents:
        assert snapshot(row.figures) == snapshot(scorecard(scope=Scope.AGENT, subject=row.agent, period=PERIOD))
    alone = channel_breakdown(scope=Scope.TEAM, subject=team, period=PERIOD)
    assert sorted(board.channels) == sorted(alone) == ["chat", "email"]
    assert {c: snapshot(f) for c, f in board.channels.items()} == {c: snapshot(f) for c, f in alone.items()}
    series = kpi_series(scope=Scope.TEAM, subject=team, period=PERIOD)
    assert {code: [(p.numerator, p.denominator) for p in points] for code, points in board.series.items()} == {
        code: [(p.numerator, p.denominator) for p in points] for code, points in series.items()
    }
    # The figures themselves: 10 days × (2 + 1) positive of 6 a day; the previous ten days alike.
    csat = board.team_figures["csat"]
    assert (csat.numerator, csat.denominator, csat.value, csat.previous_value) == (30.0, 60, 50.0, 50.0)


def test_an_agent_scorecard_reads_what_each_selector_reads_alone(ten_days, django_assert_num_queries):
    team, alice, bob = ten_days

    with django_assert_num_queries(2):  # targets, every sum of the agent and the team
        card = agent_scorecard(agent=alice, period=PERIOD)

    assert snapshot(card.figures) == snapshot(scorecard(scope=Scope.AGENT, subject=alice, period=PERIOD))
    assert snapshot(card.team_figures) == snapshot(scorecard(scope=Scope.TEAM, subject=team, period=PERIOD))
    alone = channel_breakdown(scope=Scope.AGENT, subject=alice, period=PERIOD)
    assert {c: snapshot(f) for c, f in card.channels.items()} == {c: snapshot(f) for c, f in alone.items()}
    assert [p.numerator for p in card.series["csat"]] == [2.0] * 10
    assert [p.numerator for p in card.team_series["csat"]] == [3.0] * 10
    assert card.figures["csat"].value == pytest.approx(200 / 3)


def test_targets_changing_twice_in_a_period_judge_each_stretch_by_its_own(ten_days, django_assert_num_queries):
    team, alice, bob = ten_days
    # 60 for days 1–3, 70 for days 4–7, none for day 8, 40 for days 9–10: bob's 33.3 % each day.
    Target.objects.create(
        kpi="csat", scope=Scope.ORG, value=60, effective_from=START, effective_to=START + dt.timedelta(days=2)
    )
    Target.objects.create(
        kpi="csat",
        scope=Scope.ORG,
        value=70,
        effective_from=START + dt.timedelta(days=3),
        effective_to=START + dt.timedelta(days=6),
    )
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=40, effective_from=START + dt.timedelta(days=8))

    with django_assert_num_queries(3):  # one more: the sums per stretch between changes
        csat = scorecard(scope=Scope.AGENT, subject=bob, period=PERIOD)["csat"]

    # Judged: the 9 days with a target, 3 records each; target weighted by records: (3×60 + 4×70 + 2×40) / 9.
    assert csat.target_changes == [START + dt.timedelta(days=d) for d in (3, 7, 8)]
    assert csat.target_value == pytest.approx((3 * 60 + 4 * 70 + 2 * 40) / 9)
    assert (csat.value, csat.status) == (pytest.approx(100 / 3), "missed")
    board = team_dashboard(team=team, period=PERIOD)
    by_name = {row.agent.username: row.figures["csat"] for row in board.agents}
    assert by_name["bob"].target_value == pytest.approx(csat.target_value)
    assert (by_name["alice"].value, by_name["alice"].status) == (pytest.approx(200 / 3), "met")  # against 62.2
