"""The live refresh fanned out per team: one refresh of a team at a time, marks made meanwhile kept, the org
rows re-summed after the teams, and the eager path still refreshing everything in-process."""

import datetime as dt
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

from kpis import tasks
from kpis.models import DirtyDay, OrgDirtyDay, Scope, Snapshot
from kpis.services import (
    org_refresh_waits_for_teams,
    snapshot_days_mark_dirty,
    snapshots_compute,
    snapshots_refresh_team,
)
from surveys.services import survey_responses_upsert
from tests.db_locks import backends_waiting_on_a_lock, team_lock_held
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory
from tests.worker import celery_worker

UTC = dt.UTC
MONDAY = dt.date(2026, 3, 2)
TUESDAY = MONDAY + dt.timedelta(days=1)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=UTC)


def forget_refresh_flags(*teams) -> None:
    """Clear what an earlier test (or run, on a shared Redis) may have left in the cache for these teams."""
    keys = [tasks.REFRESH_SCHEDULED_KEY, tasks.ORG_REFRESH_SCHEDULED_KEY, tasks.ORG_REFRESH_RUNNING_KEY]
    for team in teams:
        keys += [tasks.team_refresh_scheduled_key(team.pk), tasks.team_refresh_running_key(team.pk)]
    cache.delete_many(keys)


def mark_dirty(*team_days: tuple) -> None:
    """The marks a write leaves, without the refresh it queues on commit (tests run that refresh themselves)."""
    DirtyDay.objects.bulk_create([DirtyDay(team=team, date=day) for team, day in team_days])


def csat(scope: str, team=None, day: dt.date = MONDAY) -> tuple[float, int] | None:
    return (
        Snapshot.objects.filter(scope=scope, team=team, agent=None, kpi="csat", channel="", date=day)
        .values_list("numerator", "denominator")
        .first()
    )


@pytest.fixture
def two_teams(db):
    """Two teams with CSAT responses on Monday (2 of 2 satisfied, 1 of 3 satisfied), their days marked dirty."""
    teams = [TeamFactory(slug="north", timezone="UTC"), TeamFactory(slug="south", timezone="UTC")]
    for team, scores in zip(teams, ((5, 4), (5, 1, 2)), strict=True):
        agent = AgentFactory(team=team)
        for score in scores:
            SurveyResponseFactory(agent=agent, score=score, responded_at=noon(MONDAY))
    mark_dirty(*[(team, MONDAY) for team in teams])
    forget_refresh_flags(*teams)
    return teams


def test_a_team_refresh_computes_nothing_while_another_refresh_of_that_team_runs(two_teams):
    north, south = two_teams
    cache.add(tasks.team_refresh_running_key(north.pk), True, timeout=60)  # north's refresh is computing
    try:
        assert tasks.refresh_team_snapshots.apply(args=[north.pk]).get() == 0
        assert DirtyDay.objects.filter(team=north, date=MONDAY).exists()  # kept for the next refresh
        assert csat(Scope.TEAM, north) is None
        # Another team is not held up by it.
        assert tasks.refresh_team_snapshots.apply(args=[south.pk]).get() == 1
        assert csat(Scope.TEAM, south) == (1.0, 3)
    finally:
        cache.delete(tasks.team_refresh_running_key(north.pk))

    assert tasks.refresh_team_snapshots.apply(args=[north.pk]).get() == 1
    assert csat(Scope.TEAM, north) == (2.0, 2)
    assert cache.get(tasks.team_refresh_running_key(north.pk)) is None  # released after the run
    assert tasks.refresh_team_snapshots.apply(args=[north.pk]).get() == 0  # nothing left to do


def test_org_rows_are_the_sum_of_two_teams_refreshed_by_separate_tasks(two_teams):
    north, south = two_teams
    assert tasks.refresh_team_snapshots.apply(args=[north.pk]).get() == 1
    assert list(OrgDirtyDay.objects.values_list("date", flat=True)) == [MONDAY]
    assert tasks.refresh_org_snapshots.apply().get() == 1
    assert csat(Scope.ORG) == (2.0, 2)  # south not refreshed yet

    assert tasks.refresh_team_snapshots.apply(args=[south.pk]).get() == 1
    assert tasks.refresh_org_snapshots.apply().get() == 1
    assert csat(Scope.ORG) == (3.0, 5)
    assert not DirtyDay.objects.exists() and not OrgDirtyDay.objects.exists()
    # The same rows a full recompute writes.
    refreshed = set(Snapshot.objects.values_list("scope", "team_id", "agent_id", "kpi", "channel", "numerator"))
    snapshots_compute(date_from=MONDAY, date_to=MONDAY)
    assert set(Snapshot.objects.values_list("scope", "team_id", "agent_id", "kpi", "channel", "numerator")) == (
        refreshed
    )


def test_the_org_re_sum_waits_for_team_refreshes_marked_before_it(two_teams):
    north, south = two_teams
    snapshots_refresh_team(north.pk)
    assert org_refresh_waits_for_teams()  # south's mark is older than the org mark north left
    snapshots_refresh_team(south.pk)
    assert not org_refresh_waits_for_teams()
    # A write after the last team refresh does not hold the org re-sum back.
    snapshot_days_mark_dirty(team_days=[(north.pk, TUESDAY)])
    assert not org_refresh_waits_for_teams()


def test_the_eager_refresh_after_a_write_refreshes_every_team_and_the_org(
    two_teams, django_capture_on_commit_callbacks
):
    north, south = two_teams
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the refresh runs on commit
        snapshot_days_mark_dirty(team_days=[(north.pk, MONDAY), (south.pk, MONDAY)])
    assert (csat(Scope.TEAM, north), csat(Scope.TEAM, south), csat(Scope.ORG)) == ((2.0, 2), (1.0, 3), (3.0, 5))
    assert not DirtyDay.objects.exists() and not OrgDirtyDay.objects.exists()


# PostgreSQL: a second connection holds a team's lock row, so a refresh stops at a known point.


def wait_for_backends_waiting_on_a_lock(other, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(pids := backends_waiting_on_a_lock(other)) < count:
        assert time.monotonic() < deadline, "no refresh reached the held lock"
        time.sleep(0.05)
    return pids


class InThread:
    """Run `function` in a thread with its own database connection; `result()` joins and returns its value."""

    def __init__(self, function, *args):
        self.value, self.error = None, None
        self.thread = threading.Thread(target=self._run, args=(function, *args))
        self.thread.start()

    def _run(self, function, *args):
        try:
            self.value = function(*args)
        except BaseException as error:  # re-raised in the test's thread
            self.error = error
        finally:
            connection.close()

    def result(self, timeout: float = 30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the refresh did not finish"
        if self.error is not None:
            raise self.error
        return self.value


@pytest.mark.services
def test_two_refreshes_of_one_team_at_once_only_one_computes(postgres, transactional_db, two_teams):
    north, _ = two_teams
    with team_lock_held(north) as other:
        first = InThread(lambda: tasks.refresh_team_snapshots.apply(args=[north.pk]).get())
        wait_for_backends_waiting_on_a_lock(other, 1)  # the first is computing (at the team's lock)
        # The second comes straight back: it does not queue behind the first at the lock.
        second = InThread(lambda: tasks.refresh_team_snapshots.apply(args=[north.pk]).get())
        assert second.result(timeout=10) == 0
        assert len(wait_for_backends_waiting_on_a_lock(other, 1)) == 1
        other.rollback()  # release the lock: the first computes
        assert first.result() == 1
    assert csat(Scope.TEAM, north) == (2.0, 2)


@pytest.mark.services
def test_marks_written_during_a_team_refresh_survive_it(postgres, transactional_db, two_teams):
    north, _ = two_teams
    mark_dirty((north, TUESDAY))
    with team_lock_held(north) as other:
        refresh = InThread(snapshots_refresh_team, north.pk)
        wait_for_backends_waiting_on_a_lock(other, 1)  # it has read its two marks and is computing
        # Meanwhile a write re-marks Tuesday and marks Wednesday; committing it releases the lock.
        other.execute(
            "UPDATE kpis_dirtyday SET marked_at = now() WHERE team_id = %s AND date = %s", [north.pk, TUESDAY]
        )
        other.execute(
            "INSERT INTO kpis_dirtyday (team_id, date, marked_at) VALUES (%s, %s, now())",
            [north.pk, TUESDAY + dt.timedelta(days=1)],
        )
        other.commit()
        assert refresh.result() == 1  # Monday's mark only
    assert sorted(DirtyDay.objects.filter(team=north).values_list("date", flat=True)) == [
        TUESDAY,
        TUESDAY + dt.timedelta(days=1),
    ]
    assert csat(Scope.TEAM, north) == (2.0, 2)


@pytest.mark.services
@pytest.mark.slow
def test_a_real_worker_refreshes_two_teams_and_the_org_after_writes(
    postgres, redis_url, transactional_db, settings, two_teams
):
    north, south = two_teams
    DirtyDay.objects.all().delete()  # start from the writes below
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.KPI_REFRESH_DEBOUNCE_SECONDS = 0.2
    agents = [AgentFactory(team=team, email=f"late-{team.slug}@example.com") for team in two_teams]
    with celery_worker(redis_url, concurrency=2):
        for number, agent in enumerate(agents):
            survey_responses_upsert(
                records=[
                    {
                        "external_id": f"late-{number}",
                        "kind": "csat",
                        "score": 5,
                        "agent_email": agent.email,
                        "responded_at": noon(MONDAY),
                    }
                ],
                actor=None,
            )
        deadline = time.monotonic() + 60
        expected = ((3.0, 3), (2.0, 4), (5.0, 7))
        while (csat(Scope.TEAM, north), csat(Scope.TEAM, south), csat(Scope.ORG)) != expected:
            assert time.monotonic() < deadline, "the worker never refreshed both teams and the org"
            time.sleep(0.1)
        # After each team's refresh the worker built its default dashboard into the cache (kpis.tasks.warm_team_pages)
        # and after the org re-sum the org row under the org's new count (warm_org_pages).
        while not all(default_dashboard_cached(team) for team in two_teams):
            assert time.monotonic() < deadline, "the worker never warmed both teams' dashboards and the org row"
            time.sleep(0.1)
    assert not DirtyDay.objects.exists() and not OrgDirtyDay.objects.exists()


@pytest.mark.services
@pytest.mark.slow
def test_a_worker_that_starts_warms_every_teams_dashboards(postgres, redis_url, transactional_db, settings, two_teams):
    """After a deploy every cache key names the new code (page_cache.CODE_DIGEST): a worker that starts queues every
    team's warm-up (kpis.tasks.queue_every_team_warm_up), so the first dashboards read after it are cache reads
    without waiting for a write or the nightly run."""
    snapshots_compute(date_from=MONDAY, date_to=MONDAY)
    DirtyDay.objects.all().delete()
    OrgDirtyDay.objects.all().delete()
    cache.clear()
    assert not any(default_dashboard_cached(team) for team in two_teams)
    with celery_worker(redis_url):
        deadline = time.monotonic() + 60
        while not all(default_dashboard_cached(team) for team in two_teams):
            assert time.monotonic() < deadline, "the worker never warmed the dashboards when it started"
            time.sleep(0.1)


@pytest.mark.services
@pytest.mark.slow
def test_an_emptied_cache_gets_every_teams_dashboards_warmed_again(
    postgres, redis_url, transactional_db, settings, two_teams
):
    """Redis restarted or flushed: beat's watch (kpis.tasks.warm_if_cache_emptied) finds the warm-up's mark gone and
    queues every team's warm-up, so dashboards are cache reads again without waiting for each team's next write;
    while the mark is there it queues nothing."""
    snapshots_compute(date_from=MONDAY, date_to=MONDAY)
    DirtyDay.objects.all().delete()
    OrgDirtyDay.objects.all().delete()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_worker(redis_url):
        cache.clear()  # the worker's start-up warm-up may have run: the cache is emptied after it
        forget_refresh_flags(*two_teams)
        cache.delete_many([tasks.team_warm_scheduled_key(team.pk) for team in two_teams])
        assert not any(default_dashboard_cached(team) for team in two_teams)
        assert tasks.warm_if_cache_emptied() == 2
        assert tasks.warm_if_cache_emptied() == 0  # the mark is back: nothing queued twice
        deadline = time.monotonic() + 60
        while not all(default_dashboard_cached(team) for team in two_teams):
            assert time.monotonic() < deadline, "the dashboards were not warmed again after the cache was emptied"
            time.sleep(0.1)


def test_the_cache_watch_queues_nothing_in_eager_mode_or_with_the_warm_up_off(settings, two_teams):
    cache.clear()
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the test settings: no worker to queue for
    assert tasks.warm_if_cache_emptied() == 0
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.KPI_WARM_PAGES = False
    assert tasks.warm_if_cache_emptied() == 0
    assert cache.get(tasks.warm_up_queued_key()) is None


def test_beat_runs_the_cache_watch_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["kpis-warm-if-cache-emptied"]
    assert (entry["task"], entry["schedule"]) == (tasks.warm_if_cache_emptied.name, 60.0)


def default_dashboard_cached(team) -> bool:
    """Whether the cache holds both entries of the team's dashboard as a leader opens it (the 30-day preset): the
    team's figures under the team's current count and the org row under the org's."""
    from kpis import page_cache, selectors
    from kpis.forms import PeriodForm
    from kpis.models import Statistic

    form = PeriodForm({})
    period, _ = form.resolve()
    team_version, org_version = selectors.figures_versions(team=team, period=period)
    common = {"resolver": selectors.period_targets(period), "using": selectors.snapshots_database()}
    keys = [
        page_cache.entry_key(
            "team_dashboard",
            version=team_version,
            parts=(team.pk, team.name, period, selectors.series_grain(period), form.query(), Statistic.MEAN),
            **common,
        ),
        page_cache.entry_key("org_row", version=org_version, parts=(period, Statistic.MEAN), **common),
    ]
    return all(cache.get(key) is not None for key in keys)
