"""Celery tasks of the helpdesk connectors (routed to the `sync` queue): thin, ids in, services called."""

from __future__ import annotations

from celery import shared_task

from ..task_options import LONG_TASK_OPTIONS
from .models import Connection, SyncRun


@shared_task(name="tickets.connectors.sync", **LONG_TASK_OPTIONS)
def connection_sync_task(connection_id: int, trigger: str = SyncRun.Trigger.POLL) -> str:
    """Sync one connection; safe to re-run (the cursor resumes, upserts are idempotent), one at a time."""
    from .sync import connection_sync

    run = connection_sync(connection_id=connection_id, trigger=trigger)
    return run.status if run is not None else "requested"


@shared_task(name="tickets.connectors.poll", acks_late=True, soft_time_limit=60, time_limit=90)
def connections_poll_task() -> int:
    """Beat, every CONNECTOR_POLL_SECONDS: enqueue a sync of every active connection."""
    ids = list(Connection.objects.filter(is_active=True).values_list("pk", flat=True))
    for connection_id in ids:
        connection_sync_task.delay(connection_id, SyncRun.Trigger.POLL)
    return len(ids)
