"""Celery tasks of the KPI engine: thin wrappers that call services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="kpis.ping")
def ping() -> str:
    """Health check: proves a worker is consuming from the broker."""
    return "pong"


def schedule_snapshot_refresh() -> None:
    """Placeholder scheduling hook, replaced by the KPI engine's debounced refresh."""
    logger.debug("refresh scheduling requested (always eager=%s)", settings.CELERY_TASK_ALWAYS_EAGER)
