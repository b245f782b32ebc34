"""The shared read path: period roll-ups, targets on scorecards, breakdowns, suggestions, drill-down."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kpis.models import Scope, Target
from kpis.selectors import (
    Period,
    baselines,
    category_breakdown,
    channel_breakdown,
    kpi_records,
    kpi_series,
    period_from_params,
    scorecard,
    suggest_target,
    team_dashboard,
)
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC
D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)


def at(day, hour=12):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


@pytest.fixture
def setup(db):
    team = TeamFactory(name="Utc", slug="utc", timezone="UTC")
    alice, bob = AgentFactory(team=team, username="alice"), AgentFactory(team=team, username="bob")
    # Day 1: alice 1/1 positive; day 2: bob 9 of 19 positive.
    SurveyResponseFactory(agent=alice, score=5, responded_at=at(D1))
    for i in range(19):
        SurveyResponseFactory(agent=bob, score=5 if i < 9 else 2, responded_at=at(D2))
    TicketFactory(
        agent=alice,
        channel="chat",
        category="billing",
        created_at=at(D1, 9),
        solved_at=at(D1, 10),
        first_response_at=at(D1, 9) + dt.timedelta(seconds=40),
        handle_time_seconds=200,
    )
    TicketFactory(
        agent=bob,
        channel="email",
        category="returns",
        created_at=at(D2, 9),
        solved_at=None,
        status="open",
        first_response_at=at(D2, 11),
        handle_time_seconds=None,
    )
    snapshots_compute(date_from=D1 - dt.timedelta(days=2), date_to=D2)
    return team, alice, bob


def test_period_roll_up_is_exact_over_days_and_agents(setup):
    team, alice, bob = setup
    figures = scorecard(scope=Scope.TEAM, subject=team, period=Period(D1, D2))
    csat = figures["csat"]
    assert (csat.numerator, csat.denominator, csat.value) == (10.0, 20, 50.0)
    assert csat.sample_size == 20 and csat.low_confidence is False
    assert figures["volume"].value == 2.0
    assert figures["resolution_rate"].value == 50.0
    assert figures["frt"].value == (40 + 7200) / 2
    assert scorecard(scope=Scope.AGENT, subject=alice, period=Period(D1, D2))["csat"].low_confidence is True
    assert figures["aht"].status == "no_target"


def test_previous_period_trend(setup):
    team, alice, bob = setup
    figure = scorecard(scope=Scope.TEAM, subject=team, period=Period(D2, D2))["csat"]
    assert figure.previous_value == 100.0
    assert figure.value == pytest.approx(900 / 19)
    assert figure.trend == "worse"


def test_target_precedence_on_scorecards(setup):
    team, alice, bob = setup
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=80, effective_from=D1)
    Target.objects.create(kpi="csat", scope=Scope.TEAM, team=team, value=45, effective_from=D1)
    Target.objects.create(kpi="csat", scope=Scope.AGENT, agent=bob, value=60, stretch=70, effective_from=D1)
    period = Period(D1, D2)
    assert scorecard(scope=Scope.AGENT, subject=bob, period=period)["csat"].target_value == 60
    assert scorecard(scope=Scope.AGENT, subject=bob, period=period)["csat"].status == "missed"
    assert scorecard(scope=Scope.AGENT, subject=alice, period=period)["csat"].target_value == 45
    assert scorecard(scope=Scope.TEAM, subject=team, period=period)["csat"].status == "met"
    assert scorecard(scope=Scope.ORG, subject=None, period=period)["csat"].target_value == 80


def test_team_dashboard_rows_and_constant_queries(setup, django_assert_num_queries):
    team, alice, bob = setup
    alice.first_name, bob.first_name = "Zoe", "Adam"  # agents are listed by name, not by id
    alice.save(update_fields=["first_name"])
    bob.save(update_fields=["first_name"])
    with django_assert_num_queries(3):  # targets, every snapshot sum in one UNION ALL, the agents
        board = team_dashboard(team=team, period=Period(D1, D2))
    assert [row.agent.username for row in board.agents] == ["bob", "alice"]
    by_name = {row.agent.username: row for row in board.agents}
    assert by_name["bob"].figures["csat"].denominator == 19
    assert board.team_figures["csat"].value == 50.0
    assert board.org_figures["csat"].value == 50.0


def test_channel_and_category_breakdowns(setup):
    team, alice, bob = setup
    channels = channel_breakdown(scope=Scope.TEAM, subject=team, period=Period(D1, D2))
    assert set(channels) == {"chat", "email"}
    assert channels["chat"]["aht"].value == 200.0
    categories = dict(category_breakdown(team=team, period=Period(D1, D2)))
    assert categories["billing"]["volume"].value == 1.0
    assert categories["returns"]["resolution_rate"].value == 0.0


def test_a_channel_whose_figures_are_all_zero_is_still_shown(setup):
    team, alice, bob = setup
    # A phone ticket opened before the period, whose one survey in the period is unhappy: CSAT 0 %, n = 1.
    phone = TicketFactory(agent=alice, channel="phone", created_at=at(D1 - dt.timedelta(days=2)), solved_at=None)
    SurveyResponseFactory(agent=alice, ticket=phone, score=1, responded_at=at(D2))
    snapshots_compute(date_from=D1 - dt.timedelta(days=2), date_to=D2)

    channels = channel_breakdown(scope=Scope.TEAM, subject=team, period=Period(D1, D2))

    assert set(channels) == {"chat", "email", "phone"}
    assert (channels["phone"]["csat"].value, channels["phone"]["csat"].sample_size) == (0.0, 1)
    assert channels["phone"]["volume"].value == 0.0


def test_series_has_a_point_per_day(setup):
    team, alice, bob = setup
    series = kpi_series(scope=Scope.TEAM, subject=team, period=Period(D1 - dt.timedelta(days=1), D2))
    assert [p.value for p in series["csat"]] == [None, 100.0, pytest.approx(900 / 19)]
    assert [p.value for p in series["volume"]] == [0.0, 1.0, 1.0]


def test_suggested_target_is_a_bounded_step_toward_the_benchmark(setup):
    team, alice, bob = setup
    base = baselines(scope=Scope.TEAM, subject=team, as_of=D2 + dt.timedelta(days=1))["csat"]
    assert base.value == 50.0
    suggestion = suggest_target(kpi_code="csat", baseline=base)
    assert suggestion.value == 55.0  # half the 30-point gap is 15, capped at 5 points
    assert suggestion.benchmark == 80.0


def test_drill_down_lists_the_records_behind_a_figure(setup, leader_factory=None):
    team, alice, bob = setup
    records = kpi_records(user=alice, kpi_code="csat", scope=Scope.AGENT, subject=alice, period=Period(D1, D2))
    assert records.count() == 1
    assert kpi_records(user=alice, kpi_code="csat", scope=Scope.AGENT, subject=bob, period=Period(D1, D2)).count() == 0


def test_period_presets_and_validation():
    today = dt.date(2026, 3, 15)
    yesterday = dt.date(2026, 3, 14)
    # Presets are complete days, ending yesterday; today is its own preset, "so far".
    assert period_from_params(preset="7d", today=today)[0] == Period(dt.date(2026, 3, 8), yesterday)
    assert period_from_params(preset="30d", today=today)[0].days == 30
    assert period_from_params(preset="month", today=today)[0] == Period(dt.date(2026, 3, 1), yesterday)
    assert period_from_params(preset="month", today=dt.date(2026, 3, 1))[0] == Period(
        dt.date(2026, 3, 1), dt.date(2026, 3, 1), partial=True
    )
    so_far = period_from_params(preset="today", today=today)[0]
    assert (so_far, str(so_far)) == (Period(today, today, partial=True), "15 Mar 2026 (so far)")
    custom = period_from_params(date_from="2026-03-01", date_to="2026-03-15", today=today)[0]
    assert custom.partial and str(custom) == "1–15 Mar 2026 (so far)"
    assert period_from_params(date_from="2026-01-01", date_to="2026-01-31", today=today)[1] == "custom"
    with pytest.raises(ValidationError) as raised:
        period_from_params(date_from="2026-02-01", date_to="2026-01-01", today=today)
    assert raised.value.message_dict == {"date_to": ["The end date is before the start date."]}


def test_a_suggestion_is_always_on_the_kpis_scale():
    from kpis.registry import KPIS
    from kpis.selectors import KpiFigure

    instant = KpiFigure(kpi=KPIS["aht"], numerator=0.0, denominator=50, value=0.0)  # every ticket took 0 s
    huge = KpiFigure(kpi=KPIS["aht"], numerator=50 * 200_000.0, denominator=50, value=200_000.0)

    assert suggest_target(kpi_code="aht", baseline=instant).value == 1.0  # durations are above 0 s
    # A 15 % step from 200,000 s toward the benchmark still lies beyond AHT's 24 h limit: the limit.
    assert suggest_target(kpi_code="aht", baseline=huge).value == 86_400.0


@pytest.fixture
def two_days(db):
    """CSAT: 8 of 10 positive on D1 (80 %), 5 of 10 on D2 (50 %): 65 % over both days."""
    team = TeamFactory(name="Judged", slug="judged", timezone="UTC")
    agent = AgentFactory(team=team)
    for day, positive in ((D1, 8), (D2, 5)):
        for i in range(10):
            SurveyResponseFactory(agent=agent, score=5 if i < positive else 1, responded_at=at(day))
    snapshots_compute(date_from=D1, date_to=D2)
    return team, agent


def test_a_period_whose_target_changed_is_judged_day_by_day(two_days, django_assert_num_queries):
    team, agent = two_days
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=60, effective_from=D1, effective_to=D1)
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=70, stretch=80, effective_from=D2)

    with django_assert_num_queries(3):  # the daily sums are read only because the target changed
        csat = scorecard(scope=Scope.TEAM, subject=team, period=Period(D1, D2))["csat"]

    # Each day's 10 records are held to that day's target: (10 × 60 + 10 × 70) / 20 = 65; 65 % meets it,
    # where the target of the last day alone (70) would have called the period missed.
    assert (csat.value, csat.target_value, csat.stretch_value, csat.status) == (65.0, 65.0, None, "met")
    assert csat.target_changes == [D2]
    board = team_dashboard(team=team, period=Period(D1, D2))
    assert board.agents[0].figures["csat"].status == "met" and board.agents[0].figures["csat"].target_value == 65


def test_a_target_set_inside_the_period_holds_only_the_days_since(two_days):
    team, agent = two_days
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=55, effective_from=D2)

    csat = scorecard(scope=Scope.AGENT, subject=agent, period=Period(D1, D2))["csat"]

    # D1 had no target: only D2's 50 % is judged, against 55 (the 65 % of both days would have "met" it).
    assert (csat.value, csat.target_value, csat.status, csat.target_changes) == (65.0, 55.0, "missed", [D2])


def test_an_unchanged_target_costs_no_extra_query(two_days, django_assert_num_queries):
    team, agent = two_days
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=60, effective_from=D1 - dt.timedelta(days=30))

    with django_assert_num_queries(2):
        csat = scorecard(scope=Scope.TEAM, subject=team, period=Period(D1, D2))["csat"]

    assert (csat.target_value, csat.status, csat.target_changes) == (60, "met", [])


def test_pages_say_when_the_target_changed_inside_the_period(two_days):
    from kpis.templatetags.pulse import target_text

    team, agent = two_days
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=60, effective_from=D1, effective_to=D1)
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=70, effective_from=D2)

    csat = scorecard(scope=Scope.TEAM, subject=team, period=Period(D1, D2))["csat"]

    assert target_text(csat) == ("≥ 65.0 %; the target changed on 3 Mar: each day's records held to that day's target")
