"""The team dashboard and the scorecards cost one exact number of queries, for a team of 10 agents or of 100
and over 30 days or 365 (issue 15): every figure of a page is read from snapshots in one query.

The budgets, counted from the request's start, with the savepoint and its release that open and close the
request's transaction (ATOMIC_REQUESTS inside the test's own transaction):
- dashboard, first read of its period (each URL below is read once; a read served from the cache skips the
  sums, tests/pages/test_page_cache.py): session, user, the leader's teams, the team, the targets, the
  computation stamps (kpis.page_cache), the snapshot sums (agents, team, org, channels, categories, trend),
  the agents, the coaching goals, the customers' service days of the period (the outcomes panel, kpis.outcomes:
  one query while no ticket of the team names a customer), the unread notifications = 11 + 2;
- an agent's scorecard, first read of its period: session, user, the leader's teams, the agent, the targets, the
  computation stamps (kpis.page_cache; a read served from the cache skips the sums,
  tests/pages/test_scorecard_cache.py), the snapshot sums (agent, channels, trend, team, team trend), when the
  figures were computed, the goals, whether the viewer sees the agent's team, the unread notifications, the
  reviews = 12 + 2;
- an agent's own scorecard (/me/): the same but the leader's teams and the team check = 10 + 2.
"""

import datetime as dt

import pytest

from kpis.models import Scope, Target
from tests.factories import AdminFactory, AgentFactory, LeaderFactory, TeamFactory
from tests.pages.conftest import activity, compute

pytestmark = pytest.mark.django_db

DASHBOARD_QUERIES = 13
SCORECARD_QUERIES = 14
OWN_SCORECARD_QUERIES = 12
# Days with activity, spread over the year so the 365-day period reads many more days than the 30-day one.
ACTIVE_DAYS_AGO = (1, 2, 29, 120, 250, 364)


def build(name: str, agents: int, today: dt.date):
    """A team of `agents` agents, each with tickets and surveys on ACTIVE_DAYS_AGO in two channels."""
    team = TeamFactory(name=name, slug=name.lower(), timezone="Europe/Paris")
    members = [AgentFactory(team=team, first_name=f"{name} {index:03d}") for index in range(agents)]
    for index, agent in enumerate(members):
        for days_ago in ACTIVE_DAYS_AGO:
            activity(
                agent,
                today - dt.timedelta(days=days_ago),
                tickets=1,
                csat=[(5, 2)[index % 2]],
                channel=("chat", "email")[days_ago % 2],
                category=("billing", "returns")[index % 2],
            )
    # In force since before the year: no target changes inside either period.
    Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=team, effective_from=today - dt.timedelta(days=400), value=80
    )
    return team, members


def period(days: int, today: dt.date) -> str:
    return f"period=custom&date_from={today - dt.timedelta(days=days)}&date_to={today - dt.timedelta(days=1)}"


@pytest.fixture
def teams(today):
    ten = build("Ten", 10, today)
    hundred = build("Hundred", 100, today)
    Target.objects.create(kpi="aht", scope=Scope.ORG, effective_from=today - dt.timedelta(days=400), value=250)
    compute(days=366)
    return ten, hundred


def test_the_dashboard_costs_the_same_queries_for_10_or_100_agents_over_30_or_365_days(
    client, today, teams, django_assert_num_queries
):
    client.force_login(LeaderFactory(teams=[team for team, _ in teams]))
    client.get("/teams/")  # the session's first read is not the page's
    for team, members in teams:
        for days in (30, 365):
            with django_assert_num_queries(DASHBOARD_QUERIES):
                response = client.get(f"/teams/{team.pk}/?{period(days, today)}")
            page = response.content.decode()
            assert response.status_code == 200
            assert page.count('<tbody class="agent-group') == len(members)  # one grid row per agent
            assert f"/agents/{members[-1].pk}/kpis/csat/?{period(days, today)}" in page.replace("&amp;", "&")


def test_a_scorecard_costs_the_same_queries_for_an_agent_of_10_or_100_over_30_or_365_days(
    client, today, teams, django_assert_num_queries
):
    client.force_login(LeaderFactory(teams=[team for team, _ in teams]))
    client.get("/teams/")
    for _, members in teams:
        for days in (30, 365):
            with django_assert_num_queries(SCORECARD_QUERIES):
                response = client.get(f"/agents/{members[0].pk}/?{period(days, today)}")
            assert response.status_code == 200
    # The 365-day period reads the year's activity: six days of one ticket each.
    page = client.get(f"/agents/{teams[0][1][0].pk}/?{period(365, today)}").content.decode()
    assert "6 tickets" in page


def test_an_agent_s_own_scorecard_costs_the_same_queries_in_a_team_of_10_or_100(
    client, today, teams, django_assert_num_queries
):
    for _, members in teams:
        client.force_login(members[1])
        client.get("/")
        for days in (30, 365):
            with django_assert_num_queries(OWN_SCORECARD_QUERIES):
                response = client.get(f"/me/?{period(days, today)}")
            assert response.status_code == 200


# The teams overview (/teams/), first read of its period: session, user, the teams (with their agent counts), their
# leaders, the targets, the computation stamps of every team shown (kpis.page_cache), the snapshot sums of every team
# and agent (kpis.selectors.teams_overview), the teams' members (whom coaching counts), the unread notifications
# = 9 + 2, for one team or many; read again from the cache, the sums are skipped.
TEAMS_OVERVIEW_QUERIES = 11


def overview_team(name: str, today: dt.date):
    """A team of 2 agents, one of them short of the team's CSAT target, with a leader."""
    team = TeamFactory(name=name, slug=name.lower(), timezone="Europe/Paris")
    LeaderFactory(teams=[team], first_name=f"{name} leader")
    for index, scores in enumerate(([5] * 12, [5] * 6 + [1] * 6)):
        agent = AgentFactory(team=team, first_name=f"{name} {index}")
        activity(agent, today - dt.timedelta(days=2), tickets=12, csat=scores)
    Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=team, effective_from=today - dt.timedelta(days=60), value=80
    )
    return team


def test_the_teams_overview_costs_the_same_queries_for_1_team_or_3(client, today, django_assert_num_queries):
    overview_team("First", today)
    compute(days=5)
    client.force_login(AdminFactory())
    client.get("/teams/?period=7d")  # the session's first read is not the page's
    with django_assert_num_queries(TEAMS_OVERVIEW_QUERIES):
        response = client.get("/teams/")
    assert [line.line.needs_coaching for line in response.context["lines"]] == [1]

    overview_team("Second", today)
    overview_team("Third", today)
    compute(days=5)
    with django_assert_num_queries(TEAMS_OVERVIEW_QUERIES):
        response = client.get("/teams/")
    # Every team's figures and coaching count are on the page, read rather than skipped: 18 of 24 responses
    # positive (75.0 %) misses each team's target.
    assert [line.line.needs_coaching for line in response.context["lines"]] == [1, 1, 1]
    with django_assert_num_queries(TEAMS_OVERVIEW_QUERIES - 1):
        cached = client.get("/teams/")
    page = response.content.decode()

    def overview(html: str) -> str:
        return html[html.index('aria-labelledby="overview-heading"') : html.index("</table>")]

    assert overview(cached.content.decode()) == overview(page)
    assert page.count('<span class="missed-kpi">Customer Satisfaction</span>') == 3
    assert page.count('>75.0 %</a></span> <span class="sample-size" aria-hidden="true">n 24</span>') == 3
    assert page.count(">Led by ") == 3
