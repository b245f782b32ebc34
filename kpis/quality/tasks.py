"""Celery task of quality reviews: the weekly sample draw (a thin wrapper over the service)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from kpis.tasks import TASK_OPTIONS

from . import services


@shared_task(name="kpis.quality.draw_weekly_assignments", **TASK_OPTIONS)
def draw_weekly_assignments(per_agent: int | None = None) -> dict:
    """Draw last week's sample for every team that has none yet (idempotent: a drawn week is skipped)."""
    created = services.assignments_draw_weekly(per_agent=per_agent or settings.QUALITY_SAMPLE_PER_AGENT)
    return {"assignments": [a.pk for a in created]}
