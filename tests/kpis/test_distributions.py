"""Distributions of time KPIs (kpis.distributions): the sketch, its stated accuracy against the exact percentiles of
the raw records, the rows both computation paths write, the read API and targets on a median or p90."""

import datetime as dt
import json
import math
import random
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from ddsketch import DDSketch
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis import compute
from kpis.distributions import (
    MAPPING,
    RELATIVE_ACCURACY,
    Distribution,
    Quantiles,
    bucket_key,
    bucket_value,
    distribution_quantile,
    distribution_quantiles,
    key_sql,
    merge_rows,
)
from kpis.models import DurationDistribution, Scope, Snapshot, Statistic, Target, TargetStatus
from kpis.registry import DISTRIBUTION_KPIS, KPIS
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, TeamFactory
from tickets.models import Ticket

UTC = dt.UTC
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Durations from 0 s up to ten years, with sub-second parts (timestamps carry microseconds).
DURATIONS = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=3.2e8, allow_nan=False))


def exact_lower(values, q: float) -> float:
    """The reference: numpy's lower quantile (rank ⌊q·(n − 1)⌋ of the sorted values)."""
    return float(np.quantile(np.asarray(values, dtype=float), q, method="lower"))


def assert_within_accuracy(approx, exact, what=""):
    """The sketch's guarantee: |approx − exact| ≤ α·exact (0 s is exact)."""
    if exact == 0:
        assert approx == 0, what
    else:
        assert abs(approx - exact) <= RELATIVE_ACCURACY * exact * (1 + 1e-12), (what, approx, exact)


# --- The sketch -------------------------------------------------------------------------------------------------


def test_time_kpis_have_a_distribution_and_others_do_not():
    assert set(DISTRIBUTION_KPIS) == {"aht", "frt", "frt_business", "resolution_time", "resolution_time_business"}
    assert not KPIS["csat"].has_distribution and not KPIS["volume"].has_distribution
    assert not any(part.has_distribution for kpi in KPIS.values() for part in kpi.parts)


def test_mapping_is_the_librarys_with_alpha_one_percent():
    assert MAPPING.relative_accuracy == RELATIVE_ACCURACY == 0.01
    assert MAPPING.gamma == pytest.approx(1.01 / 0.99, rel=1e-15)
    # A bucket (γ^(k−1), γ^k] reads back as 2γ^k/(1 + γ): within 1 % of both ends.
    key = bucket_key(600.0)
    low, high = MAPPING.gamma ** (key - 1), MAPPING.gamma**key
    assert low < 600.0 <= high
    assert bucket_value(key) == pytest.approx(2 * high / (1 + MAPPING.gamma), rel=1e-12)
    assert abs(bucket_value(key) - high) / high == pytest.approx(RELATIVE_ACCURACY, rel=1e-9)
    assert bucket_key(0) is None  # the zero bucket


def test_quantiles_match_the_librarys_ddsketch_and_the_lower_rule():
    rng = random.Random(3)
    values = [0.0] * 7 + [rng.lognormvariate(6, 1.5) for _ in range(2000)]
    ours, theirs = Distribution.of(values), DDSketch(relative_accuracy=RELATIVE_ACCURACY)
    for value in values:
        theirs.add(value)
    assert ours.count == theirs.count == 2007
    for q in (0, 0.001, 0.003, 0.01, 0.25, 0.5, 0.9, 0.99, 1):
        assert ours.quantile(q) == pytest.approx(theirs.get_quantile_value(q), rel=1e-12), q
        assert_within_accuracy(ours.quantile(q), exact_lower(values, q), q)
    assert ours.quantile(0.003) == 0.0  # rank ⌊0.003 · 2006⌋ = 6: the seventh zero
    assert ours.quantile(0.0035) > 0  # rank 7: the first positive duration
    assert Distribution().quantile(0.5) is None
    with pytest.raises(ValueError):
        ours.quantile(1.5)


def test_lower_rule_on_an_even_count_picks_the_lower_middle():
    # n = 4: rank ⌊0.5 · 3⌋ = 1 → the second smallest, 100 s (within 1 %), not the midpoint 550 s.
    median = Distribution.of([10, 100, 1000, 10000]).quantile(0.5)
    assert median == pytest.approx(100, rel=RELATIVE_ACCURACY)
    assert Distribution.of([10, 100, 1000, 10000]).quantile(0.9) == pytest.approx(1000, rel=RELATIVE_ACCURACY)


@EXAMPLES
@given(st.lists(DURATIONS, max_size=60), st.lists(DURATIONS, max_size=60), st.lists(DURATIONS, max_size=60))
def test_merge_equals_build_of_union(a, b, c):
    merged = Distribution.of(a).merge(Distribution.of(b)).merge(Distribution.of(c))
    assert merged == Distribution.of(a + b + c)
    assert Distribution.of(a).merge(Distribution.of(b)) == Distribution.of(b).merge(Distribution.of(a))
    stored = Distribution.of(a + b)
    assert Distribution.from_stored(stored.zeros, stored.stored()) == stored


@EXAMPLES
@given(st.lists(DURATIONS, min_size=1, max_size=200), st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.99, 1.0]))
def test_any_quantile_is_within_the_stated_accuracy(values, q):
    assert_within_accuracy(Distribution.of(values).quantile(q), exact_lower(values, q))


def test_bucket_keys_in_sql_equal_the_librarys(postgres):
    rng = random.Random(11)
    values = (
        [float(n) for n in range(1, 5000)]
        + [rng.lognormvariate(7, 2.5) for _ in range(5000)]
        + [rng.paretovariate(1.1) * 3600 for _ in range(2000)]
        + [MAPPING.gamma**k for k in range(-50, 1100)]  # bucket boundaries themselves
        + [0.000001, 0.5, 86400.0, 31536000.0]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key_sql('v')} FROM unnest(%s::float8[]) WITH ORDINALITY AS u(v, i) ORDER BY i", [values]
        )
        in_sql = [row[0] for row in cursor.fetchall()]
    assert in_sql == [bucket_key(value) for value in values]


# --- Generated heavy-tailed records ----------------------------------------------------------------------------

PERIOD_FROM, PERIOD_TO = dt.date(2026, 1, 5), dt.date(2026, 4, 4)  # 90 local days
CHANNELS = ("email", "chat", "phone", "social")


def heavy_tailed_tickets(rng: random.Random, team, agents, *, per_day: int, days=None) -> list[Ticket]:
    """Lognormal durations with a Pareto tail, some 0 s, and Friday-evening tickets left over the weekend."""

    def duration(median: float) -> float:
        draw = rng.random()
        if draw < 0.04:
            return 0.0
        if draw < 0.14:
            return median * 3 * rng.paretovariate(1.2)  # the tail
        return rng.lognormvariate(math.log(median), 1.1)

    zone = ZoneInfo(team.timezone)
    tickets = []
    first, last = days or (PERIOD_FROM - dt.timedelta(days=3), PERIOD_TO + dt.timedelta(days=3))
    day = first
    while day <= last:
        for n in range(per_day):
            created = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)))
            created = created.replace(tzinfo=zone).astimezone(UTC) + dt.timedelta(microseconds=rng.randint(0, 999_999))
            friday_evening = day.weekday() == 4 and n % 3 == 0
            frt = duration(900) + (60 * 3600 if friday_evening else 0)  # answered on Monday
            resolution = frt + duration(6 * 3600)
            solved = rng.random() < 0.85
            tickets.append(
                Ticket(
                    external_id=f"H-{team.pk}-{day}-{n}",
                    channel=rng.choice(CHANNELS),
                    status="solved" if solved else "open",
                    agent=agents[rng.randrange(len(agents))] if rng.random() < 0.95 else None,
                    team=team,
                    created_at=created,
                    first_response_at=created + dt.timedelta(seconds=frt) if rng.random() < 0.93 else None,
                    solved_at=created + dt.timedelta(seconds=resolution) if solved else None,
                    handle_time_seconds=round(duration(400)) if rng.random() < 0.9 else None,
                    first_response_business_seconds=round(min(frt, duration(600))) if rng.random() < 0.9 else None,
                    resolution_business_seconds=round(min(resolution, duration(3 * 3600))) if solved else None,
                    agent_replies=1,
                    reopened_count=0,
                )
            )
        day += dt.timedelta(days=1)
    return Ticket.objects.bulk_create(tickets)


def raw_durations(tickets, kpi_code: str, zone: ZoneInfo, date_from, date_to, keep=lambda ticket: True):
    """The exact reference: each counted record's duration, on its local day, straight from the records."""
    kpi = KPIS[kpi_code]
    values = []
    for ticket in tickets:
        moment = getattr(ticket, kpi.day_field)
        if moment is None or not keep(ticket) or not date_from <= moment.astimezone(zone).date() <= date_to:
            continue
        solved = ticket.solved_at is not None and ticket.status in ("solved", "closed")
        responded = ticket.first_response_at is not None
        value = None
        if kpi_code == "aht" and solved:
            value = ticket.handle_time_seconds
        elif kpi_code == "frt" and responded:
            value = (ticket.first_response_at - ticket.created_at).total_seconds()
        elif kpi_code == "frt_business" and responded:
            value = ticket.first_response_business_seconds
        elif kpi_code == "resolution_time" and solved:
            value = (ticket.solved_at - ticket.created_at).total_seconds()
        elif kpi_code == "resolution_time_business" and solved:
            value = ticket.resolution_business_seconds
        if value is not None:
            values.append(float(value))
    return values


@pytest.fixture
def generated(db):
    rng = random.Random(20260105)
    new_york = TeamFactory(slug="ny", timezone="America/New_York")
    sydney = TeamFactory(slug="syd", timezone="Australia/Sydney")
    ny_agents = [AgentFactory(team=new_york) for _ in range(4)]
    syd_agents = [AgentFactory(team=sydney) for _ in range(2)]
    tickets = {
        new_york.pk: heavy_tailed_tickets(rng, new_york, ny_agents, per_day=24),
        sydney.pk: heavy_tailed_tickets(rng, sydney, syd_agents, per_day=6),
    }
    snapshots_compute(date_from=PERIOD_FROM - dt.timedelta(days=1), date_to=PERIOD_TO + dt.timedelta(days=1))
    return new_york, sydney, ny_agents, tickets


def test_ninety_day_quantiles_from_merged_daily_rows_are_within_one_percent(generated):
    new_york, sydney, ny_agents, tickets = generated
    ny_zone = ZoneInfo(new_york.timezone)
    codes = list(DISTRIBUTION_KPIS)
    period = {"date_from": PERIOD_FROM, "date_to": PERIOD_TO}

    team = distribution_quantiles(scope=Scope.TEAM, subject_ids=[new_york.pk], kpi_codes=codes, **period)
    for code in codes:
        exact = raw_durations(tickets[new_york.pk], code, ny_zone, PERIOD_FROM, PERIOD_TO)
        figure = team[(new_york.pk, code)]
        assert figure.count == len(exact) > 1000, code
        assert_within_accuracy(figure.median, exact_lower(exact, 0.5), (code, "median"))
        assert_within_accuracy(figure.p90, exact_lower(exact, 0.9), (code, "p90"))
        # The tail drags the mean well above the median: the figure a leader would be misled by.
        assert np.mean(exact) > 1.3 * figure.median, code
    assert Snapshot.objects.filter(scope=Scope.TEAM, team=new_york, kpi="frt", channel="").count() >= 90

    # Per agent and per channel, merged from the agents' and the channels' daily rows.
    agents = distribution_quantiles(scope=Scope.AGENT, subject_ids=None, kpi_codes=["frt", "aht"], **period)
    for agent in ny_agents:
        for code in ("frt", "aht"):
            exact = raw_durations(
                tickets[new_york.pk], code, ny_zone, PERIOD_FROM, PERIOD_TO, keep=lambda t, a=agent: t.agent_id == a.pk
            )
            assert agents[(agent.pk, code)].count == len(exact)
            assert_within_accuracy(agents[(agent.pk, code)].median, exact_lower(exact, 0.5), (agent, code))
            assert_within_accuracy(agents[(agent.pk, code)].p90, exact_lower(exact, 0.9), (agent, code))
    chat = distribution_quantiles(
        scope=Scope.TEAM, subject_ids=[new_york.pk], kpi_codes=["resolution_time"], channel="chat", **period
    )[(new_york.pk, "resolution_time")]
    exact = raw_durations(
        tickets[new_york.pk], "resolution_time", ny_zone, PERIOD_FROM, PERIOD_TO, keep=lambda t: t.channel == "chat"
    )
    assert chat.count == len(exact)
    assert_within_accuracy(chat.median, exact_lower(exact, 0.5))
    assert_within_accuracy(chat.p90, exact_lower(exact, 0.9))
    # An agent's distributions are kept over all channels only (quantiles_kept): nothing per channel.
    assert distribution_quantiles(scope=Scope.AGENT, subject_ids=None, kpi_codes=codes, channel="chat", **period) == {}

    # The org merges both teams, each on its own local days.
    org = distribution_quantiles(scope=Scope.ORG, subject_ids=None, kpi_codes=codes, **period)
    for code in codes:
        exact = raw_durations(tickets[new_york.pk], code, ny_zone, PERIOD_FROM, PERIOD_TO) + raw_durations(
            tickets[sydney.pk], code, ZoneInfo(sydney.timezone), PERIOD_FROM, PERIOD_TO
        )
        assert org[(None, code)].count == len(exact)
        assert_within_accuracy(org[(None, code)].median, exact_lower(exact, 0.5), code)
        assert_within_accuracy(org[(None, code)].p90, exact_lower(exact, 0.9), code)
        p99 = distribution_quantile(scope=Scope.ORG, subject_ids=None, kpi_codes=[code], q=0.99, **period)
        assert_within_accuracy(p99[(None, code)], exact_lower(exact, 0.99), code)


def test_by_day_keys_and_one_query_whatever_the_subjects(generated, django_assert_num_queries):
    new_york, sydney, _agents, tickets = generated
    zone = ZoneInfo(new_york.timezone)
    day = dt.date(2026, 2, 9)  # a Monday: Friday's leftovers answered
    with django_assert_num_queries(1):
        daily = distribution_quantiles(
            scope=Scope.TEAM,
            subject_ids=[new_york.pk, sydney.pk],
            kpi_codes=["frt", "csat"],
            date_from=day - dt.timedelta(days=6),
            date_to=day,
            by_day=True,
        )
    assert {key[1] for key in daily} == {"frt"}  # KPIs without a distribution are ignored
    assert len(daily) == 14
    exact = raw_durations(tickets[new_york.pk], "frt", zone, day, day)
    assert daily[(new_york.pk, "frt", day)] == Quantiles(
        count=len(exact),
        median=daily[(new_york.pk, "frt", day)].median,
        p90=daily[(new_york.pk, "frt", day)].p90,
    )
    assert_within_accuracy(daily[(new_york.pk, "frt", day)].median, exact_lower(exact, 0.5))
    with django_assert_num_queries(1):
        everyone = distribution_quantiles(
            scope=Scope.AGENT, subject_ids=None, kpi_codes=list(DISTRIBUTION_KPIS), date_from=PERIOD_FROM, date_to=day
        )
    assert len(everyone) == 6 * 5
    nothing = distribution_quantiles(
        scope=Scope.TEAM,
        subject_ids=[new_york.pk],
        kpi_codes=["frt"],
        date_from=dt.date(2030, 1, 1),
        date_to=dt.date(2030, 1, 2),
    )
    assert nothing == {}


def test_each_distribution_row_sits_beside_its_snapshot_row(generated):
    snapshots = {
        (s.date, s.kpi, s.scope, s.team_id, s.agent_id, s.channel): s.denominator
        for s in Snapshot.objects.filter(kpi__in=list(DISTRIBUTION_KPIS))
    }
    distributions = {
        (d.date, d.kpi, d.scope, d.team_id, d.agent_id, d.channel): d for d in DurationDistribution.objects.all()
    }
    # Every snapshot key but an agent's on one channel (~3 durations a day: not kept, `quantiles_kept`).
    agent_channel = {key for key in snapshots if key[2] == Scope.AGENT and key[5]}
    assert len(agent_channel) > 1000
    assert distributions.keys() == snapshots.keys() - agent_channel
    for key, row in distributions.items():
        assert row.count == snapshots[key] == row.zeros + sum(row.buckets.values()), key
    assert any(row.zeros for row in distributions.values())


# --- Both computation paths ------------------------------------------------------------------------------------


def distribution_rows():
    return {
        (d.date, d.kpi, d.scope, d.team_id, d.agent_id, d.channel): (d.count, d.zeros, d.buckets)
        for d in DurationDistribution.objects.all()
    }


def test_database_path_writes_the_python_paths_distributions(postgres, monkeypatch):
    rng = random.Random(5)
    paris = TeamFactory(slug="paris", timezone="Europe/Paris")
    tokyo = TeamFactory(slug="tokyo", timezone="Asia/Tokyo")
    window = (dt.date(2026, 3, 1), dt.date(2026, 3, 20))
    for team in (paris, tokyo):
        heavy_tailed_tickets(rng, team, [AgentFactory(team=team), AgentFactory(team=team)], per_day=8, days=window)
    Target.objects.create(
        kpi="frt", statistic=Statistic.MEDIAN, scope=Scope.TEAM, team=paris, value=900, effective_from=window[0]
    )
    Target.objects.create(
        kpi="resolution_time", statistic=Statistic.P90, scope=Scope.ORG, value=86400, effective_from=window[0]
    )

    snapshots_compute(date_from=window[0], date_to=window[1])
    in_database = distribution_rows()
    statuses_in_database = dict(Snapshot.objects.values_list("id", "status"))
    keys_in_database = {
        (s.date, s.kpi, s.scope, s.team_id, s.agent_id, s.channel): s.status for s in Snapshot.objects.all()
    }
    monkeypatch.setattr(compute, "FORCE_PYTHON_PATH", True)
    snapshots_compute(date_from=window[0], date_to=window[1])
    in_python = distribution_rows()
    keys_in_python = {
        (s.date, s.kpi, s.scope, s.team_id, s.agent_id, s.channel): s.status for s in Snapshot.objects.all()
    }

    assert len(in_database) > 500
    assert {key[2] for key in in_database} == {Scope.AGENT, Scope.TEAM, Scope.ORG}
    assert {key[5] for key in in_database if key[2] == Scope.AGENT} == {""}  # no agent × channel rows
    assert {key[5] for key in in_database if key[2] == Scope.TEAM} == {"", "chat", "email", "phone", "social"}
    assert {key[1] for key in in_database} == set(DISTRIBUTION_KPIS)
    assert in_database == in_python
    assert keys_in_database == keys_in_python  # statuses on a median or p90 set alike
    assert statuses_in_database  # rows were there


def test_org_rows_merged_a_few_days_at_a_time_equal_one_merge_of_the_window(db, monkeypatch):
    rng = random.Random(11)
    window = (dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    for slug, zone in (("lima", "America/Lima"), ("oslo", "Europe/Oslo")):
        team = TeamFactory(slug=slug, timezone=zone)
        heavy_tailed_tickets(rng, team, [AgentFactory(team=team)], per_day=6, days=window)
    snapshots_compute(date_from=window[0], date_to=window[1])
    org = {key: row for key, row in distribution_rows().items() if key[2] == Scope.ORG}
    monkeypatch.setattr(compute, "ORG_MERGE_DAYS", 3)  # 10 days: four merges of 3, 3, 3 and 1 days
    snapshots_compute(date_from=window[0], date_to=window[1])
    assert {key: row for key, row in distribution_rows().items() if key[2] == Scope.ORG} == org
    assert len({key[0] for key in org}) >= 10
    for (day, kpi, _, _, _, channel), (count, zeros, buckets) in org.items():
        teams = DurationDistribution.objects.filter(scope=Scope.TEAM, date=day, kpi=kpi, channel=channel)
        assert count == sum(row.count for row in teams) == zeros + sum(buckets.values())
    with connection.cursor() as cursor:  # stored as a JSON object's text (`BucketsField`)
        cursor.execute(f"SELECT buckets FROM {DurationDistribution._meta.db_table} WHERE count > zeros LIMIT 1")
        (text,) = cursor.fetchone()
    assert isinstance(text, str) and text.startswith("{") and all(isinstance(n, int) for n in json.loads(text).values())


# --- Targets on a median or p90 --------------------------------------------------------------------------------


@pytest.mark.parametrize("python_path", [True, False])
def test_daily_status_on_a_median_target_reads_the_days_median(db, monkeypatch, python_path):
    if not python_path and connection.vendor != "postgresql":
        pytest.skip("the database path runs on PostgreSQL")
    monkeypatch.setattr(compute, "FORCE_PYTHON_PATH", python_path)
    team = TeamFactory(slug="median", timezone="UTC")
    agent = AgentFactory(team=team)
    created = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    # Four quick replies and one answered at the end of the day: mean 8,456 s, median 600 s, p90 (lower) 900 s.
    for n, seconds in enumerate([300, 480, 600, 900, 40_000]):
        Ticket.objects.create(
            external_id=f"M-{n}",
            channel="email",
            status="open",
            agent=agent,
            team=team,
            created_at=created,
            first_response_at=created + dt.timedelta(seconds=seconds),
        )
    day = dt.date(2026, 3, 2)
    Target.objects.create(
        kpi="frt", statistic=Statistic.MEDIAN, scope=Scope.TEAM, team=team, value=700, stretch=500, effective_from=day
    )
    Target.objects.create(
        kpi="frt", statistic=Statistic.MEAN, scope=Scope.AGENT, agent=agent, value=700, effective_from=day
    )
    Target.objects.create(kpi="frt", statistic=Statistic.P90, scope=Scope.ORG, value=1000, effective_from=day)

    snapshots_compute(date_from=day, date_to=day)

    def row(scope, channel=""):
        return Snapshot.objects.get(kpi="frt", scope=scope, channel=channel, date=day)

    team_row = row(Scope.TEAM)
    assert team_row.value == pytest.approx(8_456)  # the mean, as ever
    assert team_row.status == TargetStatus.MET  # median ≈ 600 s ≤ 700 s, but not the stretch 500 s
    assert row(Scope.TEAM, "email").status == TargetStatus.MET
    assert row(Scope.AGENT).status == TargetStatus.MISSED  # the agent's own target is on the mean
    assert row(Scope.ORG).status == TargetStatus.MET  # p90 ≈ 900 s ≤ 1,000 s (the mean would miss)
    median = distribution_quantiles(
        scope=Scope.TEAM, subject_ids=[team.pk], kpi_codes=["frt"], date_from=day, date_to=day
    )
    assert median[(team.pk, "frt")].median == pytest.approx(600, rel=RELATIVE_ACCURACY)
    assert median[(team.pk, "frt")].count == 5


def test_switching_distributions_off_writes_none(db, monkeypatch):
    monkeypatch.setattr(compute, "STORE_DISTRIBUTIONS", False)
    team = TeamFactory(slug="off")
    Ticket.objects.create(
        external_id="OFF-1",
        channel="chat",
        status="open",
        team=team,
        created_at=dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        first_response_at=dt.datetime(2026, 3, 2, 8, 1, tzinfo=UTC),
    )
    snapshots_compute(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2))
    assert Snapshot.objects.filter(kpi="frt").exists()
    assert not DurationDistribution.objects.exists()


def test_merging_rows_adds_a_buckets_counts_whether_they_came_as_stored_text_or_as_a_dict():
    rows = [
        (("team", "frt"), 1, '{"5": 2, "-3": 1}'),  # as stored: a JSON object's text, parsed with its key's others
        (("team", "frt"), 0, {5: 3, 7: 1}),  # as merged in Python: integer keys
        (("team", "frt"), 2, {"7": 4}),  # parsed: text keys
        (("team", "frt"), 0, '{"-3": 2}'),
        (("org", "frt"), 2, ""),  # no buckets: only durations of 0 s
        (("org", "frt"), 1, {}),
    ]
    assert merge_rows(rows) == {("team", "frt"): (3, [(-3, 3), (5, 5), (7, 5)]), ("org", "frt"): (3, [])}
