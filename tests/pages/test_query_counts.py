"""The dashboard and the scorecard issue a constant number of queries, whatever the agents and days."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import Scope, Target
from tests.factories import AgentFactory, LeaderFactory, TeamFactory
from tests.pages.conftest import activity, compute

pytestmark = pytest.mark.django_db


def build(name: str, agents: int, days: int, today: dt.date):
    team = TeamFactory(name=name, slug=name.lower(), timezone="Europe/Paris")
    members = [AgentFactory(team=team) for _ in range(agents)]
    for offset in range(days):
        day = today - dt.timedelta(days=offset + 1)
        for index, agent in enumerate(members):
            activity(
                agent, day, tickets=1 + index % 2, csat=[5, 2][: 1 + offset % 2], channel=("chat", "email")[index % 2]
            )
    Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=team, effective_from=today - dt.timedelta(days=60), value=80
    )
    Target.objects.create(
        kpi="aht", scope=Scope.AGENT, agent=members[0], effective_from=today - dt.timedelta(days=60), value=250
    )
    return team, members


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def period(days: int, today: dt.date) -> str:
    return f"period=custom&date_from={today - dt.timedelta(days=days)}&date_to={today - dt.timedelta(days=1)}"


def test_dashboard_and_scorecard_query_counts_do_not_grow(client, today):
    small, small_agents = build("Small", agents=2, days=3, today=today)
    big, big_agents = build("Big", agents=8, days=20, today=today)
    compute(days=25)
    leader = LeaderFactory(teams=[small, big])
    client.force_login(leader)
    client.get("/teams/")  # warm the session

    dashboard = count(client, f"/teams/{small.pk}/?{period(3, today)}")
    assert count(client, f"/teams/{big.pk}/?{period(20, today)}") == dashboard
    assert dashboard <= 25

    scorecard = count(client, f"/agents/{small_agents[0].pk}/?{period(3, today)}")
    assert count(client, f"/agents/{big_agents[0].pk}/?{period(20, today)}") == scorecard
    assert scorecard <= 25

    client.force_login(big_agents[3])
    own = count(client, f"/me/?{period(20, today)}")
    client.force_login(small_agents[1])
    assert count(client, f"/me/?{period(3, today)}") == own


def test_goal_tracking_costs_the_same_queries_for_one_goal_or_twenty_six(client, today):
    from kpis.reviews.models import Goal
    from tests.reviews.helpers import shared_review

    small, small_agents = build("Small", agents=2, days=3, today=today)
    big, big_agents = build("Big", agents=8, days=20, today=today)
    compute(days=25)
    leader = LeaderFactory(teams=[small, big])
    period_of_review = (today - dt.timedelta(days=25), today - dt.timedelta(days=20))

    def goal(n: int) -> dict:
        kpi, value = [("csat", 80.0), ("aht", 300.0), ("fcr", 70.0)][n % 3]
        # Due from tomorrow on: the teams' day (Paris) can be a day ahead of the server's `today` (UTC), and a
        # goal due before the day its review is shared has no window to track (no query at all).
        due = today + dt.timedelta(days=n + 1)
        return {"due_date": due, "description": f"Goal {n}", "kpi": kpi, "target_value": value}

    shared_review(leader, small_agents[0], period=period_of_review, goals=[goal(0)])
    for index, agent in enumerate(big_agents[:6]):  # 26 goals across six agents' reviews
        shared_review(leader, agent, period=period_of_review, goals=[goal(n) for n in range(4 + (index < 2))])
    assert Goal.objects.filter(review__agent__team=big).count() == 26
    client.force_login(leader)
    client.get("/teams/")  # warm the session

    # Both pages' first reads (their figures are then cached: kpis.page_cache).
    one_goal = count(client, f"/teams/{small.pk}/?{period(3, today)}")
    assert count(client, f"/teams/{big.pk}/?{period(20, today)}") == one_goal
    page = client.get(f"/teams/{big.pk}/?{period(20, today)}")
    assert page.content.decode().count("Goal ") >= 26
