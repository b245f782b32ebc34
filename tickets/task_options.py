"""Celery options shared by the ticket-ingestion tasks (imports in `tickets.tasks`, syncs in `tickets.connectors`)."""

from django.db import OperationalError

# Long ingestion tasks (an import run, a helpdesk sync): acknowledged late and given back to the queue if the
# worker dies, retried with jittered backoff when the database drops the connection.
LONG_TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 3,
    "soft_time_limit": 25 * 60,
    "time_limit": 30 * 60,
}
