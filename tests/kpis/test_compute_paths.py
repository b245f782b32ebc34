"""On PostgreSQL the snapshots are built by INSERT … SELECT; it must match the Python path row for row."""

import datetime as dt

import pytest

from kpis import compute
from kpis.models import Scope, Snapshot, Target
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC


def rows():
    return {
        (s.date, s.kpi, s.scope, s.team_id, s.agent_id, s.channel): (
            s.value,
            s.numerator,
            s.denominator,
            s.ci_low,
            s.ci_high,
            s.low_confidence,
            s.target_id,
            s.target_value,
            s.stretch_value,
            s.status,
            s.definitions_version,
        )
        for s in Snapshot.objects.all()
    }


def test_database_path_equals_python_path(postgres, monkeypatch):
    paris = TeamFactory(slug="paris", timezone="Europe/Paris")
    tokyo = TeamFactory(slug="tokyo", timezone="Asia/Tokyo")
    agents = [AgentFactory(team=paris), AgentFactory(team=paris), AgentFactory(team=tokyo)]
    start = dt.datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    for i in range(60):
        agent = agents[i % 3]
        created = start + dt.timedelta(hours=7 * i)
        solved = i % 4 != 0
        ticket = TicketFactory(
            agent=agent if i % 11 else None,
            team=agent.team,
            channel=("chat", "email", "phone", "social")[i % 4],
            status="closed" if solved else ("pending" if i % 8 else "open"),
            created_at=created,
            first_response_at=created + dt.timedelta(seconds=17 * i + 3) if i % 5 else None,
            solved_at=created + dt.timedelta(minutes=13 * i + 1) if solved or i % 8 else None,
            handle_time_seconds=None if i % 7 == 0 else 90 + 11 * i,
            agent_replies=1 + i % 3,
            reopened_count=i % 5 == 0,
        )
        kind = ("csat", "nps", "ces")[i % 3]
        score = {"csat": 1 + i % 5, "nps": i % 11, "ces": 1 + i % 7}[kind]
        SurveyResponseFactory(
            agent=agent,
            team=agent.team,
            ticket=ticket if i % 6 else None,
            kind=kind,
            score=score,
            responded_at=created + dt.timedelta(hours=30),
        )
    day = dt.date(2026, 3, 5)
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=60, stretch=90, effective_from=day)
    Target.objects.create(kpi="csat", scope=Scope.ORG, channel="chat", value=50, effective_from=day)
    Target.objects.create(kpi="aht", scope=Scope.TEAM, team=paris, value=300, stretch=150, effective_from=day)
    Target.objects.create(
        kpi="fcr",
        scope=Scope.AGENT,
        agent=agents[0],
        value=40,
        effective_from=day,
        effective_to=day + dt.timedelta(days=3),
    )
    Target.objects.create(kpi="frt", scope=Scope.AGENT, agent=agents[1], channel="email", value=500, effective_from=day)
    window = {"date_from": dt.date(2026, 2, 28), "date_to": dt.date(2026, 3, 25)}

    snapshots_compute(**window)
    in_database = rows()
    monkeypatch.setattr(compute, "FORCE_PYTHON_PATH", True)
    snapshots_compute(**window)
    in_python = rows()

    assert len(in_database) > 500
    assert in_database.keys() == in_python.keys()
    for key, values in in_database.items():
        expected = in_python[key]
        assert values[:3] == pytest.approx(expected[:3], rel=1e-12, abs=1e-9), key
        for got, want in zip(values[3:5], expected[3:5], strict=True):
            assert (got is None and want is None) or got == pytest.approx(want, rel=1e-9, abs=1e-9), key
        assert values[5:] == expected[5:], key
    statuses = {values[9] for values in in_database.values()}
    assert {"met", "missed", "excellent", "no_target"} <= statuses
