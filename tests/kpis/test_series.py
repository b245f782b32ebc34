"""Trends: the grain follows the range, weeks and months roll up exactly, few records are flagged."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Snapshot
from kpis.registry import KPIS
from kpis.selectors import Grain, Period, kpi_series, series_buckets, series_grain
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory

UTC = dt.UTC
MONDAY = dt.date(2026, 3, 2)


def span(first: dt.date, days: int) -> Period:
    return Period(first, first + dt.timedelta(days=days - 1))


def snap(team, day: dt.date, kpi: str, numerator: float, denominator: int) -> None:
    """A team snapshot row as the computation writes it (value and status do not feed trends)."""
    Snapshot.objects.create(
        date=day,
        kpi=kpi,
        scope=Scope.TEAM,
        team=team,
        numerator=numerator,
        denominator=denominator,
        value=KPIS[kpi].value(numerator, denominator),
        status="no_target",
        definitions_version=1,
        computed_at=timezone.now(),
    )


# ---- grain -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "grain"),
    [(1, Grain.DAY), (42, Grain.DAY), (43, Grain.WEEK), (183, Grain.WEEK), (184, Grain.MONTH), (731, Grain.MONTH)],
)
def test_the_grain_follows_the_length_of_the_period(days, grain):
    assert series_grain(span(MONDAY, days)) == grain


def test_weeks_start_on_monday_and_the_partial_ends_keep_their_real_dates():
    # Wednesday 25 Feb to Wednesday 8 Apr 2026: 43 days.
    period = Period(dt.date(2026, 2, 25), dt.date(2026, 4, 8))
    buckets = series_buckets(period, Grain.WEEK)
    assert [(b.date_from.isoformat(), b.date_to.isoformat()) for b in buckets] == [
        ("2026-02-25", "2026-03-01"),
        ("2026-03-02", "2026-03-08"),
        ("2026-03-09", "2026-03-15"),
        ("2026-03-16", "2026-03-22"),
        ("2026-03-23", "2026-03-29"),
        ("2026-03-30", "2026-04-05"),
        ("2026-04-06", "2026-04-08"),
    ]
    assert all(b.date_from.weekday() == 0 for b in buckets[1:])


def test_months_are_calendar_months_and_the_partial_ends_keep_their_real_dates():
    period = Period(dt.date(2025, 11, 15), dt.date(2026, 5, 17))
    buckets = series_buckets(period, Grain.MONTH)
    assert [(b.date_from.isoformat(), b.date_to.isoformat()) for b in buckets] == [
        ("2025-11-15", "2025-11-30"),
        ("2025-12-01", "2025-12-31"),
        ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-01", "2026-03-31"),
        ("2026-04-01", "2026-04-30"),
        ("2026-05-01", "2026-05-17"),
    ]


def test_a_day_series_has_one_point_per_day():
    period = span(MONDAY, 3)
    assert [(b.date_from, b.date_to) for b in series_buckets(period, Grain.DAY)] == [
        (MONDAY + dt.timedelta(days=i), MONDAY + dt.timedelta(days=i)) for i in range(3)
    ]


# ---- exact roll-ups ----------------------------------------------------------------------


@pytest.fixture
def team(db):
    return TeamFactory(name="Utc", slug="utc", timezone="UTC")


def test_a_week_is_the_ratio_of_the_sums_of_its_days_never_a_mean_of_daily_values(
    team, settings, django_assert_num_queries
):
    settings.KPI_MIN_SAMPLE = 10
    # CSAT Mon 1 of 1, Tue 9 of 19, Wed 0 of 2: 10 of 22 = 45.45 % (the mean of days would be 49.1 %).
    snap(team, MONDAY, "csat", 1, 1)
    snap(team, MONDAY + dt.timedelta(days=1), "csat", 9, 19)
    snap(team, MONDAY + dt.timedelta(days=2), "csat", 0, 2)
    # The next week: 3 of 4 on Friday only, a low sample.
    snap(team, MONDAY + dt.timedelta(days=11), "csat", 3, 4)
    # Volume sums, whatever the count.
    snap(team, MONDAY, "volume", 4, 4)
    snap(team, MONDAY + dt.timedelta(days=6), "volume", 3, 3)
    # The Sunday before: in the partial first week (its Monday is before the period), summed in the database.
    snap(team, MONDAY - dt.timedelta(days=1), "volume", 2, 2)
    period = Period(MONDAY - dt.timedelta(days=2), MONDAY + dt.timedelta(days=41))  # 44 days: weeks
    with django_assert_num_queries(1):
        series = kpi_series(scope=Scope.TEAM, subject=team, period=period)
    csat = series["csat"]
    assert [p.date_from for p in csat[:3]] == [MONDAY - dt.timedelta(days=2), MONDAY, MONDAY + dt.timedelta(days=7)]
    assert csat[0].date_to == MONDAY - dt.timedelta(days=1)  # Saturday–Sunday, the partial first week
    assert csat[0].value is None and csat[0].sample_size == 0 and not csat[0].low_confidence
    assert csat[1].value == pytest.approx(1000 / 22)
    assert (csat[1].numerator, csat[1].denominator, csat[1].sample_size) == (10.0, 22, 22)
    assert not csat[1].low_confidence
    assert csat[2].value == 75.0 and csat[2].sample_size == 4 and csat[2].low_confidence
    volume = series["volume"]
    assert [p.value for p in volume[:3]] == [2.0, 7.0, 0.0]
    assert volume[1].sample_size == 7 and not any(p.low_confidence for p in volume)
    # Saturday–Sunday, then 6 whole weeks, the last from Monday 6 to Sunday 12 April.
    assert len(csat) == len(volume) == 7
    assert (csat[-1].date_from, csat[-1].date_to) == (dt.date(2026, 4, 6), dt.date(2026, 4, 12))


def test_a_month_rolls_up_durations_exactly_and_flags_few_records(team, settings):
    settings.KPI_MIN_SAMPLE = 10
    # AHT in December: 600 s over 2 tickets and 3,000 s over 3 = 3,600 / 5 = 720 s (mean of days: 650 s).
    snap(team, dt.date(2025, 12, 5), "aht", 600, 2)
    snap(team, dt.date(2025, 12, 20), "aht", 3000, 3)
    # January: 12 tickets over 3 days, exactly 10 and more is enough.
    snap(team, dt.date(2026, 1, 2), "aht", 1200, 4)
    snap(team, dt.date(2026, 1, 15), "aht", 2400, 4)
    snap(team, dt.date(2026, 1, 31), "aht", 3600, 2)
    period = Period(dt.date(2025, 11, 15), dt.date(2026, 5, 17))
    aht = kpi_series(scope=Scope.TEAM, subject=team, period=period)["aht"]
    by_start = {p.date_from.isoformat(): p for p in aht}
    assert list(by_start) == [
        "2025-11-15",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
        "2026-05-01",
    ]
    december, january = by_start["2025-12-01"], by_start["2026-01-01"]
    assert december.value == 720.0 and december.sample_size == 5 and december.low_confidence
    assert january.value == 720.0 and january.sample_size == 10 and not january.low_confidence
    assert by_start["2026-05-01"].date_to == dt.date(2026, 5, 17)


def test_the_low_confidence_flag_follows_kpi_min_sample(team, settings):
    snap(team, MONDAY, "csat", 9, 9)
    snap(team, MONDAY + dt.timedelta(days=1), "csat", 10, 10)
    settings.KPI_MIN_SAMPLE = 10
    flags = [p.low_confidence for p in kpi_series(scope=Scope.TEAM, subject=team, period=span(MONDAY, 2))["csat"]]
    assert flags == [True, False]
    settings.KPI_MIN_SAMPLE = 9
    flags = [p.low_confidence for p in kpi_series(scope=Scope.TEAM, subject=team, period=span(MONDAY, 2))["csat"]]
    assert flags == [False, False]


def test_weekly_points_from_computed_snapshots_match_the_period_figure(team):
    """End to end: survey responses → daily snapshots → a week equal to the scorecard of those days."""
    from kpis.selectors import scorecard

    alice = AgentFactory(team=team)
    scores = {MONDAY: [5], MONDAY + dt.timedelta(days=1): [5] * 9 + [1] * 10, MONDAY + dt.timedelta(days=3): [2, 2]}
    for day, day_scores in scores.items():
        for score in day_scores:
            SurveyResponseFactory(agent=alice, score=score, responded_at=dt.datetime.combine(day, dt.time(12), UTC))
    snapshots_compute(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=6))
    week = Period(MONDAY, MONDAY + dt.timedelta(days=6))
    point = kpi_series(scope=Scope.TEAM, subject=team, period=week, grain=Grain.WEEK)["csat"][0]
    figure = scorecard(scope=Scope.TEAM, subject=team, period=week, with_previous=False)["csat"]
    assert point.value == figure.value == pytest.approx(1000 / 22)
    assert point.sample_size == figure.sample_size == 22
