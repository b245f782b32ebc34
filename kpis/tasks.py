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
    """Recompute the (team, day) snapshots that ingestion marked dirty."""
    cache.delete(REFRESH_SCHEDULED_KEY)
    return services.snapshots_refresh_dirty()


def schedule_snapshot_refresh() -> None:
    """Debounce refreshes after ingestion: at most one queued per refresh interval.

    Runs after the ingesting transaction commits. If the broker is down the dirty rows stay,
    and the periodic refresh catches up when it is back.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh_dirty_snapshots.apply()
        return
    interval = settings.KPI_REFRESH_INTERVAL_SECONDS
    try:
        if cache.add(REFRESH_SCHEDULED_KEY, True, timeout=interval * 2):
            refresh_dirty_snapshots.apply_async(countdown=interval, retry=False)
    except Exception:  # the broker or cache being down must never fail an ingestion
        cache.delete(REFRESH_SCHEDULED_KEY)
        logger.warning("could not schedule a snapshot refresh; the periodic refresh will catch up", exc_info=True)
