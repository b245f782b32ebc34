"""Celery tasks of ticket ingestion: thin, load the ImportRun by id and call the service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from .importing.runs import import_files_purge, import_run_execute, import_run_fail
from .task_options import LONG_TASK_OPTIONS

logger = logging.getLogger(__name__)


@shared_task(name="tickets.import_run", **LONG_TASK_OPTIONS)
def import_run_task(import_run_id: int) -> str:
    """Run one uploaded import; safe to re-run (rows are upserted by external_id)."""
    try:
        return import_run_execute(import_run_id=import_run_id).status
    except SoftTimeLimitExceeded:
        import_run_fail(
            import_run_id=import_run_id,
            message="The import took longer than 25 minutes and was stopped. "
            "Split the file, or import it with the import_tickets command.",
        )
        return "failed"
    except OperationalError:
        raise  # the database went away: retried (autoretry_for), the re-run skips what is stored
    except Exception:
        # Whatever else breaks, the run must not stay "running" for ever: say so on it, keep the trace.
        logger.exception("Import run %s stopped on an unexpected error", import_run_id)
        import_run_fail(
            import_run_id=import_run_id,
            message="The import stopped on an unexpected error (logged for the administrators).",
        )
        return "failed"


@shared_task(name="tickets.import_files_purge", acks_late=True, soft_time_limit=10 * 60, time_limit=15 * 60)
def import_files_purge_task() -> int:
    """Delete import files older than IMPORT_RETENTION_DAYS (daily, from beat); idempotent."""
    return import_files_purge()


# The connectors' tasks live in their package; importing them here registers them with Celery's autodiscovery.
from .connectors.tasks import connection_sync_task, connections_poll_task  # noqa: E402, F401
