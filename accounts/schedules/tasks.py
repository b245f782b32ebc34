"""The task that recomputes business seconds after a large schedule change (routed to the "refresh" queue)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from accounts.models import Team
from tickets.task_options import LONG_TASK_OPTIONS

from .services import business_seconds_recompute


@shared_task(name="schedules.recompute_business_seconds", **LONG_TASK_OPTIONS)
def recompute_business_seconds(team_ids: list[int], date_from: str | None = None, date_to: str | None = None) -> int:
    """Recompute the teams' tickets (those touching date_from..date_to, all when None), one team per
    transaction; safe to re-run (it writes only what differs). Returns the number of tickets changed."""
    start = dt.date.fromisoformat(date_from) if date_from else None
    end = dt.date.fromisoformat(date_to) if date_to else None
    changed = 0
    for team in Team.objects.filter(pk__in=team_ids):
        changed += business_seconds_recompute(teams=[team], date_from=start, date_to=end).changed
    return changed
