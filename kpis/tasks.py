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
REFRESH_SCHEDULED_KEY = "kpis:refresh-scheduled"
REFRESH_RUNNING_KEY = "kpis:refresh-running"
# A lost message must not block refreshes for long: the scheduled mark expires, and beat catches up.
REFRESH_SCHEDULED_TTL_SECONDS = 60
# A refresh of the dirty days takes seconds; a crashed one frees the flag after this.
REFRESH_RUNNING_TTL_SECONDS = 120


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
    return {"teams": result.teams, "rows": result.rows}


@shared_task(name="kpis.refresh_dirty_snapshots", **TASK_OPTIONS)
def refresh_dirty_snapshots() -> int:
    """Recompute the (team, day) snapshots that ingestion marked dirty; one refresh runs at a time.

    Writes that arrive while this runs schedule the next refresh (the scheduled mark is cleared first,
    and marks made during the run are kept by the service), so nothing waits for a fixed interval.
    """
    cache.delete(REFRESH_SCHEDULED_KEY)
    # False: another refresh holds the flag. (None: the cache is unreachable and django-redis ignored the
    # error; refreshing then, at worst twice, beats not refreshing.)
    if cache.add(REFRESH_RUNNING_KEY, True, timeout=REFRESH_RUNNING_TTL_SECONDS) is False:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            _queue_refresh()  # another refresh is computing: come back right after it
        return 0
    try:
        return services.snapshots_refresh_dirty()
    finally:
        cache.delete(REFRESH_RUNNING_KEY)


def schedule_snapshot_refresh() -> None:
    """Refresh soon after ingestion: a burst of writes within KPI_REFRESH_DEBOUNCE_SECONDS is one refresh.

    Runs after the ingesting transaction commits. At most one refresh is queued at a time; if the
    broker is down the dirty rows stay, and the periodic refresh catches up when it is back.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh_dirty_snapshots.apply()
        return
    _queue_refresh()


def _queue_refresh() -> None:
    try:
        if cache.add(REFRESH_SCHEDULED_KEY, True, timeout=REFRESH_SCHEDULED_TTL_SECONDS):
            refresh_dirty_snapshots.apply_async(countdown=settings.KPI_REFRESH_DEBOUNCE_SECONDS, retry=False)
    except Exception:  # the broker or cache being down must never fail an ingestion
        cache.delete(REFRESH_SCHEDULED_KEY)
        logger.warning("could not schedule a snapshot refresh; the periodic refresh will catch up", exc_info=True)
