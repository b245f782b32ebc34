"""Snapshot computation: the worked examples of SPEC §3, exact roll-ups, days, targets, idempotency."""

import datetime as dt

import pytest

from kpis.models import Scope, Snapshot, Target
from kpis.services import snapshots_compute, snapshots_refresh_dirty
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


def test_a_records_day_is_its_local_day_in_its_teams_time_zone(db):
    paris = TeamFactory(name="Paris", slug="paris", timezone="Europe/Paris")
    agent = AgentFactory(team=paris)
    # 23:30 UTC on Monday is 00:30 on Tuesday in Paris; 22:59 UTC is still Monday there.
    SurveyResponseFactory(agent=agent, score=5, responded_at=dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    SurveyResponseFactory(agent=agent, score=1, responded_at=dt.datetime(2026, 3, 2, 22, 59, tzinfo=UTC))
    compute(MONDAY, MONDAY + dt.timedelta(days=1))
    assert snap("csat", Scope.AGENT, agent=agent).value == 0.0
    assert snap("csat", Scope.AGENT, day=MONDAY + dt.timedelta(days=1), agent=agent).value == 100.0


def test_org_row_sums_team_rows_of_different_time_zones(db):
    tokyo = TeamFactory(name="Tokyo", slug="tokyo", timezone="Asia/Tokyo")
    ny = TeamFactory(name="NY", slug="ny", timezone="America/New_York")
    # 2 March 20:00 UTC is 3 March in Tokyo and 2 March in New York.
    moment = dt.datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    SurveyResponseFactory(agent=AgentFactory(team=tokyo), score=5, responded_at=moment)
    SurveyResponseFactory(agent=AgentFactory(team=ny), score=2, responded_at=moment)
    compute(MONDAY, MONDAY + dt.timedelta(days=1))
    monday = snap("csat", Scope.ORG)
    tuesday = snap("csat", Scope.ORG, day=MONDAY + dt.timedelta(days=1))
    assert (monday.numerator, monday.denominator) == (0.0, 1)
    assert (tuesday.numerator, tuesday.denominator) == (1.0, 1)


def test_an_empty_day_has_no_rows_and_zero_denominator_is_no_data(utc_team):
    agent = AgentFactory(team=utc_team)
    # An open ticket: volume 1, resolution rate 0 %, but no AHT / resolution time / FCR.
    TicketFactory(
        agent=agent, status="open", created_at=NOON, first_response_at=None, solved_at=None, handle_time_seconds=None
    )
    compute(MONDAY, MONDAY + dt.timedelta(days=1))
    assert not Snapshot.objects.filter(date=MONDAY + dt.timedelta(days=1)).exists()
    assert set(Snapshot.objects.filter(scope=Scope.AGENT, channel="").values_list("kpi", flat=True)) == {
        "volume",
        "resolution_rate",
    }
    assert snap("resolution_rate", Scope.AGENT, agent=agent).value == 0.0


def test_a_ticket_solved_but_not_in_solved_status_is_not_solved(utc_team):
    agent = AgentFactory(team=utc_team)
    TicketFactory(agent=agent, status="pending", created_at=NOON - dt.timedelta(hours=2), solved_at=NOON)
    compute()
    assert snap("resolution_rate", Scope.AGENT, agent=agent).value == 0.0
    assert not Snapshot.objects.filter(kpi__in=["aht", "fcr", "resolution_time"]).exists()


def test_channel_rows_and_surveys_take_the_tickets_channel(utc_team):
    agent = AgentFactory(team=utc_team)
    chat = TicketFactory(agent=agent, channel="chat", created_at=NOON - dt.timedelta(hours=1), solved_at=NOON)
    SurveyResponseFactory(agent=agent, ticket=chat, score=5, responded_at=NOON)
    SurveyResponseFactory(agent=agent, ticket=None, score=1, responded_at=NOON)  # all channels only
    compute()
    assert snap("csat", Scope.AGENT, agent=agent).denominator == 2
    assert snap("csat", Scope.AGENT, agent=agent, channel="chat").denominator == 1
    assert snap("csat", Scope.TEAM, team=utc_team, channel="chat").value == 100.0
    assert not Snapshot.objects.filter(kpi="csat", channel="email").exists()


def test_snapshot_records_the_most_specific_target_and_status(utc_team):
    agent = AgentFactory(team=utc_team)
    chat = TicketFactory(agent=agent, channel="chat", created_at=NOON - dt.timedelta(hours=1), solved_at=NOON)
    for score in (5, 5, 5, 4, 2):
        SurveyResponseFactory(agent=agent, ticket=chat, score=score, responded_at=NOON)
    targets = {
        "org": Target.objects.create(kpi="csat", scope=Scope.ORG, value=80, stretch=90, effective_from=MONDAY),
        "org_chat": Target.objects.create(kpi="csat", scope=Scope.ORG, channel="chat", value=70, effective_from=MONDAY),
        "team": Target.objects.create(kpi="csat", scope=Scope.TEAM, team=utc_team, value=75, effective_from=MONDAY),
        "agent": Target.objects.create(
            kpi="csat", scope=Scope.AGENT, agent=agent, value=85, effective_from=MONDAY, effective_to=MONDAY
        ),
        "agent_chat": Target.objects.create(
            kpi="csat", scope=Scope.AGENT, agent=agent, channel="chat", value=60, stretch=80, effective_from=MONDAY
        ),
        "expired": Target.objects.create(
            kpi="csat",
            scope=Scope.TEAM,
            team=utc_team,
            value=10,
            effective_from=MONDAY - dt.timedelta(days=9),
            effective_to=MONDAY - dt.timedelta(days=1),
        ),
    }
    compute()
    expectations = [
        (dict(scope=Scope.AGENT, agent=agent), "agent", "missed"),  # 80 % < 85
        (dict(scope=Scope.AGENT, agent=agent, channel="chat"), "agent_chat", "excellent"),
        (dict(scope=Scope.TEAM, team=utc_team), "team", "met"),
        (dict(scope=Scope.TEAM, team=utc_team, channel="chat"), "team", "met"),  # team beats org+channel
        (dict(scope=Scope.ORG), "org", "met"),
    ]
    for subject, name, status in expectations:
        row = Snapshot.objects.get(kpi="csat", date=MONDAY, **{"channel": "", **subject})
        assert (row.target_id, row.target_value, row.status) == (targets[name].pk, targets[name].value, status)
    volume = snap("volume", Scope.TEAM, team=utc_team)
    assert (volume.status, volume.target_id) == ("no_target", None)


def test_lower_is_better_status(utc_team):
    agent = AgentFactory(team=utc_team)
    TicketFactory(agent=agent, created_at=NOON - dt.timedelta(hours=1), solved_at=NOON, handle_time_seconds=300)
    Target.objects.create(kpi="aht", scope=Scope.ORG, value=360, stretch=300, effective_from=MONDAY)
    Target.objects.create(kpi="resolution_time", scope=Scope.ORG, value=1800, effective_from=MONDAY)
    compute()
    assert snap("aht", Scope.AGENT, agent=agent).status == "excellent"
    assert snap("resolution_time", Scope.AGENT, agent=agent).status == "missed"  # 3600 s > 1800 s


def test_agent_who_moved_keeps_rows_under_each_team(db):
    first, second = TeamFactory(slug="first", timezone="UTC"), TeamFactory(slug="second", timezone="UTC")
    agent = AgentFactory(team=second)
    SurveyResponseFactory(agent=agent, team=first, score=5, responded_at=NOON)
    SurveyResponseFactory(agent=agent, team=second, score=1, responded_at=NOON)
    compute()
    rows = Snapshot.objects.filter(kpi="csat", scope=Scope.AGENT, agent=agent, channel="")
    assert sorted((r.team_id, r.value) for r in rows) == [(first.pk, 100.0), (second.pk, 0.0)]


def test_recompute_is_idempotent_and_replaces_stale_rows(utc_team):
    agent = AgentFactory(team=utc_team)
    response = SurveyResponseFactory(agent=agent, score=5, responded_at=NOON)
    compute()
    first = list(Snapshot.objects.order_by("pk").values("kpi", "scope", "channel", "value", "denominator"))
    compute()
    again = list(Snapshot.objects.order_by("pk").values("kpi", "scope", "channel", "value", "denominator"))
    assert first == again
    response.delete()
    compute()
    assert not Snapshot.objects.filter(kpi="csat").exists()


def test_late_survey_is_picked_up_by_the_trailing_window(utc_team):
    from kpis.services import snapshots_compute_trailing

    agent = AgentFactory(team=utc_team)
    today = dt.date(2026, 3, 10)
    compute(today - dt.timedelta(days=6), today)
    assert not Snapshot.objects.filter(kpi="csat").exists()
    # A survey about a ticket solved days ago arrives for a day already computed.
    SurveyResponseFactory(agent=agent, score=4, responded_at=dt.datetime(2026, 3, 5, 8, tzinfo=UTC))
    snapshots_compute_trailing(days=7, today=today)
    assert snap("csat", Scope.TEAM, day=dt.date(2026, 3, 5), team=utc_team).value == 100.0


def test_ingestion_marks_dirty_and_the_refresh_recomputes_only_those_days(utc_team, django_capture_on_commit_callbacks):
    from kpis.models import DirtyDay
    from surveys.services import survey_responses_upsert

    agent = AgentFactory(team=utc_team, email="dirty@example.com")
    earlier = MONDAY - dt.timedelta(days=3)
    SurveyResponseFactory(agent=agent, score=1, responded_at=NOON - dt.timedelta(days=3))
    compute(earlier, MONDAY)
    earlier_rows = list(Snapshot.objects.filter(date=earlier).order_by("pk").values_list("pk", "computed_at"))
    assert earlier_rows and not Snapshot.objects.filter(date=MONDAY).exists()
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the refresh runs on commit
        survey_responses_upsert(
            records=[
                {
                    "external_id": "s1",
                    "kind": "csat",
                    "score": 5,
                    "agent_email": "dirty@example.com",
                    "responded_at": NOON,
                }
            ],
            actor=None,
        )
    assert snap("csat", Scope.AGENT, agent=agent).value == 100.0
    # Only the dirty day was recomputed: the earlier day's rows are the very same rows, untouched.
    assert list(Snapshot.objects.filter(date=earlier).order_by("pk").values_list("pk", "computed_at")) == earlier_rows
    assert DirtyDay.objects.count() == 0
    assert snapshots_refresh_dirty() == 0


def test_compute_queries_do_not_grow_with_agents_or_tickets(postgres, django_assert_num_queries):
    def build(team, agents, days):
        for a in range(agents):
            agent = AgentFactory(team=team)
            for d in range(days):
                moment = NOON + dt.timedelta(days=d)
                TicketFactory(
                    agent=agent,
                    channel=("chat", "email")[a % 2],
                    created_at=moment,
                    solved_at=moment + dt.timedelta(hours=1),
                )
                SurveyResponseFactory(agent=agent, score=5, responded_at=moment)

    small, large = TeamFactory(slug="small"), TeamFactory(slug="large")
    build(small, 1, 1)
    build(large, 12, 6)
    window = (MONDAY, MONDAY + dt.timedelta(days=7))
    # Teams and targets (2); per team: savepoint, lock, count its days written (`ComputedDay`), delete
    # snapshots, delete category rows, delete the agent and the team distribution rows, one INSERT … SELECT per
    # family (5 with quality reviews, each writing the category rows too), one per family with time KPIs (2: the
    # distributions), the customers' service days (delete, read the tickets and the CSAT responses naming a
    # customer; none here, so no insert: one more when some do, in batches of 2,000 rows), the read of the
    # sampled-ratio rows (IQS: none here, so no update), release (19); org:
    # savepoint, lock, count its days, delete snapshots and distributions, one INSERT … SELECT summing the team
    # rows, per month of days one read of the team distribution rows and one insert of their merge, the read of
    # the sampled-ratio rows, release (10). Targets on a median or p90 come from the targets already read.
    for team in (small, large):
        with django_assert_num_queries(2 + 19 + 10):
            snapshots_compute(date_from=window[0], date_to=window[1], team_ids=[team.pk])
    assert Snapshot.objects.filter(scope=Scope.AGENT, team=large).values("agent").distinct().count() == 12


def test_org_channel_target_applies_to_org_channel_rows(utc_team):
    agent = AgentFactory(team=utc_team)
    chat = TicketFactory(agent=agent, channel="chat", created_at=NOON - dt.timedelta(hours=1), solved_at=NOON)
    SurveyResponseFactory(agent=agent, ticket=chat, score=3, responded_at=NOON)
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=80, effective_from=MONDAY)
    org_chat = Target.objects.create(kpi="csat", scope=Scope.ORG, channel="chat", value=70, effective_from=MONDAY)
    compute()
    row = snap("csat", Scope.ORG, channel="chat")
    assert (row.target_id, row.status) == (org_chat.pk, "missed")
