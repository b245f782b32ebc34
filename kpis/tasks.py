"""Celery tasks of the KPI engine: thin wrappers that call services.

Every task is idempotent (it replaces rows under a lock), acknowledged late and rejected
back to the queue if its worker dies, with bounded, jittered retries on database errors.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)

TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 20 * 60,
    "time_limit": 25 * 60,
}
# The live refresh's tasks and the warm-up are queued by every write and nobody reads what they return: no result
# is stored, and the process queuing one does not subscribe to its result. (Subscribed, a web process held a result
# connection to Redis; with Redis down, a write then waited ~20 s in its reconnect loop before giving up.)
LIVE_TASK_OPTIONS = {**TASK_OPTIONS, "ignore_result": True}
# Cache keys of the live refresh. "Scheduled": a message is queued (a burst of writes queues one).
# "Running": a refresh of that team (or of the org rows) is computing; a second one comes back after it.
REFRESH_SCHEDULED_KEY = "kpis:refresh-scheduled"
ORG_REFRESH_SCHEDULED_KEY = "kpis:refresh-org-scheduled"
ORG_REFRESH_RUNNING_KEY = "kpis:refresh-org-running"
ORG_WARM_SCHEDULED_KEY = "kpis:warm-org-scheduled"
# A lost message must not block refreshes for long: the scheduled mark expires, and beat catches up.
REFRESH_SCHEDULED_TTL_SECONDS = 60
# A team's refresh of its dirty days takes well under a second; a crashed one frees the flag after this.
REFRESH_RUNNING_TTL_SECONDS = 120
# The org re-sum waits for team refreshes still pending (so a fan-out re-sums once), but never longer than
# this: under a steady stream of writes some team is always pending, and org figures must stay live.
ORG_REFRESH_MAX_WAIT_SECONDS = 4.0
# How soon a waiting org re-sum looks again (two small queries): it starts this soon after the last team.
ORG_REFRESH_RECHECK_SECONDS = 0.25


def team_refresh_scheduled_key(team_id: int) -> str:
    return f"kpis:refresh-team-scheduled:{team_id}"


def team_refresh_running_key(team_id: int) -> str:
    return f"kpis:refresh-team-running:{team_id}"


def team_warm_scheduled_key(team_id: int) -> str:
    return f"kpis:warm-team-scheduled:{team_id}"


@shared_task(name="kpis.ping")
def ping() -> str:
    """Health check: proves a worker is consuming from the broker."""
    return "pong"


@shared_task(name="kpis.compute_snapshots", **TASK_OPTIONS)
def compute_snapshots(date_from: str, date_to: str, team_ids: list[int] | None = None) -> dict:
    """Recompute snapshots for an ISO date range (backfill or recompute on demand)."""
    result = services.snapshots_compute(
        date_from=dt.date.fromisoformat(date_from), date_to=dt.date.fromisoformat(date_to), team_ids=team_ids
    )
    return {"teams": result.teams, "rows": result.rows, "date_from": date_from, "date_to": date_to}


@shared_task(name="kpis.compute_trailing_window", **TASK_OPTIONS)
def compute_trailing_window() -> dict:
    """The daily job: recompute the trailing window, for late surveys and resolutions."""
    result = services.snapshots_compute_trailing(days=settings.KPI_RECOMPUTE_WINDOW_DAYS)
    # The night's new periods (the presets now end on the day that just closed) built before anyone looks.
    queue_every_team_warm_up()
    return {"teams": result.teams, "rows": result.rows}


def warm_up_queued_key() -> str:
    """Set, without expiry, whenever every team's warm-up is queued by this code (`page_cache.CODE_DIGEST`, like
    every page's key): its absence means the cache was emptied (Redis restarted or flushed) or the code changed
    since, so every dashboard would be built by its first reader (`warm_if_cache_emptied`)."""
    from .page_cache import CODE_DIGEST

    return f"kpis:warm-up-queued:{CODE_DIGEST}"


def queue_every_team_warm_up() -> int:
    """Queue every team's warm-up (`warm_team_pages`; a team already queued is not queued twice); returns the teams
    queued. After the nightly recompute, and when a worker starts (config/celery_app.py): a deploy that changes the
    code computing figures changes every cache key (`page_cache.CODE_DIGEST`), and without it every dashboard's first
    read would build its figures until the team's next refresh. A period already cached under its key is a cache
    read for the warm-up, so a restart without a deploy costs little. Nothing in eager mode or with the cache or
    the warm-up off."""
    if not settings.KPI_WARM_PAGES or not settings.KPI_PAGE_CACHE_SECONDS or settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    from accounts.models import Team

    cache.set(warm_up_queued_key(), True, None)
    team_ids = list(Team.objects.values_list("pk", flat=True))
    for team_id in team_ids:
        _queue(team_warm_scheduled_key(team_id), warm_team_pages, countdown=0, args=[team_id])
    return len(team_ids)


@shared_task(name="kpis.warm_if_cache_emptied", **LIVE_TASK_OPTIONS)
def warm_if_cache_emptied() -> int:
    """Beat, every KPI_CACHE_WATCH_SECONDS: when the cache has lost the warm-up's mark (`warm_up_queued_key`: Redis
    restarted or flushed; kept without expiry, volatile-lru never evicts it), queue every team's warm-up again, so
    dashboards are cache reads within a minute of an emptied cache rather than built by their first reader until
    each team's next write. One cache read a minute otherwise; a period still cached is a cache read for the warm-up."""
    if not settings.KPI_WARM_PAGES or not settings.KPI_PAGE_CACHE_SECONDS or settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    if cache.get(warm_up_queued_key()) is not None:
        return 0
    return queue_every_team_warm_up()


@shared_task(name="kpis.snapshot_partitions_upkeep", **TASK_OPTIONS)
def snapshot_partitions_upkeep() -> dict:
    """Beat, monthly: keep a partitioned snapshot table's months ahead; a no-op while it is one table."""
    plan = services.snapshot_partitions_upkeep()
    if plan is None:
        return {"partitioned": False, "months_created": []}
    return {"partitioned": True, "months_created": [str(month) for month in plan.months_to_create]}


@shared_task(name="kpis.refresh_dirty_snapshots", **LIVE_TASK_OPTIONS)
def refresh_dirty_snapshots() -> int:
    """Fan the dirty (team, day) marks out: one refresh task per dirty team, then the org re-sum after them.

    Debounced after writes and run by beat as the catch-up. Eager (tests, `make run` without Redis) it
    refreshes everything in-process instead and returns the marks cleared; on a worker, the teams queued.
    """
    cache.delete(REFRESH_SCHEDULED_KEY)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return services.snapshots_refresh_dirty()
    team_ids = services.dirty_team_ids()
    for team_id in team_ids:
        _queue_team_refresh(team_id, countdown=0)
    if not team_ids and services.org_oldest_mark_age_seconds() is not None:
        _queue_org_refresh()  # teams done but the org re-sum was lost (a broker or worker restart)
    return len(team_ids)


@shared_task(name="kpis.refresh_team_snapshots", **LIVE_TASK_OPTIONS)
def refresh_team_snapshots(team_id: int) -> int:
    """Recompute one team's dirty days, then queue the org re-sum; one refresh per team at a time.

    Marks written while it computes survive it; a refresh of the same team arriving meanwhile comes back
    right after this one, so nothing waits for a fixed interval.
    """
    cache.delete(team_refresh_scheduled_key(team_id))
    # False: another refresh of this team holds the flag. (None: the cache is unreachable and django-redis
    # ignored the error; refreshing then, at worst twice, beats not refreshing. The team's lock row keeps
    # two computations of one team from interleaving.)
    if cache.add(team_refresh_running_key(team_id), True, timeout=REFRESH_RUNNING_TTL_SECONDS) is False:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            _queue_team_refresh(team_id)  # come back right after the running one
        return 0
    try:
        cleared = services.snapshots_refresh_team(team_id)
    finally:
        cache.delete(team_refresh_running_key(team_id))
    if cleared and not settings.CELERY_TASK_ALWAYS_EAGER:
        _queue_org_refresh()
        if settings.KPI_WARM_PAGES:
            # At once, not delayed: a worker holding a delayed message when Redis goes away exits (kombu's restore
            # of unacknowledged messages), and a 5 s delay after every refresh made that the common case.
            _queue(team_warm_scheduled_key(team_id), warm_team_pages, countdown=0, args=[team_id])
    return cleared


@shared_task(name="kpis.warm_team_pages", **LIVE_TASK_OPTIONS)
def warm_team_pages(team_id: int) -> int:
    """After a team's refresh, build its dashboards' figures for the presets into the page cache, so the first
    leader to open one reads it from the cache (`kpis.views.warm_team_dashboards`). Queued once per burst of
    refreshes; not in eager mode, where it would run inside the request that wrote."""
    from accounts.models import Team

    from .views import warm_team_dashboards  # the page's own code, so the entries are the page's

    cache.delete(team_warm_scheduled_key(team_id))
    team = Team.objects.filter(pk=team_id).first()
    return warm_team_dashboards(team) if team is not None else 0


@shared_task(name="kpis.refresh_org_snapshots", **LIVE_TASK_OPTIONS)
def refresh_org_snapshots() -> int:
    """Re-sum the org rows of the days teams refreshed; returns the org marks cleared.

    While team refreshes marked before it are still pending it waits for them (they queue it again when
    done), up to ORG_REFRESH_MAX_WAIT_SECONDS; one org re-sum runs at a time.
    """
    cache.delete(ORG_REFRESH_SCHEDULED_KEY)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if not eager and services.org_refresh_waits_for_teams():
        waited = services.org_oldest_mark_age_seconds() or 0.0
        if waited < ORG_REFRESH_MAX_WAIT_SECONDS:
            _queue_org_refresh(countdown=ORG_REFRESH_RECHECK_SECONDS)
            return 0
    if cache.add(ORG_REFRESH_RUNNING_KEY, True, timeout=REFRESH_RUNNING_TTL_SECONDS) is False:
        if not eager:
            _queue_org_refresh()
        return 0
    try:
        cleared = services.snapshots_refresh_org()
    finally:
        cache.delete(ORG_REFRESH_RUNNING_KEY)
    if cleared and not eager and settings.KPI_WARM_PAGES:
        _queue(ORG_WARM_SCHEDULED_KEY, warm_org_pages, countdown=0)
    return cleared


@shared_task(name="kpis.warm_org_pages", **LIVE_TASK_OPTIONS)
def warm_org_pages() -> int:
    """After the org re-sum, build the dashboards' org row for the presets (`kpis.views.warm_org_rows`): the team
    warm-ups before it built the row under the org's previous count."""
    from .views import warm_org_rows

    cache.delete(ORG_WARM_SCHEDULED_KEY)
    return warm_org_rows()


def schedule_snapshot_refresh() -> None:
    """Refresh soon after ingestion: a burst of writes within KPI_REFRESH_DEBOUNCE_SECONDS is one refresh.

    Runs after the ingesting transaction commits. At most one refresh is queued at a time; if the
    broker is down the dirty rows stay, and the periodic refresh catches up when it is back.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh_dirty_snapshots.apply()
        return
    _queue(REFRESH_SCHEDULED_KEY, refresh_dirty_snapshots, countdown=settings.KPI_REFRESH_DEBOUNCE_SECONDS)


def _queue_team_refresh(team_id: int, countdown: float | None = None) -> None:
    """Queue a team's refresh unless one is already queued (a running one does not count: it may have read
    its marks before the newest write)."""
    if countdown is None:
        countdown = settings.KPI_REFRESH_DEBOUNCE_SECONDS
    _queue(team_refresh_scheduled_key(team_id), refresh_team_snapshots, countdown=countdown, args=[team_id])


def _queue_org_refresh(countdown: float | None = None) -> None:
    if countdown is None:
        countdown = settings.KPI_REFRESH_DEBOUNCE_SECONDS
    _queue(ORG_REFRESH_SCHEDULED_KEY, refresh_org_snapshots, countdown=countdown)


def _queue(scheduled_key: str, task, *, countdown: float, args: list | None = None) -> None:
    try:
        if cache.add(scheduled_key, True, timeout=REFRESH_SCHEDULED_TTL_SECONDS):
            task.apply_async(args=args or [], countdown=countdown, retry=False)
    except Exception:  # the broker or cache being down must never fail an ingestion
        cache.delete(scheduled_key)
        logger.warning("could not queue %s; the periodic refresh will catch up", task.name, exc_info=True)
