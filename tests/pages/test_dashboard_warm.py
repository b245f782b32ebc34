"""After a team's refresh the worker builds its dashboards' figures for the presets ending yesterday
(`kpis.views.warm_team_dashboards`, run by the `kpis.warm_team_pages` task), so the first leader to open one reads
it from the cache: the cached read's query budget, and the very figures a read building them would show.

Query budgets as in tests/pages/test_page_cache.py (counted from the request's start with the savepoint pair of
ATOMIC_REQUESTS).
"""

import datetime as dt

import pytest
from django.core.cache import cache

from kpis import tasks
from kpis.views import WARMED_PRESETS, warm_team_dashboards
from tests.pages.test_page_cache import CACHED_READ_QUERIES, FIRST_READ_QUERIES, csat_cell, grid
from tests.pages.test_scorecard_cache import write

pytestmark = pytest.mark.django_db


def test_a_warmed_dashboard_is_read_from_the_cache_with_the_figures_of_a_cold_read(
    client, leader, team, agent, team_data, django_assert_num_queries
):
    client.force_login(leader)
    client.get("/teams/")  # the session
    cold = {}
    for preset in WARMED_PRESETS:
        cache.clear()
        with django_assert_num_queries(FIRST_READ_QUERIES):
            cold[preset] = client.get(f"/teams/{team.pk}/?period={preset}").content.decode()

    cache.clear()
    assert warm_team_dashboards(team) == len(WARMED_PRESETS)
    for preset in WARMED_PRESETS:
        with django_assert_num_queries(CACHED_READ_QUERIES):
            warm = client.get(f"/teams/{team.pk}/?period={preset}").content.decode()
        assert grid(warm) == grid(cold[preset])
    assert "75.0 %" in csat_cell(warm, str(agent))
    # The default period (no parameter) is the 30-day preset, under the same key.
    with django_assert_num_queries(CACHED_READ_QUERIES):
        default = client.get(f"/teams/{team.pk}/").content.decode()
    assert grid(default) == grid(cold["30d"])


def test_warming_after_new_data_builds_what_the_next_read_shows(
    client, leader, team, agent, team_data, today, django_assert_num_queries
):
    from kpis.services import snapshots_refresh_dirty

    client.force_login(leader)
    client.get("/teams/")
    tasks.warm_team_pages.apply(args=[team.pk]).get()
    before = client.get(f"/teams/{team.pk}/?period=7d").content.decode()
    assert "75.0 %" in csat_cell(before, str(agent))

    # A late batch for yesterday: 12 answers of 5, so alice is at 21 of 24 (87.5 %) once refreshed.
    write(agent, today - dt.timedelta(days=1), n=12, prefix="LATE")
    snapshots_refresh_dirty()
    assert tasks.warm_team_pages.apply(args=[team.pk]).get() == len(WARMED_PRESETS)
    with django_assert_num_queries(CACHED_READ_QUERIES):
        after = client.get(f"/teams/{team.pk}/?period=7d").content.decode()
    assert "87.5 %" in csat_cell(after, str(agent))


def test_the_org_rows_are_built_again_after_another_teams_data_changes_the_org(
    client, leader, team, outside_agent, team_data, today, django_assert_num_queries
):
    from kpis.services import snapshots_refresh_dirty

    client.force_login(leader)
    client.get("/teams/")
    warm_team_dashboards(team)
    # Another team's late answers, refreshed: the org's count changes, this team's does not.
    write(outside_agent, today - dt.timedelta(days=1), n=2, prefix="OWL")
    snapshots_refresh_dirty()
    with django_assert_num_queries(CACHED_READ_QUERIES + 1):  # the org row's own read
        client.get(f"/teams/{team.pk}/?period=30d")
    assert tasks.warm_org_pages.apply().get() == len(WARMED_PRESETS)
    with django_assert_num_queries(CACHED_READ_QUERIES):
        client.get(f"/teams/{team.pk}/?period=7d")


def test_nothing_is_built_when_the_cache_is_off(team, team_data, settings, django_assert_num_queries):
    settings.KPI_PAGE_CACHE_SECONDS = 0
    with django_assert_num_queries(0):
        assert warm_team_dashboards(team) == 0


def test_warming_a_team_that_no_longer_exists_does_nothing(db):
    assert tasks.warm_team_pages.apply(args=[987654]).get() == 0
