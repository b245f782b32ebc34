"""Writes of the KPI engine: dirty marks, snapshot computation, targets."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import DirtyDay, Target

logger = logging.getLogger(__name__)


def snapshot_days_mark_dirty(*, team_days: Iterable[tuple[int, dt.date]]) -> None:
    """Record that these (team id, local day) snapshots are stale, and schedule a refresh.

    The mark is a row written in the caller's transaction, so it survives a broker outage.
    """
    pairs = set(team_days)
    if not pairs:
        return
    now = timezone.now()
    DirtyDay.objects.bulk_create(
        [DirtyDay(team_id=team_id, date=day, marked_at=now) for team_id, day in sorted(pairs)],
        update_conflicts=True,
        unique_fields=["team", "date"],
        update_fields=["marked_at"],
    )
    from .tasks import schedule_snapshot_refresh

    transaction.on_commit(schedule_snapshot_refresh)


def target_save(*, target: Target, set_by) -> Target:
    """Validate (including the no-overlap rule) and save a target; raises ValidationError."""
    with transaction.atomic():
        if set_by is not None and not target.set_by_id:
            target.set_by = set_by
        target.full_clean()
        target.save()
    return target


def target_delete(*, target: Target) -> None:
    """Remove a target; snapshots keep the figures they recorded until recomputed."""
    target.delete()
