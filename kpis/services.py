"""Writes of the KPI engine: dirty marks, snapshot computation, targets."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.audit import audit_record, audit_snapshot
from accounts.models import Team

from .compute import ComputeResult, compute_org_window, compute_team_window
from .models import DirtyDay, OrgDirtyDay, PitfallConfirmation, Target
from .partitions import PartitionPlan, snapshot_partition_plan, snapshot_partitions_apply
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
    """Recompute every (team, day) marked dirty, team after team, then the org rows once; returns marks cleared.

    The all-at-once path (commands, imports, eager Celery); the worker fans the same steps out per team.
    """
    cleared = sum(snapshots_refresh_team(team_id) for team_id in dirty_team_ids())
    snapshots_refresh_org()
    return cleared


def dirty_team_ids() -> list[int]:
    """The teams that have days marked dirty, oldest mark first."""
    teams = DirtyDay.objects.values("team_id").annotate(oldest=Min("marked_at")).order_by("oldest", "team_id")
    return [row["team_id"] for row in teams]


def snapshots_refresh_team(team_id: int) -> int:
    """Recompute one team's dirty days and mark those days stale for the org; returns the marks cleared.

    The team's rows, its cleared marks and the org marks commit together. A mark re-set while computing
    (same day, newer time) or added meanwhile is not cleared, so the next refresh picks it up.
    """
    marks = list(DirtyDay.objects.filter(team_id=team_id).values_list("pk", "date", "marked_at"))
    if not marks:
        return 0
    days = sorted({day for _, day, _ in marks})
    team = Team.objects.filter(pk=team_id).first()
    with transaction.atomic():
        if team is not None:  # a deleted team's marks went with it (CASCADE); nothing to compute
            resolver = TargetResolver(targets_intersecting(days[0], days[-1]))
            for first_day, last_day in day_runs(days):
                compute_team_window(team, first_day, last_day, resolver)
        _org_days_mark_dirty(days)
        return _clear_marks(DirtyDay, marks)


# Dirty days closer than this are refreshed as one window (the days between them too: one set of statements);
# farther apart, as separate windows, so a record dated years away never makes a refresh rewrite every day between.
REFRESH_RUN_GAP_DAYS = 31


def day_runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as (first, last) windows: a new window starts after a gap of more than REFRESH_RUN_GAP_DAYS."""
    runs = [[days[0], days[0]]]
    for day in days[1:]:
        if (day - runs[-1][1]).days > REFRESH_RUN_GAP_DAYS:
            runs.append([day, day])
        else:
            runs[-1][1] = day
    return [(first, last) for first, last in runs]


def snapshots_refresh_org() -> int:
    """Re-sum the org rows of the days the team refreshes marked; returns the org marks cleared."""
    marks = list(OrgDirtyDay.objects.values_list("pk", "date", "marked_at"))
    if not marks:
        return 0
    days = sorted({day for _, day, _ in marks})
    with transaction.atomic():
        resolver = TargetResolver(targets_intersecting(days[0], days[-1]))
        for first_day, last_day in day_runs(days):
            compute_org_window(first_day, last_day, resolver)
        return _clear_marks(OrgDirtyDay, marks)


def org_refresh_waits_for_teams() -> bool:
    """True when team refreshes marked before the newest org mark are still pending: the org re-sum then
    waits for them (each marks the org again when done), so a fan-out over many teams re-sums it once."""
    newest_org_mark = OrgDirtyDay.objects.aggregate(newest=Max("marked_at"))["newest"]
    return newest_org_mark is not None and DirtyDay.objects.filter(marked_at__lte=newest_org_mark).exists()


def org_oldest_mark_age_seconds() -> float | None:
    """How long the oldest pending org mark has waited, or None when the org rows are fresh."""
    oldest = OrgDirtyDay.objects.aggregate(oldest=Min("marked_at"))["oldest"]
    return None if oldest is None else (timezone.now() - oldest).total_seconds()


def _org_days_mark_dirty(days: list[dt.date]) -> None:
    now = timezone.now()
    OrgDirtyDay.objects.bulk_create(
        [OrgDirtyDay(date=day, marked_at=now) for day in days],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["marked_at"],
    )


def _clear_marks(model, marks: list[tuple[int, dt.date, dt.datetime]]) -> int:
    """Delete the marks read before computing, unless re-marked since (their time changed)."""
    pks_by_mark_time: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, _, marked_at in marks:
        pks_by_mark_time[marked_at].append(pk)
    cleared = 0
    for marked_at, pks in pks_by_mark_time.items():  # one delete per ingestion batch, typically
        cleared += model.objects.filter(pk__in=pks, marked_at=marked_at).delete()[0]
    return cleared


def snapshots_compute_trailing(*, days: int, today: dt.date | None = None) -> ComputeResult:
    """Recompute the trailing window of `days` days ending today (late surveys and resolutions)."""
    today = today or timezone.localdate()
    # A day ahead covers teams whose local date is already tomorrow.
    return snapshots_compute(date_from=today - dt.timedelta(days=days - 1), date_to=today + dt.timedelta(days=1))


def snapshot_partitions_upkeep(*, today: dt.date | None = None) -> PartitionPlan | None:
    """Monthly upkeep of a partitioned snapshot table: the months ahead created, months that landed in the
    default partition moved out. None, doing nothing, on SQLite or while the table is one table: converting
    it is an operator's decision (`partition_tables --apply`, docs/scaling.md)."""
    if connection.vendor != "postgresql":
        return None
    today = today or timezone.localdate()
    if not snapshot_partition_plan(today=today).partitioned:
        return None
    return snapshot_partitions_apply(today=today)


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
