"""Snapshot computation (SPEC §5): grouped aggregate queries per team, atomic replace of rows.

Per team and window this issues a constant number of queries — one grouped query per
(source, day timestamp) family, one read of the records per family with time KPIs (their
distributions of durations, `kpis.distributions`), three deletes and three bulk inserts (the
snapshots, the team's sums per ticket category and the distributions), and the customers' service
per day (`kpis.outcomes.service_days`: two grouped reads, a delete and an insert) — whatever the
number of agents, customers or tickets. Rows are replaced inside
one transaction while the team's lock row is held, so a re-run, a concurrent run or a run after a
killed worker all leave the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Team
from kpis.quality.models import QualityReview
from surveys.models import SurveyResponse
from tickets.models import Ticket

from .compute_sql import insert_distribution_rows, insert_family_rows, insert_org_distribution_rows, insert_org_rows
from .days import utc_bounds
from .distributions import Distribution, finish_percentile_rows
from .models import CategorySnapshot, ComputedDay, ComputeLock, DurationDistribution, Scope, Snapshot
from .outcomes.service_days import customer_service_days_write
from .registry import DEFINITIONS_VERSION, KPIS, SNAPSHOT_KPIS, Kpi, Source, kpis_by_day_field
from .stats import wilson_interval
from .targets import TargetResolver, target_status

# Tests set this to compare the two paths on PostgreSQL.
FORCE_PYTHON_PATH = False
# `make bench` switches this off to measure what storing the time KPIs' distributions costs.
STORE_DISTRIBUTIONS = True

# (scope, agent_id, channel, date, kpi) → [numerator, denominator]
Sums = dict[tuple[str, int | None, str, dt.date, str], list]
# (date, category, kpi) → [numerator, denominator], for the team
CategorySums = dict[tuple[dt.date, str, str], list]


@dataclass
class ComputeResult:
    teams: int = 0
    rows: int = 0
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team_rows: dict[int, int] = field(default_factory=dict)


def _lock(key: str, date_from: dt.date, date_to: dt.date) -> None:
    """Hold the lock row `key` until the surrounding transaction ends, and count the days date_from..date_to
    as written by it (`ComputedDay`: the versions cached figures are keyed by).

    One upsert: INSERT … ON CONFLICT DO UPDATE takes the row lock, so a second run for the
    same key waits here until the first commits or rolls back.
    """
    ComputeLock.objects.bulk_create(
        [ComputeLock(key=key, last_run_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["last_run_at"],
    )
    table = connection.ops.quote_name(ComputedDay._meta.db_table)
    upsert = f'ON CONFLICT ("key", "date") DO UPDATE SET "version" = {table}."version" + 1'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'INSERT INTO {table} ("key", "date", "version") SELECT %s, day::date, 1 '
                f"FROM generate_series(%s::date, %s::date, interval '1 day') AS day {upsert}",
                [key, date_from, date_to],
            )
        else:
            days = (date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1))
            cursor.executemany(
                f'INSERT INTO {table} ("key", "date", "version") VALUES (%s, %s, 1) {upsert}',
                [(key, day.isoformat()) for day in days],
            )


def _family_records(team: Team, source: Source, day_field: str, date_from: dt.date, date_to: dt.date):
    """The records of a family for the team's local days date_from..date_to, with their day, channel and
    category expressions."""
    start, end = utc_bounds(date_from, date_to, team.zone)
    day = TruncDate(day_field, tzinfo=team.zone)
    if source == Source.TICKETS:
        qs = Ticket.objects.filter(team=team, **{f"{day_field}__gte": start, f"{day_field}__lt": end})
        channel, category = F("channel"), F("category")
    elif source == Source.QUALITY_REVIEWS:
        # A review carries its local day already (the ticket's solved day in the team's time zone) and the
        # team and agent it was reviewed for; channel and category are its ticket's.
        qs = QualityReview.objects.filter(team=team, **{f"{day_field}__gte": date_from, f"{day_field}__lte": date_to})
        day, channel, category = F(day_field), F("ticket__channel"), F("ticket__category")
    else:
        qs = SurveyResponse.objects.filter(team=team, responded_at__gte=start, responded_at__lt=end)
        channel = F("ticket__channel")  # a response without a ticket counts under all channels only
        category = Coalesce(F("ticket__category"), Value(""))  # …and under no category
    return qs, day, channel, category


def _family_rows(team: Team, source: Source, day_field: str, kpis: list[Kpi], date_from: dt.date, date_to: dt.date):
    """One grouped query: per local day, agent, channel and ticket category, the sums of every KPI of a family."""
    qs, day, channel, category = _family_records(team, source, day_field, date_from, date_to)
    aggregates = {}
    for kpi in kpis:
        aggregates.update(kpi.aggregates())
    return (
        qs.annotate(day=day, row_channel=channel, row_category=category)
        .values("day", "agent_id", "row_channel", "row_category")
        .annotate(**aggregates)
        .order_by()
    )


def _family_durations(
    team: Team, source: Source, day_field: str, kpis: list[Kpi], date_from: dt.date, date_to: dt.date
):
    """The records counted by some time KPI of a family: day, agent, channel, and per KPI its duration
    (`Kpi.duration`, `<code>__x`), NULL where that KPI does not count the record."""
    qs, day, channel, _category = _family_records(team, source, day_field, date_from, date_to)
    durations = {f"{kpi.code}__x": Case(When(kpi.counted, then=kpi.duration), default=None) for kpi in kpis}
    return (
        qs.filter(reduce(or_, (kpi.counted for kpi in kpis)))
        .annotate(day=day, row_channel=channel, **durations)
        .values("day", "agent_id", "row_channel", *durations)
        .order_by()
    )


def distribution_families() -> dict[tuple[Source, str], list[Kpi]]:
    """The KPI families with time KPIs, and those KPIs: one read of the records each."""
    families = {key: [kpi for kpi in kpis if kpi.has_distribution] for key, kpis in kpis_by_day_field().items()}
    return {key: kpis for key, kpis in families.items() if kpis}


# (scope, agent_id, channel, date, kpi) → the distribution of the durations
Distributions = dict[tuple[str, int | None, str, dt.date, str], Distribution]


def team_distributions(team: Team, date_from: dt.date, date_to: dt.date) -> Distributions:
    """The distributions of every time KPI's durations for the team (all channels and per channel) and its agents
    (all channels only: `kpis.distributions.quantiles_kept`), keyed like their snapshot rows."""
    distributions: Distributions = defaultdict(Distribution)
    for (source, day_field), kpis in distribution_families().items():
        for row in _family_durations(team, source, day_field, kpis, date_from, date_to):
            day, agent_id, channel = row["day"], row["agent_id"], row["row_channel"] or ""
            if isinstance(day, dt.datetime):
                day = day.date()
            for kpi in kpis:
                value = row[f"{kpi.code}__x"]
                if value is None:
                    continue
                seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
                keys = [(Scope.TEAM, None, "", day, kpi.code)]
                if channel:
                    keys.append((Scope.TEAM, None, channel, day, kpi.code))
                if agent_id is not None:  # all channels only: no agent × channel rows (`quantiles_kept`)
                    keys.append((Scope.AGENT, agent_id, "", day, kpi.code))
                for key in keys:
                    distributions[key].add(seconds)
    return distributions


def _distribution_rows(distributions: Distributions, team_id: int | None, now: dt.datetime):
    return [
        DurationDistribution(
            date=day,
            kpi=kpi_code,
            scope=scope,
            team_id=team_id,
            agent_id=agent_id,
            channel=channel,
            count=distribution.count,
            zeros=distribution.zeros,
            buckets=distribution.stored(),
            computed_at=now,
        )
        for (scope, agent_id, channel, day, kpi_code), distribution in distributions.items()
    ]


def team_sums(team: Team, date_from: dt.date, date_to: dt.date) -> tuple[Sums, CategorySums]:
    """Numerators and denominators of every KPI for the team and its agents, all channels and per channel;
    and for the team per ticket category."""
    sums: Sums = defaultdict(lambda: [0.0, 0])
    category_sums: CategorySums = defaultdict(lambda: [0.0, 0])
    for (source, day_field), kpis in kpis_by_day_field().items():
        for row in _family_rows(team, source, day_field, kpis, date_from, date_to):
            day, agent_id, channel = row["day"], row["agent_id"], row["row_channel"] or ""
            if isinstance(day, dt.datetime):  # some backends return a datetime for TruncDate
                day = day.date()
            for kpi in kpis:
                num, den = kpi.numerator_denominator(row)
                if not den:
                    continue
                category_sum = category_sums[(day, row["row_category"], kpi.code)]
                category_sum[0] += num
                category_sum[1] += den
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
    return sums, category_sums


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
    """A snapshot row (SNAPSHOT_COLUMNS) with its value, interval, confidence flag, target and status (a sampled
    ratio's interval and flag are set afterwards from its part rows: `finish_sampled_rows`)."""
    kpi = SNAPSHOT_KPIS[kpi_code]
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


CATEGORY_COLUMNS = ("date", "team_id", "category", "kpi", "numerator", "denominator")


def _insert_rows(rows: list[tuple], table: str = Snapshot._meta.db_table, columns=SNAPSHOT_COLUMNS) -> None:
    """Insert rows (snapshot rows by default) in one executemany, without building model instances.

    The first column is a date; a last column that is a datetime (`computed_at`) is adapted too.
    """
    if not rows:
        return
    ops = connection.ops
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    adapted = [
        (
            ops.adapt_datefield_value(row[0]),
            *row[1:-1],
            ops.adapt_datetimefield_value(row[-1]) if isinstance(row[-1], dt.datetime) else row[-1],
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)


def _delete_team_window(team: Team, date_from: dt.date, date_to: dt.date) -> None:
    """Delete the team's agent, team, category and distribution rows of the window (inside the caller's
    transaction)."""
    Snapshot.objects.filter(
        scope__in=(Scope.AGENT, Scope.TEAM), team=team, date__gte=date_from, date__lte=date_to
    ).delete()
    CategorySnapshot.objects.filter(team=team, date__gte=date_from, date__lte=date_to).delete()
    for scope in (Scope.AGENT, Scope.TEAM):  # one scope each: each range of its own partial unique key
        DurationDistribution.objects.filter(scope=scope, team=team, date__gte=date_from, date__lte=date_to).delete()


def finish_sampled_rows(*, team_id: int | None, date_from: dt.date, date_to: dt.date) -> None:
    """Set the interval and low-sample flag of the sampled-ratio rows (IQS) of a team (None: the org) and window
    from their part rows (n, Σe², Σe·p, Σp²): one read, and one update when there are such rows. Shared by both
    computation paths, inside their transaction; the rows are few (reviews are a sample)."""
    sampled = [kpi for kpi in KPIS.values() if kpi.sample is not None]
    if not sampled:
        return
    codes = [code for kpi in sampled for code in (kpi.code, *(part.code for part in kpi.parts))]
    rows = Snapshot.objects.filter(date__gte=date_from, date__lte=date_to, kpi__in=codes)
    rows = rows.filter(team_id=team_id) if team_id is not None else rows.filter(scope=Scope.ORG)
    by_key: dict[tuple, dict[str, tuple[float, int]]] = defaultdict(dict)
    own: dict[tuple, list] = {}
    for pk, kpi, scope, agent_id, channel, day, num, den in rows.values_list(
        "pk", "kpi", "scope", "agent_id", "channel", "date", "numerator", "denominator"
    ):
        key = (scope, agent_id, channel, day)
        by_key[key][kpi] = (num, den)
        if kpi in KPIS:
            own[(*key, kpi)] = [pk, num, den]
    updates = []
    for (*key, code), (pk, num, den) in own.items():
        kpi = KPIS[code]
        figure = kpi.sample_figure(by_key[tuple(key)], num, den)
        updates.append(
            Snapshot(
                pk=pk, ci_low=figure.ci_low, ci_high=figure.ci_high, low_confidence=kpi.low_confidence(figure.units)
            )
        )
    if updates:
        Snapshot.objects.bulk_update(updates, ["ci_low", "ci_high", "low_confidence"])


def compute_team_window(team: Team, date_from: dt.date, date_to: dt.date, resolver: TargetResolver) -> int:
    """Replace the agent, team and category snapshots of `team` for local days date_from..date_to."""
    if connection.vendor == "postgresql" and not FORCE_PYTHON_PATH:
        return _compute_team_window_in_database(team, date_from, date_to, resolver)
    now = timezone.now()
    with transaction.atomic():
        _lock(f"team:{team.pk}", date_from, date_to)
        sums, category_sums = team_sums(team, date_from, date_to)
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
        _delete_team_window(team, date_from, date_to)
        _insert_rows(rows)
        _insert_rows(
            [
                (day, team.pk, category, kpi_code, float(num), int(den))
                for (day, category, kpi_code), (num, den) in category_sums.items()
            ],
            table=CategorySnapshot._meta.db_table,
            columns=CATEGORY_COLUMNS,
        )
        if STORE_DISTRIBUTIONS:
            distributions = team_distributions(team, date_from, date_to)
            DurationDistribution.objects.bulk_create(_distribution_rows(distributions, team.pk, now), batch_size=2000)
        customer_service_days_write(team, date_from, date_to)
        finish_sampled_rows(team_id=team.pk, date_from=date_from, date_to=date_to)
        finish_percentile_rows(team_id=team.pk, date_from=date_from, date_to=date_to, targets=resolver.targets)
    return len(rows)


def _compute_team_window_in_database(team: Team, date_from: dt.date, date_to: dt.date, resolver: TargetResolver) -> int:
    """The same replacement on PostgreSQL, with every row built by INSERT … SELECT (kpis.compute_sql)."""
    now = timezone.now()
    written = 0
    with transaction.atomic():
        _lock(f"team:{team.pk}", date_from, date_to)
        _delete_team_window(team, date_from, date_to)
        for (source, day_field), kpis in kpis_by_day_field().items():
            family = _family_rows(team, source, day_field, kpis, date_from, date_to)
            base_sql, base_params = family.query.sql_with_params()
            written += insert_family_rows(
                team_id=team.pk,
                date_from=date_from,
                date_to=date_to,
                base_sql=base_sql,
                base_params=base_params,
                kpis=kpis,
                now=now,
            )
        if STORE_DISTRIBUTIONS:
            for (source, day_field), kpis in distribution_families().items():
                records = _family_durations(team, source, day_field, kpis, date_from, date_to)
                records_sql, records_params = records.query.sql_with_params()
                insert_distribution_rows(
                    team_id=team.pk, records_sql=records_sql, records_params=records_params, kpis=kpis, now=now
                )
        customer_service_days_write(team, date_from, date_to)
        finish_sampled_rows(team_id=team.pk, date_from=date_from, date_to=date_to)
        finish_percentile_rows(team_id=team.pk, date_from=date_from, date_to=date_to, targets=resolver.targets)
    return written


def compute_org_window(date_from: dt.date, date_to: dt.date, resolver: TargetResolver) -> int:
    """Replace the org snapshots for date_from..date_to with the sums of the team rows."""
    now = timezone.now()
    if connection.vendor == "postgresql" and not FORCE_PYTHON_PATH:
        with transaction.atomic():
            _lock("org", date_from, date_to)
            Snapshot.objects.filter(scope=Scope.ORG, date__gte=date_from, date__lte=date_to).delete()
            DurationDistribution.objects.filter(scope=Scope.ORG, date__gte=date_from, date__lte=date_to).delete()
            written = insert_org_rows(date_from=date_from, date_to=date_to, kpis=list(SNAPSHOT_KPIS.values()), now=now)
            if STORE_DISTRIBUTIONS:
                for rows in org_distribution_rows(date_from, date_to):
                    insert_org_distribution_rows(rows, now=now)
            finish_sampled_rows(team_id=None, date_from=date_from, date_to=date_to)
            finish_percentile_rows(team_id=None, date_from=date_from, date_to=date_to, targets=resolver.targets)
            return written
    with transaction.atomic():
        _lock("org", date_from, date_to)
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
            if row["kpi"] in SNAPSHOT_KPIS
        ]
        Snapshot.objects.filter(scope=Scope.ORG, date__gte=date_from, date__lte=date_to).delete()
        _insert_rows(rows)
        DurationDistribution.objects.filter(scope=Scope.ORG, date__gte=date_from, date__lte=date_to).delete()
        if STORE_DISTRIBUTIONS:
            for rows in org_distribution_rows(date_from, date_to):
                DurationDistribution.objects.bulk_create(
                    [
                        DurationDistribution(
                            date=day,
                            kpi=kpi_code,
                            scope=Scope.ORG,
                            channel=channel,
                            count=count,
                            zeros=zeros,
                            buckets=buckets,
                            computed_at=now,
                        )
                        for day, channel, kpi_code, count, zeros, buckets in rows
                    ],
                    batch_size=2000,
                )
        finish_sampled_rows(team_id=None, date_from=date_from, date_to=date_to)
        finish_percentile_rows(team_id=None, date_from=date_from, date_to=date_to, targets=resolver.targets)
    return len(rows)


# The org's distributions are merged a month of days at a time: memory stays bounded by one month's org rows.
ORG_MERGE_DAYS = 31


def org_distribution_rows(date_from: dt.date, date_to: dt.date) -> Iterator[list[tuple]]:
    """The org's distribution rows of days date_from..date_to, the team rows merged key by key, one list per month
    of days: (date, channel, kpi, count, zeros, {key as text: count}) per (day, channel, KPI).

    Merged here on both databases: on PostgreSQL, expanding every team row's buckets (jsonb_each_text) and summing
    them per (day, channel, KPI, key) cost about three times this (docs/performance.md)."""
    chunk_start = date_from
    while chunk_start <= date_to:
        chunk_end = min(date_to, chunk_start + dt.timedelta(days=ORG_MERGE_DAYS - 1))
        merged: dict[tuple[dt.date, str, str], list] = {}
        team_rows = DurationDistribution.objects.filter(
            scope=Scope.TEAM, date__gte=chunk_start, date__lte=chunk_end
        ).values_list("date", "channel", "kpi", "count", "zeros", "buckets")
        for day, channel, kpi_code, count, zeros, buckets in team_rows.iterator(chunk_size=2000):
            entry = merged.get((day, channel, kpi_code))
            if entry is None:
                merged[(day, channel, kpi_code)] = [count, zeros, dict(buckets)]
                continue
            entry[0] += count
            entry[1] += zeros
            summed = entry[2]
            for key, n in buckets.items():
                summed[key] = summed.get(key, 0) + n
        yield [(day, channel, kpi_code, *entry) for (day, channel, kpi_code), entry in merged.items()]
        chunk_start = chunk_end + dt.timedelta(days=1)
