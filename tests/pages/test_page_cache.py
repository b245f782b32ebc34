"""The team dashboard's figures are cached (kpis.page_cache) and never stale: a write and its refresh, a target
saved or deleted, an agent joining or renamed show on the next read; the cache holds figures only, never who
may read them.

Query budgets, counted from the request's start with the savepoint pair of ATOMIC_REQUESTS (as in
test_page_query_budget.py): a first read costs session, user, the leader's teams, the team, the targets, the
computation stamps, the snapshot sums, the agents, the goals, the customers' tickets of the period (the outcomes
panel: kpis.outcomes), the notifications = 11 + 2; a read served from the cache skips the sums and the outcomes'
tickets (cached under the same stamp and the customers' own, tests/outcomes/test_panel_cache.py) = 9 + 2.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache

from kpis.models import Scope, Target
from kpis.services import snapshots_refresh_dirty, target_delete, target_save
from surveys.services import survey_responses_upsert
from tests.factories import AgentFactory, LeaderFactory
from tickets.services import tickets_upsert

pytestmark = pytest.mark.django_db

FIRST_READ_QUERIES = 13
CACHED_READ_QUERIES = 11


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def grid(page: str) -> str:
    """The agents × KPIs table and the needs-coaching list of a dashboard (the rest carries a fresh CSRF token)."""
    coaching = re.search(r'<section class="needs-coaching".*?</section>', page, re.S).group(0)
    table = re.search(r'<table class="data kpi-grid.*?</table>', page, re.S).group(0)
    return coaching + table


def csat_cell(page: str, label: str) -> str:
    """The text of the Customer Satisfaction cell in `label`'s row of the grid."""
    row = re.search(rf">{re.escape(label)}</a></th>(.*?)</tr>", page, re.S).group(1)
    return re.search(r'data-label="Customer Satisfaction".*?<span class="value">(.*?)</span>', row, re.S).group(1)


def test_a_second_read_comes_from_the_cache_and_shows_the_same_figures(
    client, leader, team, agent, team_data, django_assert_num_queries
):
    client.force_login(leader)
    client.get("/teams/")
    with django_assert_num_queries(FIRST_READ_QUERIES):
        first = client.get(f"/teams/{team.pk}/?period=7d").content.decode()
    with django_assert_num_queries(CACHED_READ_QUERIES):
        second = client.get(f"/teams/{team.pk}/?period=7d").content.decode()
    assert grid(second) == grid(first)
    assert "75.0 %" in csat_cell(second, str(agent))
    assert f"{agent}</a> missed 1 target" in second  # 75 % against the team's 80 %


def test_a_write_shows_as_soon_as_its_days_are_refreshed(client, leader, team, agent, team_data, today):
    client.force_login(leader)
    url = f"/teams/{team.pk}/?period=7d"
    assert "75.0 %" in csat_cell(client.get(url).content.decode(), str(agent))
    day = team_data["day"]
    moment = dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC)
    tickets_upsert(
        records=[
            {
                "external_id": f"LIVE-{n}",
                "channel": "email",
                "status": "solved",
                "agent": agent.pk,
                "created_at": moment.isoformat(),
                "solved_at": (moment + dt.timedelta(hours=1)).isoformat(),
                "handle_time_seconds": 300,
            }
            for n in range(4)
        ],
        actor=None,
    )
    survey_responses_upsert(
        records=[
            {"external_id": f"LIVE-S{n}", "kind": "csat", "score": 5, "agent": agent.pk, "responded_at": moment}
            for n in range(4)
        ],
        actor=None,
    )
    # Not refreshed yet: the snapshots, and so the page, still hold the figures before the write.
    assert "75.0 %" in csat_cell(client.get(url).content.decode(), str(agent))
    assert snapshots_refresh_dirty() > 0
    page = client.get(url).content.decode()
    assert "81.2 %" in csat_cell(page, str(agent))  # 13 of 16 satisfied (81.25): the target is met
    assert f"{agent}</a> missed" not in page


def test_a_target_saved_or_deleted_shows_at_once_without_a_recompute(client, leader, team, agent, team_data):
    client.force_login(leader)
    url = f"/teams/{team.pk}/?period=7d"
    assert f"{agent}</a> missed 1 target" in client.get(url).content.decode()
    target = team_data["target"]
    target.value = 70.0
    target_save(target=target, set_by=leader)
    page = client.get(url).content.decode()
    assert f"{agent}</a> missed" not in page
    assert "≥ 70.0 %" in grid(page)
    target_delete(target=target, actor=leader)
    page = client.get(url).content.decode()
    assert "≥ 70.0 %" not in grid(page)
    Target.objects.create(kpi="csat", scope=Scope.ORG, effective_from=team_data["day"], value=90.0)
    # Even a target written without the service (as by a shell or a fixture) shows at once.
    assert f"{agent}</a> missed 1 target" in client.get(url).content.decode()


def test_agents_are_read_for_each_request(client, leader, team, agent, team_data):
    client.force_login(leader)
    url = f"/teams/{team.pk}/?period=7d"
    client.get(url)
    agent.first_name, agent.last_name = "Alice", "Renamed"
    agent.save()
    newcomer = AgentFactory(username="nina", first_name="Nina", last_name="New", team=team)
    page = client.get(url).content.decode()
    assert "Alice Renamed" in grid(page)
    assert f'<a href="/agents/{newcomer.pk}/?period=7d">Nina New</a>' in grid(page)
    assert "—" in csat_cell(page, "Nina New")  # no data in the period


def test_cached_figures_are_never_an_access_decision(client, leader, other_leader, team, agent, team_data):
    client.force_login(leader)
    assert client.get(f"/teams/{team.pk}/?period=7d").status_code == 200
    client.force_login(other_leader)
    assert client.get(f"/teams/{team.pk}/?period=7d").status_code == 404
    client.force_login(LeaderFactory(username="leo", teams=[team]))
    assert "75.0 %" in csat_cell(client.get(f"/teams/{team.pk}/?period=7d").content.decode(), str(agent))


def test_nothing_is_cached_when_the_setting_is_zero(
    client, leader, team, team_data, settings, django_assert_num_queries
):
    settings.KPI_PAGE_CACHE_SECONDS = 0
    client.force_login(leader)
    client.get("/teams/")
    for _ in range(2):
        with django_assert_num_queries(FIRST_READ_QUERIES):
            client.get(f"/teams/{team.pk}/?period=7d")


@pytest.mark.services
def test_with_redis_a_page_reads_its_session_without_a_query(
    client, leader, team, team_data, settings, redis_url, django_assert_num_queries
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as config/settings/base.py with Redis
    client.force_login(leader)
    client.get("/teams/")
    client.get(f"/teams/{team.pk}/?period=7d")
    with django_assert_num_queries(CACHED_READ_QUERIES - 1):
        response = client.get(f"/teams/{team.pk}/?period=7d")
    assert response.status_code == 200
