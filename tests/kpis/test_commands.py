"""compute_kpis and seed_targets from the shell (the broker outage is covered by test_faults.py)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kpis.models import DirtyDay, Scope, Snapshot, Target
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory

UTC = dt.UTC


def test_compute_kpis_for_a_range_and_a_team(db):
    first, second = TeamFactory(slug="first", timezone="UTC"), TeamFactory(slug="second", timezone="UTC")
    for team in (first, second):
        SurveyResponseFactory(
            agent=AgentFactory(team=team), score=5, responded_at=dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
        )
    out = StringIO()
    call_command("compute_kpis", "--date-from", "2026-03-01", "--date-to", "2026-03-03", "--team", "first", stdout=out)
    assert "for 1 team(s), 2026-03-01 to 2026-03-03" in out.getvalue()
    assert Snapshot.objects.filter(scope=Scope.TEAM, team=first, kpi="csat").count() == 1
    assert not Snapshot.objects.filter(scope=Scope.TEAM, team=second).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date-from", "2026-03-05", "--date-to", "2026-03-01"], "--date-to is before --date-from."),
        (["--date-from", "2026-03-01"], "Give --date-from and --date-to (YYYY-MM-DD), or --dirty."),
        (["--date-from", "2026-03-01", "--date-to", "2026-03-02", "--team", "nope"], "Unknown team slug(s): nope."),
    ],
)
def test_compute_kpis_refuses_bad_arguments(db, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("compute_kpis", *args)


def test_compute_kpis_dirty_refreshes_marked_days(db):
    team = TeamFactory(slug="t", timezone="UTC")
    SurveyResponseFactory(agent=AgentFactory(team=team), score=5, responded_at=dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    DirtyDay.objects.create(team=team, date=dt.date(2026, 3, 2))
    out = StringIO()
    call_command("compute_kpis", "--dirty", stdout=out)
    assert out.getvalue().strip() == "Refreshed 1 dirty team-day(s)."
    assert Snapshot.objects.get(scope=Scope.ORG, kpi="csat", channel="").value == 100.0
    assert DirtyDay.objects.count() == 0


def test_seed_targets_creates_the_benchmarks_once(db):
    call_command("seed_targets", stdout=StringIO())
    call_command("seed_targets", stdout=StringIO())
    targets = {(t.kpi, t.channel): (t.value, t.stretch) for t in Target.objects.filter(scope=Scope.ORG)}
    assert targets == {
        ("csat", ""): (80.0, 90.0),
        ("nps", ""): (0.0, 50.0),
        ("ces", ""): (5.0, None),
        ("aht", ""): (360.0, None),
        ("frt", ""): (3600.0, None),
        ("frt", "chat"): (30.0, None),
        ("frt", "phone"): (30.0, None),
        ("frt", "email"): (3600.0, None),
        ("resolution_time", ""): (86400.0, None),
        ("fcr", ""): (70.0, 90.0),
        ("resolution_rate", ""): (90.0, None),
    }
    assert all(t.rationale for t in Target.objects.all())


def test_seed_targets_adds_the_business_hours_benchmarks_when_asked(db):
    call_command("seed_targets", stdout=StringIO())
    call_command("seed_targets", "--business-hours", stdout=StringIO())
    business = {
        (t.kpi, t.value)
        for t in Target.objects.filter(scope=Scope.ORG, kpi__in=["frt_business", "resolution_time_business"])
    }
    assert business == {("frt_business", 3600.0), ("resolution_time_business", 28800.0)}
    assert Target.objects.filter(scope=Scope.ORG).count() == 13
