"""Scorecards (/agents/<id>/, /me/, the API's) are cached like the dashboard (kpis.page_cache), each entry keyed by
the stamps of the computations that wrote its rows: a team's for the team's figures, the teams holding an agent's
rows for theirs. A write to another team and its refresh leave an entry in place; a write to the subject's team, a
target change or an agent's move show on the next read. Access is decided before any cache read.

Query budgets, counted from the request's start with the savepoint pair of ATOMIC_REQUESTS (as in
test_page_query_budget.py):
- an agent's scorecard, read by their leader: session, user, the leader's teams, the agent, the targets, the
  computation stamps, the snapshot sums, when the figures were computed, the goals, whether the viewer sees the
  agent's team, the unread notifications, the reviews = 12 + 2; from the cache, without the sums and when they
  were computed (kept with them) = 10 + 2;
- the agent's own scorecard (/me/): the same but the leader's teams and the team check = 10 + 2, cached 8 + 2;
- the dashboard after another team's refresh: its cached read (tests/pages/test_page_cache.py) and the org row's
  sums, the org's stamp having changed = 11 + 2 + 1.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from kpis.models import Scope, Snapshot, Target
from kpis.services import snapshots_refresh_dirty, target_save
from surveys.services import survey_responses_upsert
from tests.factories import LeaderFactory
from tests.pages.test_page_cache import CACHED_READ_QUERIES as DASHBOARD_CACHED_READ
from tickets.services import tickets_upsert

pytestmark = pytest.mark.django_db

SCORECARD_FIRST_READ = 14
SCORECARD_CACHED_READ = 12
OWN_FIRST_READ = 12
OWN_CACHED_READ = 10
# The API's, agent or team: session, user, the viewer's teams, the subject in scope, the targets, the stamps, the
# sums = 7 + 2; cached, without the sums = 6 + 2.
API_READS = (9, 8)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def csat(page: str) -> str:
    """The Customer Satisfaction figure of a scorecard's own column."""
    return re.search(r'>Customer Satisfaction</abbr></th>\s*<td class="value"[^>]*>(?:<a [^>]*>)?([^<]*)', page).group(
        1
    )


def write(agent, day: dt.date, n: int = 4, prefix: str = "LIVE", score: int = 5) -> None:
    """`n` solved tickets and `n` CSAT answers of `score` for `agent` on `day`, through the ingestion services (which
    mark their days dirty for the refresh)."""
    moment = dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC)
    tickets_upsert(
        records=[
            {
                "external_id": f"{prefix}-{i}",
                "channel": "email",
                "status": "solved",
                "agent": agent.pk,
                "created_at": moment.isoformat(),
                "solved_at": (moment + dt.timedelta(hours=1)).isoformat(),
                "handle_time_seconds": 300,
            }
            for i in range(n)
        ],
        actor=None,
    )
    survey_responses_upsert(
        records=[
            {"external_id": f"{prefix}-S{i}", "kind": "csat", "score": score, "agent": agent.pk, "responded_at": moment}
            for i in range(n)
        ],
        actor=None,
    )


def test_a_second_scorecard_read_comes_from_the_cache(client, leader, agent, team_data, django_assert_num_queries):
    client.force_login(leader)
    client.get("/teams/")
    url = f"/agents/{agent.pk}/?period=7d"
    with django_assert_num_queries(SCORECARD_FIRST_READ):
        first = client.get(url).content.decode()
    with django_assert_num_queries(SCORECARD_CACHED_READ):
        second = client.get(url).content.decode()
    assert csat(first) == csat(second) == "75.0 %"
    client.force_login(agent)
    client.get("/teams/")  # not found for an agent: the session's first read, not the page's
    # The entry holds figures only, so the agent's own read is served from the one their leader's read left.
    with django_assert_num_queries(OWN_CACHED_READ):
        own = client.get("/me/?period=7d").content.decode()
    assert csat(own) == "75.0 %"
    cache.clear()
    with django_assert_num_queries(OWN_FIRST_READ):
        assert csat(client.get("/me/?period=7d").content.decode()) == "75.0 %"


def test_a_write_to_another_team_keeps_the_entries_and_one_to_this_team_shows_at_once(
    client, leader, agent, outside_agent, team, team_data, django_assert_num_queries
):
    Snapshot.objects.update(computed_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(leader)
    client.get("/teams/")
    scorecard, dashboard = f"/agents/{agent.pk}/?period=7d", f"/teams/{team.pk}/?period=7d"
    page = client.get(scorecard).content.decode()
    assert csat(page) == "75.0 %" and "figures updated 1 h ago" in page
    before = client.get(dashboard).content.decode()
    assert "Organisation" in before

    write(outside_agent, team_data["day"], prefix="OWL", score=1)  # Owls: carol
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(SCORECARD_CACHED_READ):
        assert csat(client.get(scorecard).content.decode()) == "75.0 %"
    with django_assert_num_queries(DASHBOARD_CACHED_READ + 1):  # the org row is read again, the team's is not
        after = client.get(dashboard).content.decode()
    org = re.compile(r">Organisation</th>(.*?)</tr>", re.S)
    assert org.search(after).group(1) != org.search(before).group(1)  # carol's four 1s count in the org row

    write(agent, team_data["day"])  # Falcons: alice, 4 more satisfied answers
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(SCORECARD_FIRST_READ):
        page = client.get(scorecard).content.decode()
    assert csat(page) == "81.2 %"  # 13 of 16
    assert re.search(r"figures updated [0-5] s ago", page)  # kept with the figures, renewed with them


def test_a_write_to_a_day_the_period_does_not_read_keeps_its_entries(
    client, leader, agent, team, team_data, today, django_assert_num_queries
):
    """Entries are keyed by the days they read (the period and the one before it): today's writes, refreshed live,
    leave every period that ends yesterday cached; a write to one of its days, or to the period before it (its
    trend), shows on the next read."""
    client.force_login(leader)
    client.get("/teams/")
    scorecard, dashboard = f"/agents/{agent.pk}/?period=7d", f"/teams/{team.pk}/?period=7d"
    api = APIClient()
    api.force_authenticate(leader)
    team_api = f"/api/v1/scorecards/team/{team.pk}/?period=7d"
    assert csat(client.get(scorecard).content.decode()) == "75.0 %"
    before = client.get(dashboard).content.decode()
    api_before = api.get(team_api).json()

    write(agent, today, prefix="TODAY", score=1)  # today: outside "last 7 days", which ends yesterday
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(SCORECARD_CACHED_READ):
        assert csat(client.get(scorecard).content.decode()) == "75.0 %"
    with django_assert_num_queries(DASHBOARD_CACHED_READ):  # the org row's entry is kept too
        assert client.get(dashboard).content.decode().count("75.0 %") == before.count("75.0 %")
    assert api.get(team_api).json() == api_before
    today_page = client.get(f"/agents/{agent.pk}/?period=today").content.decode()
    assert csat(today_page) == "0.0 %"  # today's four 1s: the day's own page shows them at once

    write(agent, today - dt.timedelta(days=10), prefix="EARLIER")  # in the 7 days before: the trend's comparison
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(SCORECARD_FIRST_READ):
        assert csat(client.get(scorecard).content.decode()) == "75.0 %"  # the period's own figure is unchanged

    write(agent, team_data["day"], prefix="INSIDE")  # two days ago: inside the period
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(SCORECARD_FIRST_READ):
        assert csat(client.get(scorecard).content.decode()) == "81.2 %"  # 13 of 16
    assert "81.2 %" in client.get(dashboard).content.decode()
    assert api.get(team_api).json() != api_before


def test_a_target_change_shows_on_the_next_read(client, leader, agent, team_data):
    client.force_login(leader)
    url = f"/agents/{agent.pk}/?period=7d"
    assert "≥ 80.0 %" in client.get(url).content.decode()
    target = team_data["target"]
    target.value = 70.0
    target_save(target=target, set_by=leader)
    page = client.get(url).content.decode()
    assert "≥ 70.0 %" in page and "≥ 80.0 %" not in page


def test_an_agent_who_moved_sees_a_refresh_of_their_old_team(client, agent, team, other_team, team_data):
    """Alice's rows of two days ago stay Falcons' after she joins Owls; a late answer on that day, refreshed in
    Falcons, changes her scorecard although her team's stamp (Owls') did not move."""
    agent.team = other_team
    agent.save()
    client.force_login(agent)
    assert csat(client.get("/me/?period=7d").content.decode()) == "75.0 %"
    day = team_data["day"]
    moment = dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)
    assert set(agent.tickets.values_list("team", flat=True)) == {team.pk}
    survey_responses_upsert(
        records=[
            {"external_id": f"LATE-{i}", "kind": "csat", "score": 5, "agent": agent.pk, "responded_at": moment}
            for i in range(4)
        ],
        actor=None,
    )
    assert snapshots_refresh_dirty() > 0
    assert csat(client.get("/me/?period=7d").content.decode()) == "81.2 %"


def test_the_cache_is_never_an_access_decision(client, leader, other_leader, agent, team, team_data):
    client.force_login(leader)
    assert client.get(f"/agents/{agent.pk}/?period=7d").status_code == 200
    client.force_login(other_leader)
    assert client.get(f"/agents/{agent.pk}/?period=7d").status_code == 404
    api = APIClient()
    api.force_authenticate(other_leader)
    assert api.get(f"/api/v1/scorecards/agent/{agent.pk}/", {"period": "7d"}).status_code == 404
    assert api.get(f"/api/v1/scorecards/team/{team.pk}/", {"period": "7d"}).status_code == 404
    client.force_login(LeaderFactory(username="leo", teams=[team]))
    assert csat(client.get(f"/agents/{agent.pk}/?period=7d").content.decode()) == "75.0 %"


def api_csat(response) -> float:
    return next(kpi for kpi in response.json()["kpis"] if kpi["code"] == "csat")["value"]


def test_api_scorecards_are_cached_and_follow_their_team(
    leader, agent, team, outside_agent, team_data, django_assert_num_queries
):
    agent_url, team_url = f"/api/v1/scorecards/agent/{agent.pk}/", f"/api/v1/scorecards/team/{team.pk}/"
    api = APIClient()
    api.force_login(leader)  # a session: the viewer is read for each request, as with a token
    api.get(agent_url, {"period": "30d"})  # the session's first read is not the scorecard's
    for url, value in ((agent_url, 75.0), (team_url, 80.0)):  # the team: 12 of 15
        for queries in API_READS:
            with django_assert_num_queries(queries):
                assert api_csat(api.get(url, {"period": "7d"})) == pytest.approx(value)
    email = api.get(agent_url, {"period": "7d", "channel": "email"})
    assert email.json()["channel"] == "email"  # the channel is part of the key

    write(outside_agent, team_data["day"], prefix="OWL", score=1)
    assert snapshots_refresh_dirty() > 0
    with django_assert_num_queries(API_READS[1]):
        api.get(team_url, {"period": "7d"})

    write(agent, team_data["day"])
    assert snapshots_refresh_dirty() > 0
    assert api_csat(api.get(agent_url, {"period": "7d"})) == pytest.approx(81.25)
    assert api_csat(api.get(team_url, {"period": "7d"})) == pytest.approx(84.2, abs=0.05)  # 16 of 19
    Target.objects.filter(scope=Scope.TEAM).update(value=90.0)  # even without the service
    csat_figure = next(k for k in api.get(team_url, {"period": "7d"}).json()["kpis"] if k["code"] == "csat")
    assert csat_figure["status"] == "missed"
