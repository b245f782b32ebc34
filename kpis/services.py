"""Writes of the KPI engine: dirty marks, snapshot computation, targets."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audit_snapshot
from accounts.models import Team

from .compute import ComputeResult, compute_org_window, compute_team_window
from .models import DirtyDay, PitfallConfirmation, Target
from .targets import TargetResolver, targets_intersecting

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


def snapshots_compute(
    *,
    date_from: dt.date,
    date_to: dt.date,
    team_ids: Iterable[int] | None = None,
    on_team_done: Callable[[int, int], None] | None = None,
) -> ComputeResult:
    """Recompute agent, team and org snapshots for local days date_from..date_to (inclusive).

    Each team is replaced in its own transaction under its lock; then the org rows are
    re-summed from the team rows. Safe to re-run, run concurrently or after a crash.
    """
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    teams = Team.objects.order_by("pk")
    if team_ids is not None:
        teams = teams.filter(pk__in=list(team_ids))
    teams = list(teams)
    resolver = TargetResolver(targets_intersecting(date_from, date_to))
    result = ComputeResult(date_from=date_from, date_to=date_to)
    for done, team in enumerate(teams, start=1):
        result.team_rows[team.pk] = compute_team_window(team, date_from, date_to, resolver)
        if on_team_done is not None:  # a command's progress bar: (teams done, teams in all)
            on_team_done(done, len(teams))
    result.teams = len(teams)
    result.rows = sum(result.team_rows.values()) + compute_org_window(date_from, date_to, resolver)
    return result


def snapshots_refresh_dirty() -> int:
    """Recompute every (team, day) marked dirty; returns how many marks were cleared.

    Marks are cleared only if not re-marked while computing, so nothing marked late is lost.
    """
    marks = list(DirtyDay.objects.values_list("pk", "team_id", "date", "marked_at"))
    if not marks:
        return 0
    days_by_team: dict[int, list[dt.date]] = defaultdict(list)
    for _, team_id, day, _ in marks:
        days_by_team[team_id].append(day)
    all_days = [day for days in days_by_team.values() for day in days]
    resolver = TargetResolver(targets_intersecting(min(all_days), max(all_days)))
    teams = {team.pk: team for team in Team.objects.filter(pk__in=days_by_team)}
    for team_id, days in days_by_team.items():
        if team_id in teams:
            compute_team_window(teams[team_id], min(days), max(days), resolver)
    compute_org_window(min(all_days), max(all_days), resolver)
    pks_by_mark_time: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, _, _, marked_at in marks:
        pks_by_mark_time[marked_at].append(pk)
    cleared = 0
    for marked_at, pks in pks_by_mark_time.items():  # one delete per ingestion batch, typically
        cleared += DirtyDay.objects.filter(pk__in=pks, marked_at=marked_at).delete()[0]
    return cleared


def snapshots_compute_trailing(*, days: int, today: dt.date | None = None) -> ComputeResult:
    """Recompute the trailing window of `days` days ending today (late surveys and resolutions)."""
    today = today or timezone.localdate()
    # A day ahead covers teams whose local date is already tomorrow.
    return snapshots_compute(date_from=today - dt.timedelta(days=days - 1), date_to=today + dt.timedelta(days=1))


TARGET_AUDIT_FIELDS = list(Target.EDITABLE_FIELDS)


def target_save(*, target: Target, set_by) -> Target:
    """Validate (including the no-overlap rule) and save a target, recording the change in the audit trail.

    `set_by` is who makes this change; raises ValidationError with field errors and writes nothing.
    """
    with transaction.atomic():
        before = None
        if target.pk:
            stored = Target.objects.filter(pk=target.pk).first()
            before = audit_snapshot(stored, TARGET_AUDIT_FIELDS) if stored else None
        if set_by is not None and not target.set_by_id:
            target.set_by = set_by
        target.full_clean()
        target.save()
        audit_record(
            actor=set_by,
            action="target.updated" if before else "target.created",
            target=target,
            before=before,
            after=audit_snapshot(target, TARGET_AUDIT_FIELDS),
        )
    return target


def target_delete(*, target: Target, actor=None) -> None:
    """Remove a target (audited); snapshots keep the figures they recorded until recomputed."""
    with transaction.atomic():
        audit_record(
            actor=actor, action="target.deleted", target=target, before=audit_snapshot(target, TARGET_AUDIT_FIELDS)
        )
        target.delete()


def pitfall_confirm(*, team: Team, number: int, note: str, user) -> PitfallConfirmation:
    """Record (or update) a leader's confirmation of one pitfall for a team's targets."""
    with transaction.atomic():
        confirmation = PitfallConfirmation.objects.filter(team=team, number=number).first()
        confirmation = confirmation or PitfallConfirmation(team=team, number=number)
        confirmation.note = note.strip()
        confirmation.confirmed_by = user
        confirmation.confirmed_at = timezone.now()
        confirmation.full_clean(validate_unique=False)
        confirmation.save()
    return confirmation


def records_export_audit(*, actor, kpi_code: str, scope: str, subject, date_from: dt.date, date_to: dt.date) -> None:
    """Record in the audit trail that `actor` exported the records behind a figure."""
    audit_record(
        actor=actor,
        action="records.export.csv",
        object_type=f"{scope}",
        object_repr=f"{kpi_code} records of {subject or 'the organisation'}",
        after={
            "kpi": kpi_code,
            "scope": scope,
            "subject": getattr(subject, "pk", None),
            "date_from": date_from,
            "date_to": date_to,
        },
    )
