"""Snapshot computation (SPEC §5): grouped aggregate queries per team, atomic replace of rows.

Per team and window this issues a constant number of queries — one grouped query per
(source, day timestamp) family, a delete and one bulk insert — whatever the number of agents
or tickets. Rows are replaced inside one transaction while the team's lock row is held, so
a re-run, a concurrent run or a run after a killed worker all leave the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Team
from surveys.models import SurveyResponse
from tickets.models import Ticket

from .compute_sql import insert_family_rows
from .days import utc_bounds
from .models import ComputeLock, Scope, Snapshot
from .registry import DEFINITIONS_VERSION, KPIS, Kpi, Source, kpis_by_day_field
from .stats import wilson_interval
from .targets import TargetResolver, target_status

# Tests set this to compare the two paths on PostgreSQL.
FORCE_PYTHON_PATH = False

# (scope, agent_id, channel, date, kpi) → [numerator, denominator]
Sums = dict[tuple[str, int | None, str, dt.date, str], list]


@dataclass
class ComputeResult:
    teams: int = 0
    rows: int = 0
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team_rows: dict[int, int] = field(default_factory=dict)


def _lock(key: str) -> None:
    """Hold the lock row `key` until the surrounding transaction ends.

    One upsert: INSERT … ON CONFLICT DO UPDATE takes the row lock, so a second run for the
    same key waits here until the first commits or rolls back.
    """
    ComputeLock.objects.bulk_create(
        [ComputeLock(key=key, last_run_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["last_run_at"],
    )


def _family_rows(team: Team, source: Source, day_field: str, kpis: list[Kpi], start, end):
    """One grouped query: per local day, agent and channel, the sums of every KPI of a family."""
    aggregates = {}
    for kpi in kpis:
        aggregates.update(kpi.aggregates())
    if source == Source.TICKETS:
        qs = Ticket.objects.filter(team=team, **{f"{day_field}__gte": start, f"{day_field}__lt": end})
        channel = F("channel")
    else:
        qs = SurveyResponse.objects.filter(team=team, responded_at__gte=start, responded_at__lt=end)
        channel = F("ticket__channel")  # a response without a ticket counts under all channels only
    return (
        qs.annotate(day=TruncDate(day_field, tzinfo=team.zone), row_channel=channel)
        .values("day", "agent_id", "row_channel")
        .annotate(**aggregates)
        .order_by()
    )


def team_sums(team: Team, date_from: dt.date, date_to: dt.date) -> Sums:
    """Numerators and denominators of every KPI for the team and its agents, all channels and per channel."""
    start, end = utc_bounds(date_from, date_to, team.zone)
    sums: Sums = defaultdict(lambda: [0.0, 0])
    for (source, day_field), kpis in kpis_by_day_field().items():
        for row in _family_rows(team, source, day_field, kpis, start, end):
            day, agent_id, channel = row["day"], row["agent_id"], row["row_channel"] or ""
            if isinstance(day, dt.datetime):  # some backends return a datetime for TruncDate
                day = day.date()
            for kpi in kpis:
                num, den = kpi.numerator_denominator(row)
                if not den:
                    continue
                keys = [(Scope.TEAM, None, "", day, kpi.code)]
                if channel:
                    keys.append((Scope.TEAM, None, channel, day, kpi.code))
                if agent_id is not None:
                    keys.append((Scope.AGENT, agent_id, "", day, kpi.code))
                    if channel:
                        keys.append((Scope.AGENT, agent_id, channel, day, kpi.code))
                for key in keys:
                    sums[key][0] += num
                    sums[key][1] += den
    return sums


SNAPSHOT_COLUMNS = (
    "date",
    "kpi",
    "scope",
    "team_id",
    "agent_id",
    "channel",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "low_confidence",
    "target_id",
    "target_value",
    "stretch_value",
    "status",
    "definitions_version",
    "computed_at",
)


def snapshot_values(
    *,
    kpi_code: str,
    scope: str,
    day: dt.date,
    channel: str,
    numerator: float,
    denominator: int,
    resolver: TargetResolver,
    team_id: int | None,
    agent_id: int | None,
    computed_at: dt.datetime,
) -> tuple:
    """A snapshot row (SNAPSHOT_COLUMNS) with its value, interval, confidence flag, target and status."""
    kpi = KPIS[kpi_code]
    value = kpi.value(numerator, denominator)
    interval = wilson_interval(numerator, denominator) if kpi.is_rate else (None, None)
    target = resolver.resolve(kpi=kpi_code, day=day, channel=channel, agent_id=agent_id, team_id=team_id)
    return (
        day,
        kpi_code,
        scope,
        team_id,
        agent_id,
        channel,
        value,
        float(numerator),
        int(denominator),
        interval[0],
        interval[1],
        kpi.low_confidence(denominator),
        target.pk if target else None,
        target.value if target else None,
        target.stretch if target else None,
        target_status(kpi_code, value, target),
        DEFINITIONS_VERSION,
        computed_at,
    )


def _insert_rows(rows: list[tuple]) -> None:
    """Insert snapshot rows in one executemany, without building model instances."""
    if not rows:
        return
    ops = connection.ops
    columns = ", ".join(SNAPSHOT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(SNAPSHOT_COLUMNS))
    sql = f"INSERT INTO {Snapshot._meta.db_table} ({columns}) VALUES ({placeholders})"
    adapted = [(ops.adapt_datefield_value(row[0]), *row[1:-1], ops.adapt_datetimefield_value(row[-1])) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)


def compute_team_window(team: Team, date_from: dt.date, date_to: dt.date, resolver: TargetResolver) -> int:
    """Replace the agent and team snapshots of `team` for local days date_from..date_to."""
    if connection.vendor == "postgresql" and not FORCE_PYTHON_PATH:
        return _compute_team_window_in_database(team, date_from, date_to)
    now = timezone.now()
    with transaction.atomic():
        _lock(f"team:{team.pk}")
        sums = team_sums(team, date_from, date_to)
        rows = [
            snapshot_values(
                kpi_code=kpi_code,
                scope=scope,
                day=day,
                channel=channel,
                numerator=num,
                denominator=den,
                resolver=resolver,
                team_id=team.pk,
                agent_id=agent_id,
                computed_at=now,
            )
            for (scope, agent_id, channel, day, kpi_code), (num, den) in sums.items()
        ]
        Snapshot.objects.filter(
            scope__in=(Scope.AGENT, Scope.TEAM), team=team, date__gte=date_from, date__lte=date_to
        ).delete()
        _insert_rows(rows)
    return len(rows)


def _compute_team_window_in_database(team: Team, date_from: dt.date, date_to: dt.date) -> int:
    """The same replacement on PostgreSQL, with every row built by INSERT … SELECT (kpis.compute_sql)."""
    now = timezone.now()
    start, end = utc_bounds(date_from, date_to, team.zone)
    written = 0
    with transaction.atomic():
        _lock(f"team:{team.pk}")
        Snapshot.objects.filter(
            scope__in=(Scope.AGENT, Scope.TEAM), team=team, date__gte=date_from, date__lte=date_to
        ).delete()
        for (source, day_field), kpis in kpis_by_day_field().items():
            base_sql, base_params = _family_rows(team, source, day_field, kpis, start, end).query.sql_with_params()
            written += insert_family_rows(
                team_id=team.pk, base_sql=base_sql, base_params=base_params, kpis=kpis, now=now
            )
    return written


def compute_org_window(date_from: dt.date, date_to: dt.date, resolver: TargetResolver) -> int:
    """Replace the org snapshots for date_from..date_to with the sums of the team rows."""
    now = timezone.now()
    with transaction.atomic():
        _lock("org")
        totals = (
            Snapshot.objects.filter(scope=Scope.TEAM, date__gte=date_from, date__lte=date_to)
            .values("date", "kpi", "channel")
            .annotate(num=Sum("numerator"), den=Sum("denominator"))
            .order_by()
        )
        rows = [
            snapshot_values(
                kpi_code=row["kpi"],
                scope=Scope.ORG,
                day=row["date"],
                channel=row["channel"],
                numerator=row["num"],
                denominator=row["den"],
                resolver=resolver,
                team_id=None,
                agent_id=None,
                computed_at=now,
            )
            for row in totals
            if row["kpi"] in KPIS
        ]
        Snapshot.objects.filter(scope=Scope.ORG, date__gte=date_from, date__lte=date_to).delete()
        _insert_rows(rows)
    return len(rows)
