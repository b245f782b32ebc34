"""On PostgreSQL the snapshots and category rows are built by INSERT … SELECT; it must match the Python
path row for row."""

import datetime as dt

import pytest

from kpis import compute
from kpis.models import CategorySnapshot, Scope, Snapshot, Target
from kpis.quality import services as quality
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory
from tests.quality.helpers import answers, published_rubric
from tickets.models import Ticket

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


def category_rows():
    return {
        (c.date, c.team_id, c.category, c.kpi): (c.numerator, c.denominator) for c in CategorySnapshot.objects.all()
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
            category=("billing", "returns", "")[i // 3 % 3],
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
    # Quality reviews of solved tickets (IQS and its part rows): unequal ratings, an auto-fail, N/A, a draft that
    # does not count and an open dispute; the channel and category are the ticket's.
    leaders = {team.pk: LeaderFactory(teams=[team]) for team in (paris, tokyo)}
    versions = {
        team.pk: published_rubric(leader, team)
        for team, leader in ((paris, leaders[paris.pk]), (tokyo, leaders[tokyo.pk]))
    }
    solved_tickets = Ticket.objects.filter(solved_at__isnull=False, status="closed", agent__isnull=False).order_by("pk")
    for n, ticket in enumerate(solved_tickets):
        version = versions[ticket.team_id]
        ratings = {"Greeting": 1 + n % 2, "Accuracy": 1 + n * 3 % 5, "Empathy": "na" if n % 4 == 0 else 1 + n % 4}
        review = quality.quality_review_create(
            reviewer=leaders[ticket.team_id],
            ticket=ticket,
            rubric_version=version,
            scores=answers(version, **ratings),
            submit=n % 9 != 8,
        )
        if n % 5 == 1 and review.status == "submitted":
            quality.dispute_raise(review=review, actor=ticket.agent, reason="I disagree.")
    Target.objects.create(
        kpi="iqs", scope=Scope.TEAM, team=tokyo, value=70, stretch=90, effective_from=dt.date(2026, 3, 1)
    )
    day = dt.date(2026, 3, 5)
    org_csat = Target.objects.create(kpi="csat", scope=Scope.ORG, value=60, stretch=90, effective_from=day)
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
    in_database, categories_in_database = rows(), category_rows()
    monkeypatch.setattr(compute, "FORCE_PYTHON_PATH", True)
    snapshots_compute(**window)
    in_python, categories_in_python = rows(), category_rows()

    assert len(in_database) > 500
    assert in_database.keys() == in_python.keys()
    for key, values in in_database.items():
        expected = in_python[key]
        assert values[:3] == pytest.approx(expected[:3], rel=1e-12, abs=1e-9), key
        for got, want in zip(values[3:5], expected[3:5], strict=True):
            assert (got is None and want is None) or got == pytest.approx(want, rel=1e-9, abs=1e-9), key
        assert values[5:] == expected[5:], key
    iqs_rows = {key: values for key, values in in_database.items() if key[1] == "iqs"}
    assert {key[2] for key in iqs_rows} == {Scope.AGENT, Scope.TEAM, Scope.ORG}
    assert {key[5] for key in iqs_rows} == {"", "email", "phone", "social"}  # chat tickets are unsolved
    assert any(values[3] is not None for values in iqs_rows.values())  # intervals from the part rows
    assert {values[9] for values in iqs_rows.values()} >= {"no_target", "met"}
    assert any(values[0] for key, values in in_database.items() if key[1] == "iqs_disputed")
    statuses = {values[9] for values in in_database.values()}
    assert {"met", "missed", "excellent", "no_target"} <= statuses
    # Org rows (summed from the team rows in SQL too) are held to the org's target.
    org_targets = {values[6] for (_, _, scope, _, _, _), values in in_database.items() if scope == Scope.ORG}
    assert org_csat.pk in org_targets

    # Every category, the empty one (no category, or a survey without a ticket) included, on both teams.
    assert {(team_id, category) for _, team_id, category, _ in categories_in_database} == {
        (team.pk, category) for team in (paris, tokyo) for category in ("billing", "returns", "")
    }
    assert categories_in_database.keys() == categories_in_python.keys()
    for key, (numerator, denominator) in categories_in_database.items():
        assert numerator == pytest.approx(categories_in_python[key][0], rel=1e-12, abs=1e-9), key
        assert denominator == categories_in_python[key][1], key
