"""Reads of the KPI engine shared by every page, the API, reviews and exports.

A figure over any period and group is sum(numerator) / sum(denominator) of the daily
snapshots (volume: the sum), with its sample size, low-confidence flag, Wilson interval for
rates, the target in force on the period's last day and the previous period of equal length.
Every function here issues a constant number of queries, whatever the number of agents or days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Case, DateField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts import scoping
from accounts.models import Role, Team, User
from tickets.models import Channel

from .days import utc_bounds
from .distributions import QUANTILES_NOT_KEPT_NOTE, Distribution, Quantiles, merge_rows, quantiles_kept
from .formatting import format_change, format_period
from .models import (
    CategorySnapshot,
    ComputedDay,
    ComputeLock,
    DurationDistribution,
    Scope,
    Snapshot,
    Statistic,
    Target,
    TargetStatus,
)
from .registry import (
    BENCHMARKS,
    BUSINESS_HOURS_TWINS,
    KPI_PARTS,
    KPIS,
    Direction,
    Kpi,
    Source,
    Unit,
    target_step,
)
from .stats import wilson_interval
from .targets import TargetResolver, status_against, targets_intersecting

# ---- periods -----------------------------------------------------------------------------

# Presets judge complete days: they end yesterday, since today's tickets and surveys are still coming
# in (a half day would read as a drop). Today is its own preset, shown as "so far".
PERIOD_PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "today": "Today so far",
    "custom": "Custom range",
}
DEFAULT_PRESET = "30d"
MAX_PERIOD_DAYS = 366 * 2
# The query parameter that picks a preset on pages, exports and the API (custom adds date_from/date_to);
# pages redirect the name they used before (`kpis.decorators.period_page`), the API refuses it.
PERIOD_PARAM = "period"
OLD_PERIOD_PARAM = "preset"


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    # The period ends today: its last day is not complete yet ("so far").
    partial: bool = False

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (for trends)."""
        return Period(self.date_from - dt.timedelta(days=self.days), self.date_from - dt.timedelta(days=1))

    def days_read(self) -> tuple[dt.date, dt.date]:
        """(first, last) of the days a period page reads: this period and the one before it (the deltas)."""
        return self.previous().date_from, self.date_to

    def __str__(self) -> str:
        text = format_period(self.date_from, self.date_to)
        return f"{text} (so far)" if self.partial else text


def period_from_params(
    *, preset: str | None = None, date_from=None, date_to=None, today: dt.date | None = None
) -> tuple[Period, str]:
    """Resolve a preset or a custom range into a Period; raises ValidationError with field errors."""
    today = today or timezone.localdate()
    if date_from or date_to:
        preset = "custom"
    preset = preset or DEFAULT_PRESET
    if preset not in PERIOD_PRESETS:
        raise ValidationError({PERIOD_PARAM: f"Choose one of: {', '.join(PERIOD_PRESETS)}."})
    if preset == "custom":
        errors = {}
        parsed = {}
        for name, raw in (("date_from", date_from), ("date_to", date_to)):
            if isinstance(raw, dt.date):
                parsed[name] = raw
                continue
            try:
                parsed[name] = dt.date.fromisoformat(str(raw or ""))
            except ValueError:
                errors[name] = "Give a date as YYYY-MM-DD."
        if not errors and parsed["date_to"] < parsed["date_from"]:
            errors["date_to"] = "The end date is before the start date."
        if not errors and (parsed["date_to"] - parsed["date_from"]).days >= MAX_PERIOD_DAYS:
            errors["date_to"] = f"A period spans at most {MAX_PERIOD_DAYS} days."
        if errors:
            raise ValidationError(errors)
        return Period(parsed["date_from"], parsed["date_to"], partial=parsed["date_to"] >= today), preset
    if preset == "today":
        return Period(today, today, partial=True), preset
    yesterday = today - dt.timedelta(days=1)
    if preset == "month":
        if today.day == 1:  # nothing complete yet this month: the month so far is today
            return Period(today, today, partial=True), preset
        return Period(today.replace(day=1), yesterday), preset
    days = int(preset.removesuffix("d"))
    return Period(yesterday - dt.timedelta(days=days - 1), yesterday), preset


# ---- figures -----------------------------------------------------------------------------


class _SampleSize:
    """A figure's sample size (records, or n reviews for a sampled ratio) and its low-confidence flag."""

    kpi: Kpi
    numerator: float
    denominator: int
    units: int | None

    @property
    def sample_size(self) -> int:
        if self.units is not None:
            return self.units
        return self.kpi.sample_size(self.numerator, self.denominator)

    @property
    def low_confidence(self) -> bool:
        return self.kpi.low_confidence(self.sample_size)


@dataclass
class KpiFigure(_SampleSize):
    """One KPI for one subject over a period, ready for a page, the API or a review."""

    kpi: Kpi
    numerator: float = 0.0
    denominator: int = 0
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    target: Target | None = None
    status: str = "no_data"
    previous_value: float | None = None
    previous_sample_size: int = 0
    # When the target changed inside the period: the days it changed, and the record-weighted target
    # (and stretch) the period was judged against (see `_judge_across_targets`).
    target_changes: list[dt.date] = field(default_factory=list)
    period_target: float | None = None
    period_stretch: float | None = None
    # A sampled ratio (IQS): its units (n reviews, the sample size rather than the denominator's points) and
    # how many of them are under an open dispute.
    units: int | None = None
    disputed: int = 0
    # A time KPI (`Kpi.has_distribution`): the median and 90th percentile of its records' durations in seconds,
    # merged from the daily distributions of the period (never a mean of daily medians), and the records they
    # hold; None and 0 otherwise, or without records.
    median: float | None = None
    p90: float | None = None
    distribution_count: int = 0
    # Whether the median and p90 were read (a page that shows neither may skip them: `team_dashboard`).
    quantiles_read: bool = False
    # Why a time KPI has no median or p90 although they were asked for (an agent on one channel: not kept,
    # `kpis.distributions.quantiles_kept`); "" otherwise.
    quantiles_note: str = ""

    @property
    def code(self) -> str:
        return self.kpi.code

    def statistic_value(self, statistic: str) -> float | None:
        """The figure's mean (`value`), median or p90 (`Statistic`): what a target on that statistic judges."""
        return _statistic_value(self, statistic)

    @property
    def target_value(self) -> float | None:
        if self.target_changes:
            return self.period_target
        return self.target.value if self.target else None

    @property
    def stretch_value(self) -> float | None:
        if self.target_changes:
            return self.period_stretch
        return self.target.stretch if self.target else None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    @property
    def trend(self) -> str | None:
        """'better', 'worse' or 'flat' against the previous period; None without both values."""
        change = self.change
        if change is None:
            return None
        if abs(change) < 1e-9 or self.kpi.direction == Direction.NONE:
            return "flat" if abs(change) < 1e-9 else ("up" if change > 0 else "down")
        improved = change > 0 if self.kpi.direction == Direction.HIGHER else change < 0
        return "better" if improved else "worse"


def _statistic_value(figure: KpiFigure | SeriesPoint, statistic: str) -> float | None:
    if statistic == Statistic.MEDIAN:
        return figure.median
    if statistic == Statistic.P90:
        return figure.p90
    return figure.value


def _apply_quantiles(figures: dict[str, KpiFigure], quantiles: dict[str, Quantiles]) -> None:
    """Fill each time KPI's median, p90 and their records from `quantiles` (KPI code → its merged Quantiles), and
    judge a figure whose target is on a median or p90 by that statistic rather than the mean (with no records in
    the distribution: no data). Where the target changed inside the period, the period's statistic is held to the
    record-weighted target (`_judge_across_targets`): a median does not split into the days' medians."""
    for code, found in quantiles.items():
        figure = figures.get(code)
        if figure is not None:
            figure.median, figure.p90, figure.distribution_count = found.median, found.p90, found.count
    for figure in figures.values():
        figure.quantiles_read = figure.kpi.has_distribution
        target = figure.target
        if target is not None and target.statistic != Statistic.MEAN:
            value = figure.statistic_value(target.statistic)
            figure.status = status_against(figure.code, value, figure.target_value, figure.stretch_value)


def make_figure(
    kpi: Kpi,
    numerator: float,
    denominator: int,
    *,
    target: Target | None = None,
    previous: tuple[float, int] | None = None,
    parts: dict[str, tuple[float, int]] | None = None,
    previous_parts: dict[str, tuple[float, int]] | None = None,
) -> KpiFigure:
    """Value, interval and status of summed numerator/denominator against a target. A sampled ratio (IQS)
    takes n, its interval and its disputed units from the sums of its part rows (`parts`, code → sums)."""
    value = kpi.value(numerator, denominator)
    interval = wilson_interval(numerator, denominator) if kpi.is_rate else None
    sample = kpi.sample_figure(parts or {}, numerator, denominator) if kpi.sample else None
    if sample is not None:
        interval = (sample.ci_low, sample.ci_high)
    figure = KpiFigure(
        kpi=kpi,
        numerator=numerator,
        denominator=int(denominator),
        value=value,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        target=target,
        status=status_against(kpi.code, value, target.value if target else None, target.stretch if target else None),
        units=sample.units if sample else None,
        disputed=sample.disputed if sample else 0,
    )
    if previous is not None:
        figure.previous_value = kpi.value(*previous)
        figure.previous_sample_size = (
            kpi.sample_figure(previous_parts or {}, *previous).units if kpi.sample else kpi.sample_size(*previous)
        )
    return figure


def _subject_filter(scope: str, subject) -> Q:
    if scope == Scope.AGENT:
        return Q(scope=Scope.AGENT, agent=subject)
    if scope == Scope.TEAM:
        return Q(scope=Scope.TEAM, team=subject)
    # Org rows have no team: said here so the read is one range of the (scope, team, channel, date) index.
    return Q(scope=Scope.ORG, team__isnull=True)


def _target_subject(scope: str, subject) -> tuple[int | None, int | None]:
    """(agent id, team id) for target resolution: an agent's targets fall back to their current team."""
    if scope == Scope.AGENT:
        return subject.pk, subject.team_id
    return None, (subject.pk if scope == Scope.TEAM else None)


def _group_fields(group: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A part's `group` as its fields: none, one, or several (the agents of several teams: team and agent)."""
    if group is None:
        return ()
    return (group,) if isinstance(group, str) else tuple(group)


def _group_key_sql(columns: list[str]) -> str:
    """The group of a part's row as one text column (the parts of a combined read share their columns): a field's
    value, or several fields' values separated by a space."""
    if not columns:
        return "CAST(NULL AS varchar)"
    return " || ' ' || ".join(f"CAST({column} AS varchar)" for column in columns)


def _group_value(model, group: str | tuple[str, ...] | None):
    """`value(group_key)`: a row's group text read back into its field's type, or a tuple of them for a group of
    several fields (None without a group)."""
    fields = _group_fields(group)
    converters = [model._meta.get_field(name).to_python for name in fields]
    if len(fields) == 1:
        convert = converters[0]
        return lambda key: None if key is None else convert(key)

    parsed: dict[str, tuple] = {}  # a key recurs on each KPI's row of its group: parsed once

    def value(key):
        if key is None:
            return None
        found = parsed.get(key)
        if found is None:
            found = parsed[key] = tuple(convert(text) for convert, text in zip(converters, key.split(" "), strict=True))
        return found

    return value


@dataclass(frozen=True)
class SumsPart:
    """One grouped read of snapshot-shaped rows (date, kpi, numerator, denominator): sums per value of `group`
    (a field, several fields, or none) and KPI over the period and, `with_previous`, the period of equal length
    before it; or, `by_day`, per day and KPI over the period. `base` filters the table's own columns (no joins)."""

    base: QuerySet
    period: Period
    group: str | tuple[str, ...] | None = None
    with_previous: bool = True
    by_day: bool = False
    # With `by_day`, "week" or "month" sums the days per week (from Monday) or calendar month instead, each row's
    # day being its bucket's first day: a trend's points are these sums (a year read per day was ~30× the rows).
    grain: str = "day"

    def sql(self, tag: str, connection) -> tuple[str, list]:
        """The part's grouped read as one SELECT, its columns named alike in every part so that parts can be
        read together: part, group_key, day, kpi, num, den, prev_num, prev_den.

        Written by hand around the base's compiled WHERE: the ORM built and compiled a page's five parts in
        10–15 ms, more than PostgreSQL takes to read a 30-day page's sums. Portable SQL (CASE rather than
        FILTER, CAST rather than ::), so SQLite runs it too."""
        period, query, meta = self.period, self.base.query, self.base.model._meta
        qn = connection.ops.quote_name
        table = qn(meta.db_table)

        def column(name: str) -> str:
            return f"{table}.{qn(meta.get_field(name).column)}"

        date, kpi, numerator, denominator = (column(name) for name in ("date", "kpi", "numerator", "denominator"))
        where, where_params = query.get_compiler(connection=connection).compile(query.where)
        start = period.previous().date_from if self.with_previous else period.date_from
        # Typed NULLs: PostgreSQL types a UNION's columns from all its parts, and a bare NULL has no type.
        group_columns = [column(name) for name in _group_fields(self.group)]
        group_key = _group_key_sql(group_columns)
        bucket = _bucket_sql(date, self.grain, connection.vendor)
        day = bucket if self.by_day else "CAST(NULL AS date)"
        grouping = [*group_columns, *([bucket] if self.by_day else [])]
        sql = (
            f"SELECT CAST(%s AS varchar) AS part, {group_key} AS group_key, {day} AS day, {kpi} AS kpi, "
            f"SUM(CASE WHEN {date} >= %s THEN {numerator} END) AS num, "
            f"CAST(SUM(CASE WHEN {date} >= %s THEN {denominator} END) AS bigint) AS den, "
            # No row before the period without the previous one: its sums are NULL.
            f"SUM(CASE WHEN {date} < %s THEN {numerator} END) AS prev_num, "
            f"CAST(SUM(CASE WHEN {date} < %s THEN {denominator} END) AS bigint) AS prev_den, "
            # A distribution's buckets in a DistributionPart's rows (`read_sums` reads both kinds together).
            f"CAST(NULL AS text) AS detail "
            f"FROM {table} WHERE {where} AND {date} >= %s AND {date} <= %s "
            f"GROUP BY {', '.join([*grouping, kpi])}"
        )
        first = period.date_from
        return sql, [tag, first, first, first, first, *where_params, start, period.date_to]

    def reader(self):
        """`read(row)`: a row of the combined read as this part's own, {group field(s) or 'date': …, kpi, num, den}
        and, with the previous period, prev_num and prev_den (the group's text read back into its fields' types)."""
        by_day, with_previous = self.by_day, self.with_previous
        fields = _group_fields(self.group)
        group_value = _group_value(self.base.model, self.group)

        def read(row: tuple) -> dict:
            _, group_key, day, kpi, num, den, prev_num, prev_den, _ = row
            own = {"kpi": kpi, "num": num, "den": den}
            if with_previous:
                own["prev_num"], own["prev_den"] = prev_num, prev_den
            if len(fields) == 1:
                own[fields[0]] = group_value(group_key)
            elif fields:
                own.update(zip(fields, group_value(group_key) or (None,) * len(fields), strict=True))
            if by_day:
                # SQLite hands dates back as text.
                own["date"] = dt.date.fromisoformat(day) if isinstance(day, str) else day
            return own

        return read


def _bucket_sql(date: str, grain: str, vendor: str) -> str:
    """The first day of `date`'s day, week (Monday) or calendar month, as SQL of `vendor`'s dialect."""
    if grain == "day":
        return date
    if vendor == "postgresql":
        return f"CAST(date_trunc('{grain}', {date}) AS date)"
    # SQLite: 'weekday 0' moves to the coming Sunday (or stays on one), six days back is that week's Monday.
    return f"date({date}, 'weekday 0', '-6 days')" if grain == "week" else f"date({date}, 'start of month')"


def read_sums(parts: dict[str, SumsPart]) -> dict[str, list[dict]]:
    """Every part's rows in one query, whatever their number (UNION ALL): the figures of a page, for its
    agents, team, org, channels, categories and trend, cost one round trip to the database rather than one
    each. Read where the router sends the parts' reads (a replica, when one is set)."""
    connection = connections[next(iter(parts.values())).base.db]
    statements, params = [], []
    for tag, part in parts.items():
        sql, part_params = part.sql(tag, connection)
        statements.append(sql)
        params += part_params
    readers = {tag: part.reader() for tag, part in parts.items()}
    rows: dict[str, list[dict]] = {tag: [] for tag in parts}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statements), params)
        for row in cursor.fetchall():
            rows[row[0]].append(readers[row[0]](row))
    return rows


# ---- medians and p90s of time KPIs ---------------------------------------------------------


@dataclass(frozen=True)
class DistributionPart:
    """One read of the daily distributions of time KPIs (`kpis.distributions`), to be merged per value of `group` (a
    field, or none), KPI and, `by_day`, day over the period. `base` filters the table's own columns (no joins), as
    a SumsPart's does, and the part is read with the sums in the same query (`read_sums`)."""

    base: QuerySet
    period: Period
    group: str | tuple[str, ...] | None = None
    by_day: bool = False

    def sql(self, tag: str, connection) -> tuple[str, list]:
        """The period's rows, shaped like a SumsPart's so that both are read in one UNION ALL: `den` holds a row's
        count of 0 s durations and `detail` its buckets (JSON text). They are merged here rather than by the
        database: expanding every row's buckets in SQL (jsonb_each) cost a 90-day team page about 4× more
        (docs/performance.md)."""
        query, meta = self.base.query, self.base.model._meta
        qn = connection.ops.quote_name
        table = qn(meta.db_table)

        def column(name: str) -> str:
            return f"{table}.{qn(meta.get_field(name).column)}"

        date = column("date")
        where, where_params = query.get_compiler(connection=connection).compile(query.where)
        group_key = _group_key_sql([column(name) for name in _group_fields(self.group)])
        day = date if self.by_day else "CAST(NULL AS date)"
        sql = (
            f"SELECT CAST(%s AS varchar) AS part, {group_key} AS group_key, {day} AS day, {column('kpi')} AS kpi, "
            f"CAST(NULL AS double precision) AS num, CAST({column('zeros')} AS bigint) AS den, "
            "CAST(NULL AS double precision) AS prev_num, CAST(NULL AS bigint) AS prev_den, "
            f"CAST({column('buckets')} AS text) AS detail "
            f"FROM {table} WHERE {where} AND {date} >= %s AND {date} <= %s"
        )
        return sql, [tag, *where_params, self.period.date_from, self.period.date_to]

    def reader(self):
        """`read(row)`: a row of the combined read as (key, zeros, its buckets' JSON text); key is (group value, kpi)
        or, `by_day`, (group value, day, kpi). `kpis.distributions.merge_rows` adds them up."""
        by_day = self.by_day
        group_value = _group_value(self.base.model, self.group)

        def read(row: tuple) -> tuple:
            _, group_key, day, kpi, _, zeros, _, _, buckets = row
            group = group_value(group_key)
            if by_day and isinstance(day, str):  # SQLite hands dates back as text
                day = dt.date.fromisoformat(day)
            key = (group, day, kpi) if by_day else (group, kpi)
            return key, int(zeros or 0), buckets or ""  # the JSON text: `merge_rows` parses a key's rows at once

        return read


def _quantiles(rows: list[tuple]) -> dict:
    """{group value (None without a group): {KPI code: Quantiles}} from a DistributionPart's rows without days."""
    by_group: dict = defaultdict(dict)
    for (group, code), (zeros, buckets) in merge_rows(rows).items():
        by_group[group][code] = Quantiles.of(zeros, buckets)
    return by_group


def _series_quantiles(series: dict[str, list[SeriesPoint]], rows: list[tuple], period: Period, grain: Grain) -> None:
    """Each trend point's median and p90 from its days' distributions merged (a DistributionPart read by day): a
    week's or month's median is that of its records, never a mean of daily medians."""
    by_bucket: dict[tuple[str, dt.date], Distribution] = defaultdict(Distribution)
    for (_, day, code), (zeros, buckets) in merge_rows(rows).items():
        by_bucket[(code, max(_bucket_start(day, grain), period.date_from))].merge(Distribution(zeros, dict(buckets)))
    for code, points in series.items():
        for point in points:
            found = by_bucket.get((code, point.date_from))
            if found is not None:
                quantiles = Quantiles.of(found.zeros, sorted(found.buckets.items()))
                point.median, point.p90, point.distribution_count = quantiles.median, quantiles.p90, quantiles.count


def _distribution_part(scope: str, subject, period: Period, channel: str = "", **grouping) -> DistributionPart:
    """The distributions of a subject's rows, as `_scorecard_part` reads its sums (an agent's team rows: `team`)."""
    base = DurationDistribution.objects.filter(_subject_filter(scope, subject), channel=channel)
    return DistributionPart(base, period, **grouping)


# Sums of the days of a period keyed by a first day: a stretch between two target changes (`_stretch_sums`).
DaySums = dict[dt.date, tuple[float, int]]


def _figures(rows: list[dict], runs_for, with_previous: bool, daily=None, codes=None) -> dict[str, KpiFigure]:
    """KpiFigures for every KPI (missing rows mean no data; volume then counts 0), or only for `codes`.

    `runs_for(code)` gives the target runs of the period (TargetResolver.segments); where the target
    changed inside it, `daily(code)` gives that KPI's sums for the subject per stretch of days between
    changes, to judge each day's records by the target of their day.
    """
    by_code = {row["kpi"]: row for row in rows}
    # The part rows of sampled ratios (IQS), read in the same query as the KPIs' own rows.
    part_rows = {code: row for code, row in by_code.items() if code in KPI_PARTS}
    parts = {code: (row.get("num") or 0.0, row.get("den") or 0) for code, row in part_rows.items()}
    previous_parts = {code: (row.get("prev_num") or 0.0, row.get("prev_den") or 0) for code, row in part_rows.items()}
    figures = {}
    for code, kpi in KPIS.items():
        if codes is not None and code not in codes:
            continue
        row = by_code.get(code, {})
        previous = (row.get("prev_num") or 0.0, row.get("prev_den") or 0) if with_previous else None
        runs = runs_for(code)
        figure = make_figure(
            kpi,
            row.get("num") or 0.0,
            row.get("den") or 0,
            target=runs[-1][2],
            previous=previous,
            parts=parts,
            previous_parts=previous_parts,
        )
        if len(runs) > 1:
            _judge_across_targets(figure, runs, daily(code) if daily else {})
        figures[code] = figure
    return figures


def _judge_across_targets(figure: KpiFigure, runs, day_sums: DaySums) -> None:
    """A period whose target changed is judged day by day: the records of each day against that day's target.

    The period's target is the mean of the daily targets weighted by each day's records, and the value
    judged is that of the days that had a target (days before a first target are held to nothing).
    """
    figure.target_changes = [start for start, _, _ in runs[1:]]
    judged_num, judged_den, target_sum, stretch_sum, all_stretched = 0.0, 0, 0.0, 0.0, True
    for start, end, target in runs:
        if target is None:
            continue
        num = sum(n for day, (n, _) in day_sums.items() if start <= day <= end)
        den = sum(d for day, (_, d) in day_sums.items() if start <= day <= end)
        judged_num, judged_den = judged_num + num, judged_den + den
        target_sum += den * target.value
        if target.stretch is None:
            all_stretched = False
        else:
            stretch_sum += den * target.stretch
    if not judged_den:  # no record fell on a day with a target
        figure.status = status_against(figure.code, figure.value, None, None)
        return
    figure.period_target = target_sum / judged_den
    figure.period_stretch = stretch_sum / judged_den if all_stretched else None
    judged = figure.kpi.value(judged_num, judged_den)
    figure.status = status_against(figure.code, judged, figure.period_target, figure.period_stretch)


def _stretch_sums(
    base: QuerySet, period: Period, group: str | tuple[str, ...] | None, changes: list[dt.date]
) -> dict[tuple, DaySums]:
    """Numerators and denominators per (group value, KPI) and per stretch of days between two target changes,
    keyed by the stretch's first day: one query, a row per stretch rather than per day.

    `changes` are the days a target of any KPI starts or ends inside the period, so every run of days one
    target governs (TargetResolver.segments) is a union of whole stretches.
    """
    starts = [period.date_from, *changes]
    first_day = Case(
        *(When(date__lt=start, then=Value(previous)) for previous, start in pairwise(starts)),
        default=Value(starts[-1]),
        output_field=DateField(),
    )
    groups = _group_fields(group)
    fields = (*groups, "kpi", "first_day")
    rows = (
        base.filter(date__gte=period.date_from, date__lte=period.date_to)
        .annotate(first_day=first_day)
        .values(*fields)
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    sums: dict[tuple, DaySums] = defaultdict(dict)
    for row in rows:
        value = tuple(row[name] for name in groups) if len(groups) > 1 else (row[groups[0]] if groups else None)
        sums[(value, row["kpi"])][row["first_day"]] = (row["num"], row["den"])
    return sums


def _daily_lookup(resolver: TargetResolver, base: QuerySet, period: Period, group: str | tuple[str, ...] | None):
    """`daily(group value)(code)`: the stretch sums, fetched once and only if some target changed in the period."""
    changes = resolver.change_days_within(period.date_from, period.date_to)
    if not changes:
        return lambda value=None: None
    cache: list[dict] = []

    def for_group(value=None):
        def daily(code: str) -> DaySums:
            if not cache:
                cache.append(_stretch_sums(base, period, group, changes))
            return cache[0].get((value, code), {})

        return daily

    return for_group


def period_targets(period: Period) -> TargetResolver:
    """Every target in force on some day of the period, in one query."""
    return TargetResolver(targets_intersecting(period.date_from, period.date_to))


_resolver_for = period_targets


def snapshots_database() -> str:
    """The database alias snapshot reads go to (a replica when the router sends them there)."""
    return Snapshot.objects.all().db


def scorecard(
    *,
    scope: str,
    subject: User | Team | None,
    period: Period,
    channel: str = "",
    with_previous: bool = True,
    resolver: TargetResolver | None = None,
) -> dict[str, KpiFigure]:
    """Every KPI for an agent, a team or the org (subject None) over a period: 2 queries (3 when a
    target changed inside the period)."""
    resolver = resolver or _resolver_for(period)
    part = _scorecard_part(scope, subject, period, channel, with_previous)
    kept = quantiles_kept(scope, channel)
    quantiles = {"quantiles": _distribution_part(scope, subject, period, channel)} if kept else {}
    read = read_sums({"sums": part, **quantiles})
    figures = _scorecard_figures(read["sums"], scope, subject, period, channel, resolver, part)
    # An agent on one channel: no median or p90 (None, with the note); a target on one finds no data.
    _apply_quantiles(figures, _quantiles(read["quantiles"]).get(None, {}) if kept else {})
    if not kept:
        for figure in figures.values():
            if figure.kpi.has_distribution:
                figure.quantiles_note = QUANTILES_NOT_KEPT_NOTE
    return figures


def _scorecard_part(scope: str, subject, period: Period, channel: str, with_previous: bool = True) -> SumsPart:
    base = Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel)
    return SumsPart(base, period, with_previous=with_previous)


def _scorecard_figures(
    rows: list[dict], scope: str, subject, period: Period, channel: str, resolver: TargetResolver, part: SumsPart
) -> dict[str, KpiFigure]:
    """The scorecard of a subject from its summed rows (`part`'s)."""
    agent_id, team_id = _target_subject(scope, subject)

    def runs_for(code: str):
        return resolver.segments(
            kpi=code,
            date_from=period.date_from,
            date_to=period.date_to,
            channel=channel,
            agent_id=agent_id,
            team_id=team_id,
        )

    daily = _daily_lookup(resolver, part.base, period, None)()
    return _figures(rows, runs_for, part.with_previous, daily)


@dataclass
class AgentRow:
    agent: User
    figures: dict[str, KpiFigure]

    @property
    def missed(self) -> list[KpiFigure]:
        return [f for f in self.figures.values() if f.status == "missed"]


@dataclass
class TeamDashboard:
    team: Team
    period: Period
    agents: list[AgentRow]
    team_figures: dict[str, KpiFigure]
    org_figures: dict[str, KpiFigure]
    kpis: list[Kpi] = field(default_factory=lambda: list(KPIS.values()))
    # The targets of the period.
    resolver: TargetResolver | None = None
    # The team's figures per channel (as channel_breakdown), per category (as category_breakdown) and its
    # trend (as kpi_series).
    channels: dict[str, dict[str, KpiFigure]] = field(default_factory=dict)
    categories: list[tuple[str, dict[str, KpiFigure]]] = field(default_factory=list)
    series: dict[str, list[SeriesPoint]] = field(default_factory=dict)
    # The ids of the agents with snapshot rows in the period or the one before.
    agents_with_data: list[int] = field(default_factory=list)


def team_dashboard(
    *,
    team: Team,
    period: Period,
    resolver: TargetResolver | None = None,
    grain: Grain | None = None,
    agent_quantiles: bool = True,
    series_quantiles: bool = True,
) -> TeamDashboard:
    """Agents × KPIs for a team over a period, with the team and org rows, the team's channels, categories
    and trend: 3 queries (2 given the resolver; one more when a target changed inside the period), whatever
    the number of agents or days: the snapshot sums of all of them are one query (`read_sums`)."""
    resolver = resolver or _resolver_for(period)
    agent_part = SumsPart(Snapshot.objects.filter(scope=Scope.AGENT, team=team, channel=""), period, group="agent_id")
    team_part = _scorecard_part(Scope.TEAM, team, period, "")
    org_part = _scorecard_part(Scope.ORG, None, period, "")
    channel_part = _channel_part(Scope.TEAM, team, period)
    category_part = _category_part(team, period)
    grain = grain or series_grain(period)
    series_part = _series_part(Scope.TEAM, team, period, "", grain)
    agent_distributions = DurationDistribution.objects.filter(scope=Scope.AGENT, team=team, channel="")
    sums = read_sums(
        {
            "agents": agent_part,
            "team": team_part,
            "org": org_part,
            "channels": channel_part,
            "categories": category_part,
            "series": series_part,
            # The medians and p90s of the team and org, and where asked those of the agents and the trend (the
            # agents' days are most of the rows): in the same query.
            "team_quantiles": _distribution_part(Scope.TEAM, team, period),
            "org_quantiles": _distribution_part(Scope.ORG, None, period),
        }
        | (
            {"agent_quantiles": DistributionPart(agent_distributions, period, group="agent_id")}
            if agent_quantiles
            else {}
        )
        | ({"series_quantiles": _distribution_part(Scope.TEAM, team, period, by_day=True)} if series_quantiles else {})
    )
    daily = _daily_lookup(resolver, agent_part.base, period, "agent_id")
    by_agent: dict[int, list[dict]] = defaultdict(list)
    for row in sums["agents"]:
        by_agent[row["agent_id"]].append(row)
    rows = [
        AgentRow(
            agent=agent, figures=_agent_figures(by_agent.get(agent.pk, []), agent.pk, team, period, resolver, daily)
        )
        for agent in team_agents(team=team, with_data=by_agent)
    ]
    if agent_quantiles:
        by_agent_quantiles = _quantiles(sums["agent_quantiles"])
        for row in rows:
            _apply_quantiles(row.figures, by_agent_quantiles.get(row.agent.pk, {}))
    team_figures = _scorecard_figures(sums["team"], Scope.TEAM, team, period, "", resolver, team_part)
    _apply_quantiles(team_figures, _quantiles(sums["team_quantiles"]).get(None, {}))
    org_figures = _scorecard_figures(sums["org"], Scope.ORG, None, period, "", resolver, org_part)
    _apply_quantiles(org_figures, _quantiles(sums["org_quantiles"]).get(None, {}))
    series = _series(sums["series"], period, grain)
    if series_quantiles:
        _series_quantiles(series, sums["series_quantiles"], period, grain)
    return TeamDashboard(
        team=team,
        period=period,
        agents=rows,
        team_figures=team_figures,
        org_figures=org_figures,
        resolver=resolver,
        channels=_channel_figures(sums["channels"], Scope.TEAM, team, period, resolver, channel_part),
        categories=_category_figures(sums["categories"], team, period, resolver, category_part),
        series=series,
        agents_with_data=sorted(by_agent),
    )


def team_agents(*, team: Team, with_data) -> QuerySet[User]:
    """The agents of a team's grid, by name: its active agents, and those with figures in it (`with_data`, ids:
    an agent who moved keeps the rows of their days in the team)."""
    agents = User.objects.filter(Q(team=team, role=Role.AGENT, is_active=True) | Q(pk__in=list(with_data)))
    return agents.order_by("first_name", "last_name", "username")


def _agent_figures(rows, agent_id: int, team: Team, period: Period, resolver: TargetResolver, daily, codes=None):
    def runs_for(code: str):
        return resolver.segments(
            kpi=code, date_from=period.date_from, date_to=period.date_to, agent_id=agent_id, team_id=team.pk
        )

    return _figures(rows, runs_for, True, daily(agent_id), codes)


def agent_figures_without_data(*, agent: User, team: Team, period: Period, resolver: TargetResolver):
    """A grid row's figures for an agent of the team with no snapshot in the period (no query): no data, and
    the targets that would judge them."""
    return _agent_figures([], agent.pk, team, period, resolver, lambda agent_id: None)


# ---- who needs coaching, and every team at a glance ---------------------------------------


# Business-hours twins of calendar time KPIs (twelve columns do not fit a laptop's width): in the dashboard's grid
# only where a target of the period is on one, and then in place of its calendar twin unless that has a target too.
# Scorecards, trends, the API, reviews and exports show every KPI.
def dashboard_kpis(resolver: TargetResolver) -> list[Kpi]:
    """The KPIs a team dashboard's grid shows and judges its agents on: every KPI but the business-hours twins nobody
    targets in the period (a missed target always has its column, so needs-coaching and the grid agree)."""
    targeted = {target.kpi for target in resolver.targets}
    hidden = set()
    for twin, calendar in BUSINESS_HOURS_TWINS.items():
        if twin not in targeted:
            hidden.add(twin)
        elif calendar not in targeted:
            hidden.add(calendar)
    return [kpi for code, kpi in KPIS.items() if code not in hidden]


@dataclass(frozen=True)
class TargetMisses:
    """The targets a subject's figures miss over a period (KPI codes, in the order judged) and how many of those
    misses rest on a low-confidence figure (fewer records than KPI_MIN_SAMPLE). The rule of "needs coaching", for
    the team dashboard's list and the teams overview's counts alike."""

    codes: tuple[str, ...] = ()
    low_sample: int = 0

    @property
    def count(self) -> int:
        return len(self.codes)

    @property
    def needs_coaching(self) -> bool:
        """At least one target missed on enough records to judge: coaching on a handful of tickets is coaching on
        noise."""
        return self.count > self.low_sample

    @property
    def too_few_to_judge(self) -> bool:
        """Targets missed, every one of them on too few records to judge."""
        return self.count > 0 and self.count == self.low_sample


def target_misses(figures: dict[str, KpiFigure], kpis: list[Kpi]) -> TargetMisses:
    """The targets `figures` miss among `kpis` (a grid's columns: `dashboard_kpis`), and how many on a low sample."""
    missed = [figures[kpi.code] for kpi in kpis if figures[kpi.code].status == TargetStatus.MISSED]
    return TargetMisses(tuple(figure.code for figure in missed), sum(figure.low_confidence for figure in missed))


@dataclass
class TeamOverview:
    """One team's line of the teams overview: its figures over the period against the targets that apply to the
    team, and how many of its agents need coaching by the dashboard's rule (`TargetMisses`, `count_coaching`)."""

    team: Team
    figures: dict[str, KpiFigure]
    # The targets missed by each agent with rows in the team over the period (by id; agents who missed none left
    # out): a function of the snapshots and targets alone, cached with the figures.
    agent_misses: dict[int, TargetMisses] = field(default_factory=dict)
    # Of them, the team's own agents who missed a target on enough records to judge, and those whose every miss
    # rests on too few (the dashboard's needs-coaching list and its "too few to judge" line): `count_coaching`.
    needs_coaching: int = 0
    too_few_to_judge: int = 0

    @property
    def has_data(self) -> bool:
        return any(figure.sample_size for figure in self.figures.values())


def teams_overview(*, teams: list[Team], period: Period, resolver: TargetResolver | None = None) -> list[TeamOverview]:
    """Every KPI of each of `teams` over a period, judged as on its dashboard, with how many of its agents need
    coaching (`teams_overview_figures`, then `count_coaching`): 2 queries given the resolver (3 when a target changed
    inside the period), whatever the number of teams or agents."""
    overview = teams_overview_figures(teams=teams, period=period, resolver=resolver)
    count_coaching(overview)
    return overview


def count_coaching(overview: list[TeamOverview]) -> None:
    """Set each line's `needs_coaching` and `too_few_to_judge` from its agents' misses: the team's own agents only,
    as its dashboard offers coaching (an agent who moved keeps the figures of their days in the old team's grid, and
    is their new leader's to coach). One query, the teams' current members."""
    if not overview:
        return
    members = set(User.objects.filter(team__in=[line.team.pk for line in overview]).values_list("team_id", "pk"))
    for line in overview:
        own = [misses for agent_id, misses in line.agent_misses.items() if (line.team.pk, agent_id) in members]
        line.needs_coaching = sum(misses.needs_coaching for misses in own)
        line.too_few_to_judge = sum(misses.too_few_to_judge for misses in own)


def teams_overview_figures(
    *, teams: list[Team], period: Period, resolver: TargetResolver | None = None
) -> list[TeamOverview]:
    """Every KPI of each of `teams` over a period, judged as on its dashboard (the team's targets, a target changed
    inside the period judged day by day, a median or p90 target on that statistic), and the targets each agent with
    rows in the team missed (coaching not yet counted: `count_coaching`): the snapshot sums of every team and agent
    are one query (`read_sums`), 2 when a target changed inside the period, whatever the number of teams or agents.
    In the order of `teams`."""
    if not teams:
        return []
    resolver = resolver or _resolver_for(period)
    ids = [team.pk for team in teams]
    # An agent is judged on the dashboard's KPIs that some target of the period is on: no other can be missed, and
    # an agent's figures of the others (7 of 12 KPIs with the default targets) would be built for nothing.
    targeted = {target.kpi for target in resolver.targets}
    judged = [kpi for kpi in dashboard_kpis(resolver) if kpi.code in targeted]
    judged_codes = {kpi.code for kpi in judged}
    team_part = SumsPart(
        Snapshot.objects.filter(scope=Scope.TEAM, team__in=ids, channel=""),
        period,
        group="team_id",
        with_previous=False,
    )
    # An agent who moved has rows in each team they worked in, judged in each by that team's targets (as each
    # team's dashboard does): their sums per team and agent.
    agent_part = SumsPart(
        Snapshot.objects.filter(scope=Scope.AGENT, team__in=ids, channel=""),
        period,
        group=("team_id", "agent_id"),
        with_previous=False,
    )
    parts: dict = {"teams": team_part, "agents": agent_part}
    # A target on a median or p90 judges that statistic, merged from the daily distributions (as the dashboard).
    quantiles = any(target.statistic != Statistic.MEAN for target in resolver.targets)
    if quantiles:
        parts["team_quantiles"] = DistributionPart(
            DurationDistribution.objects.filter(scope=Scope.TEAM, team__in=ids, channel=""), period, group="team_id"
        )
        parts["agent_quantiles"] = DistributionPart(
            DurationDistribution.objects.filter(scope=Scope.AGENT, team__in=ids, channel=""),
            period,
            group=("team_id", "agent_id"),
        )
    sums = read_sums(parts)
    by_team: dict[int, list[dict]] = defaultdict(list)
    for row in sums["teams"]:
        by_team[row["team_id"]].append(row)
    by_agent: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in sums["agents"]:
        by_agent[(row["team_id"], row["agent_id"])].append(row)
    team_quantiles = _quantiles(sums["team_quantiles"]) if quantiles else {}
    agent_quantiles = _quantiles(sums["agent_quantiles"]) if quantiles else {}
    team_daily = _daily_lookup(resolver, team_part.base, period, "team_id")
    agent_daily = _daily_lookup(resolver, agent_part.base, period, ("team_id", "agent_id"))
    teams_by_id = {team.pk: team for team in teams}
    agent_misses: dict[int, dict[int, TargetMisses]] = defaultdict(dict)
    for (team_id, agent_id), rows in by_agent.items():
        figures = _agent_figures(
            rows,
            agent_id,
            teams_by_id[team_id],
            period,
            resolver,
            lambda pk, team_id=team_id: agent_daily((team_id, pk)),
            judged_codes,
        )
        if quantiles:
            _apply_quantiles(figures, agent_quantiles.get((team_id, agent_id), {}))
        misses = target_misses(figures, judged)
        if misses.count:
            agent_misses[team_id][agent_id] = misses
    overview = []
    for team in teams:

        def runs_for(code: str, team_id=team.pk):
            return resolver.segments(kpi=code, date_from=period.date_from, date_to=period.date_to, team_id=team_id)

        figures = _figures(by_team.get(team.pk, []), runs_for, False, team_daily(team.pk))
        if quantiles:
            _apply_quantiles(figures, team_quantiles.get(team.pk, {}))
        overview.append(TeamOverview(team=team, figures=figures, agent_misses=agent_misses.get(team.pk, {})))
    return overview


def figures_updated_at(*, scope: str, subject, period: Period | None = None) -> dt.datetime | None:
    """When the subject's figures were last computed (the newest snapshot row; with a period, of the rows its
    figures read: the period and the one before it): one query.

    The all-channels rows only: a refresh writes a day's all-channels row with its channel rows, and these
    are a sixth of them, read from the covering index."""
    rows = Snapshot.objects.filter(_subject_filter(scope, subject), channel="")
    if period is not None:
        first, last = period.days_read()
        rows = rows.filter(date__gte=first, date__lte=last)
    return rows.aggregate(at=Max("computed_at"))["at"]


def figures_version(*, team: Team | None, period: Period) -> tuple | None:
    """The version of a team's figures (its agents', its own and its categories'; without a team, the org's)
    over the days a page of `period` reads (`Period.days_read`). One query.

    Every write of snapshot rows takes its computation's lock row first, in the same transaction, and counts the
    days of its window (`kpis.compute._lock`, `ComputedDay`): once the new rows are visible, so is a new count.
    The version is the sum of those counts over the days read, so it changes exactly when a computation rewrote
    one of them: a write to today leaves the periods that end yesterday as they were, and a write to one team
    never changes another team's. None when the computation never ran (rows written otherwise, as by hand in a
    shell, carry no stamp): such figures are never cached."""
    return _versions(f"team:{team.pk}" if team is not None else "org", period=period)[0]


def teams_figures_version(*, teams: list[Team], period: Period) -> tuple | None:
    """The version of the figures of several teams over the days a page of `period` reads: each team's
    `figures_version`, in one query; None when one of them was never computed (then nothing is cached)."""
    versions = _versions(*(f"team:{team.pk}" for team in teams), period=period)
    return None if any(version is None for version in versions) else versions


def figures_versions(*, team: Team, period: Period) -> tuple[tuple | None, tuple | None]:
    """The team's `figures_version` over a period and the org's (a dashboard's org row), in one query."""
    return _versions(f"team:{team.pk}", "org", period=period)


def _versions(*keys: str, period: Period) -> tuple[tuple | None, ...]:
    connection = connections[snapshots_database()]
    qn = connection.ops.quote_name
    lock, days = (qn(model._meta.db_table) for model in (ComputeLock, ComputedDay))
    start, end = (connection.ops.adapt_datefield_value(day) for day in period.days_read())
    # By hand, as `agent_figures_version`: every page with figures reads it, and the ORM took ~1.5 ms to build the
    # subquery PostgreSQL answers in a tenth of that. Portable SQL.
    sql = (
        f'SELECT l."key", COALESCE((SELECT SUM(d."version") FROM {days} d '
        f'WHERE d."key" = l."key" AND d."date" >= %s AND d."date" <= %s), 0) '
        f'FROM {lock} l WHERE l."key" IN ({", ".join(["%s"] * len(keys))}) AND l."last_run_at" IS NOT NULL'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, *keys])
        counts = {key: int(total) for key, total in cursor.fetchall()}
    return tuple(((key, counts[key]),) if key in counts else None for key in keys)


def agent_figures_version(*, agent: User, period: Period) -> tuple | None:
    """The version of an agent's figures for a period: for every team whose rows hold the agent's days in the
    period or the one before it (an agent who moved has rows in several), and for the agent's team (its figures
    beside theirs), the count of its computations' writes of those days (`figures_version`). One query.

    Exact: a computation that writes or deletes any of those rows is a team's, and that team held the agent's
    rows before it ran or holds them after, so its count over those days is in the version read before or
    after. None when one of those teams' computations never ran or the agent has no rows and no team."""
    connection = connections[snapshots_database()]
    qn = connection.ops.quote_name
    team, lock, days, snapshot = (qn(model._meta.db_table) for model in (Team, ComputeLock, ComputedDay, Snapshot))
    start, end = (connection.ops.adapt_datefield_value(day) for day in period.days_read())
    # By hand: the same query through the ORM (subqueries, Concat, Cast) cost ~4 ms to build and compile for 0.6 ms
    # in PostgreSQL, on the most read page (`/me/`). Portable SQL: SQLite runs it too.
    sql = (
        f'SELECT t."id", l."last_run_at", COALESCE((SELECT SUM(d."version") FROM {days} d '
        f'WHERE d."key" = l."key" AND d."date" >= %s AND d."date" <= %s), 0) '
        f'FROM {team} t LEFT JOIN {lock} l ON l."key" = \'team:\' || CAST(t."id" AS varchar(20)) '
        f'WHERE t."id" = %s OR t."id" IN (SELECT s."team_id" FROM {snapshot} s WHERE s."scope" = %s '
        f'AND s."agent_id" = %s AND s."channel" = \'\' AND s."date" >= %s AND s."date" <= %s) '
        'ORDER BY t."id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, agent.team_id, Scope.AGENT.value, agent.pk, start, end])
        stamps = cursor.fetchall()
    if not stamps or any(stamp is None for _, stamp, _ in stamps):
        return None
    return tuple((pk, int(count)) for pk, _, count in stamps)


def channel_breakdown(
    *, scope: str, subject, period: Period, resolver: TargetResolver | None = None
) -> dict[str, dict[str, KpiFigure]]:
    """Every KPI per channel for a subject over a period (channels with data only): 2 queries (1 given the
    resolver)."""
    resolver = resolver or _resolver_for(period)
    part = _channel_part(scope, subject, period)
    return _channel_figures(read_sums({"sums": part})["sums"], scope, subject, period, resolver, part)


def _channel_part(scope: str, subject, period: Period) -> SumsPart:
    # Each channel by name rather than "not ''": one index range per channel, its days bounded.
    base = Snapshot.objects.filter(_subject_filter(scope, subject), channel__in=Channel.values)
    return SumsPart(base, period, group="channel")


def _channel_figures(
    rows: list[dict], scope: str, subject, period: Period, resolver: TargetResolver, part: SumsPart
) -> dict[str, dict[str, KpiFigure]]:
    """The channel breakdown of a subject from its rows summed per channel (`part`'s)."""
    daily = _daily_lookup(resolver, part.base, period, "channel")
    by_channel: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_channel[row["channel"]].append(row)
    agent_id, team_id = _target_subject(scope, subject)
    breakdown = {}
    for channel in Channel.values:
        if channel not in by_channel:
            continue

        def runs_for(code: str, channel=channel):
            return resolver.segments(
                kpi=code,
                date_from=period.date_from,
                date_to=period.date_to,
                channel=channel,
                agent_id=agent_id,
                team_id=team_id,
            )

        figures = _figures(by_channel[channel], runs_for, True, daily(channel))
        if any(f.sample_size for f in figures.values()):  # a figure of 0 is data; no records is not
            breakdown[channel] = figures
    return breakdown


@dataclass
class AgentScorecard:
    """An agent's figures over a period with the team's for context, per channel, and both trends."""

    figures: dict[str, KpiFigure]
    channels: dict[str, dict[str, KpiFigure]]
    series: dict[str, list[SeriesPoint]]
    # None for an agent without a team.
    team_figures: dict[str, KpiFigure] | None = None
    team_series: dict[str, list[SeriesPoint]] | None = None


def agent_scorecard(
    *,
    agent: User,
    period: Period,
    grain: Grain | None = None,
    resolver: TargetResolver | None = None,
    series_quantiles: bool = True,
) -> AgentScorecard:
    """Every KPI of an agent over a period, per channel and as a trend, with their team's figures and trend:
    2 queries (1 given the resolver; one more when a target changed inside the period); the snapshot sums are one
    (`read_sums`)."""
    resolver = resolver or _resolver_for(period)
    grain = grain or series_grain(period)
    parts = {
        "agent": _scorecard_part(Scope.AGENT, agent, period, ""),
        "channels": _channel_part(Scope.AGENT, agent, period),
        "series": _series_part(Scope.AGENT, agent, period, "", grain),
        # The medians and p90s of the agent and their trend (and their team's, below): in the same query.
        "quantiles": _distribution_part(Scope.AGENT, agent, period),
    }
    if agent.team_id:
        parts |= {
            "team": _scorecard_part(Scope.TEAM, agent.team, period, ""),
            "team_series": _series_part(Scope.TEAM, agent.team, period, "", grain),
            "team_quantiles": _distribution_part(Scope.TEAM, agent.team, period),
        }
    if series_quantiles:  # the trends' medians and p90s, for a page that charts them
        parts["series_quantiles"] = _distribution_part(Scope.AGENT, agent, period, by_day=True)
        if agent.team_id:
            parts["team_series_quantiles"] = _distribution_part(Scope.TEAM, agent.team, period, by_day=True)
    sums = read_sums(parts)
    card = AgentScorecard(
        figures=_scorecard_figures(sums["agent"], Scope.AGENT, agent, period, "", resolver, parts["agent"]),
        channels=_channel_figures(sums["channels"], Scope.AGENT, agent, period, resolver, parts["channels"]),
        series=_series(sums["series"], period, grain),
    )
    _apply_quantiles(card.figures, _quantiles(sums["quantiles"]).get(None, {}))
    if series_quantiles:
        _series_quantiles(card.series, sums["series_quantiles"], period, grain)
    if agent.team_id:
        card.team_figures = _scorecard_figures(
            sums["team"], Scope.TEAM, agent.team, period, "", resolver, parts["team"]
        )
        _apply_quantiles(card.team_figures, _quantiles(sums["team_quantiles"]).get(None, {}))
        card.team_series = _series(sums["team_series"], period, grain)
        if series_quantiles:
            _series_quantiles(card.team_series, sums["team_series_quantiles"], period, grain)
    return card


# ---- trends ------------------------------------------------------------------------------

# A trend's grain follows its range, so a chart keeps a readable number of points each carrying
# enough records: days up to six weeks, weeks (Monday to Sunday) up to about six months, then
# calendar months.
SERIES_DAY_MAX_DAYS = 42
SERIES_WEEK_MAX_DAYS = 183


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def series_grain(period: Period) -> Grain:
    """The grain of a trend over `period`: day up to 42 days, week up to 183, month beyond."""
    if period.days <= SERIES_DAY_MAX_DAYS:
        return Grain.DAY
    if period.days <= SERIES_WEEK_MAX_DAYS:
        return Grain.WEEK
    return Grain.MONTH


def _bucket_start(day: dt.date, grain: Grain) -> dt.date:
    if grain == Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day


def series_buckets(period: Period, grain: Grain) -> list[Period]:
    """The consecutive days, weeks or calendar months covering `period`, the ends cut to the period."""
    buckets = []
    start = period.date_from
    while start <= period.date_to:
        if grain == Grain.WEEK:
            end = _bucket_start(start, grain) + dt.timedelta(days=6)
        elif grain == Grain.MONTH:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            end = start
        end = min(end, period.date_to)
        buckets.append(Period(start, end))
        start = end + dt.timedelta(days=1)
    return buckets


@dataclass
class SeriesPoint(_SampleSize):
    """One point of a trend: a day, week or month (cut to the period) and its exact roll-up."""

    kpi: Kpi
    date_from: dt.date
    date_to: dt.date
    numerator: float
    denominator: int
    # A sampled ratio (IQS): its units (n reviews) and those under an open dispute.
    units: int | None = None
    disputed: int = 0
    # A time KPI: the bucket's median and p90 in seconds, merged from its days' distributions, and their records.
    median: float | None = None
    p90: float | None = None
    distribution_count: int = 0

    @property
    def value(self) -> float | None:
        return self.kpi.value(self.numerator, self.denominator)

    def statistic_value(self, statistic: str) -> float | None:
        """The point's mean, median or p90 (`Statistic`): the trend of the chosen statistic."""
        return _statistic_value(self, statistic)


def kpi_series(
    *, scope: str, subject, period: Period, channel: str = "", grain: Grain | None = None
) -> dict[str, list[SeriesPoint]]:
    """Every KPI per day, week or month (series_grain) for a subject over a period: 1 query.

    A week or month is sum(numerator) / sum(denominator) of its days, never a mean of daily values;
    no snapshot row means no data (volume: 0).
    """
    grain = grain or series_grain(period)
    parts = {"series": _series_part(scope, subject, period, channel, grain)}
    if quantiles_kept(scope, channel):  # an agent on one channel: no medians or p90s (None)
        parts["quantiles"] = _distribution_part(scope, subject, period, channel, by_day=True)
    read = read_sums(parts)
    series = _series(read["series"], period, grain)
    if "quantiles" in parts:
        _series_quantiles(series, read["quantiles"], period, grain)
    return series


def _series_part(scope: str, subject, period: Period, channel: str, grain: Grain) -> SumsPart:
    base = Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel)
    return SumsPart(base, period, with_previous=False, by_day=True, grain=grain.value)


def _series(rows: list[dict], period: Period, grain: Grain) -> dict[str, list[SeriesPoint]]:
    """Every KPI's points per bucket of `grain`, from the period's sums per bucket (or day) and KPI."""
    sums: dict[tuple[str, dt.date], list] = defaultdict(lambda: [0.0, 0])
    for row in rows:
        bucket = sums[(row["kpi"], max(_bucket_start(row["date"], grain), period.date_from))]
        bucket[0] += row["num"] or 0.0
        bucket[1] += row["den"] or 0
    buckets = series_buckets(period, grain)
    series = {}
    for code, kpi in KPIS.items():
        points = []
        for bucket in buckets:
            num, den = sums.get((code, bucket.date_from), (0.0, 0))
            point = SeriesPoint(kpi, bucket.date_from, bucket.date_to, float(num), int(den))
            if kpi.sample:
                parts = {part.code: sums.get((part.code, bucket.date_from), (0.0, 0)) for part in kpi.parts}
                sample = kpi.sample_figure(parts, num, den)
                point.units, point.disputed = sample.units, sample.disputed
            points.append(point)
        series[code] = points
    return series


# The breakdown's name for tickets without a category and survey responses without a ticket.
NO_CATEGORY = "(none)"


def category_breakdown(
    *, team: Team, period: Period, resolver: TargetResolver | None = None
) -> list[tuple[str, dict[str, KpiFigure]]]:
    """Every KPI per ticket category for a team over a period, from its category snapshots: 2 queries (1 given
    the resolver; one more when a target changed inside the period). Named categories first, then
    NO_CATEGORY; only categories with records (rows without records are not stored)."""
    resolver = resolver or _resolver_for(period)
    part = _category_part(team, period)
    return _category_figures(read_sums({"sums": part})["sums"], team, period, resolver, part)


def _category_part(team: Team, period: Period) -> SumsPart:
    return SumsPart(CategorySnapshot.objects.filter(team=team), period, group="category", with_previous=False)


def _category_figures(
    rows: list[dict], team: Team, period: Period, resolver: TargetResolver, part: SumsPart
) -> list[tuple[str, dict[str, KpiFigure]]]:
    """The category breakdown of a team from its rows summed per category (`part`'s), judged by the team's
    all-channel targets."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    daily = _daily_lookup(resolver, part.base, period, "category")

    def runs_for(code: str):
        return resolver.segments(kpi=code, date_from=period.date_from, date_to=period.date_to, team_id=team.pk)

    return [
        (category or NO_CATEGORY, _figures(by_category[category], runs_for, False, daily(category)))
        for category in sorted(by_category, key=lambda category: (category == "", category))
    ]


# ---- baselines and realistic targets -----------------------------------------------------

BASELINE_DAYS = 90


def baseline_period(as_of: dt.date, days: int = BASELINE_DAYS) -> Period:
    """The trailing window before `as_of` (the baseline a new target is held against)."""
    return Period(as_of - dt.timedelta(days=days), as_of - dt.timedelta(days=1))


def baselines(*, scope: str, subject, as_of: dt.date, channel: str = "") -> dict[str, KpiFigure]:
    """Every KPI over the trailing 90 days before `as_of`, for a subject."""
    return scorecard(scope=scope, subject=subject, period=baseline_period(as_of), channel=channel, with_previous=False)


@dataclass
class TargetSuggestion:
    kpi: Kpi
    baseline: float | None
    sample_size: int
    benchmark: float | None
    value: float | None
    reason: str


def _round(kpi: Kpi, value: float) -> float:
    return round(value, 0 if kpi.unit in (Unit.SECONDS, Unit.COUNT) else 1)


def suggest_target(*, kpi_code: str, baseline: KpiFigure, channel: str = "") -> TargetSuggestion:
    """A realistic next target: a bounded step from the baseline toward the benchmark."""
    kpi = KPIS[kpi_code]
    benchmark = (BENCHMARKS.get((kpi_code, channel)) or BENCHMARKS.get((kpi_code, "")) or (None, None))[0]
    base = baseline.value
    common = {"kpi": kpi, "baseline": base, "sample_size": baseline.sample_size, "benchmark": benchmark}
    if not kpi.has_target:
        return TargetSuggestion(value=None, reason="Volume takes no target.", **common)
    if base is None or baseline.low_confidence:
        reason = (
            f"Only {baseline.sample_size} records in the last {BASELINE_DAYS} days: too few for a baseline. "
            "Start from the benchmark and revisit once data builds up."
        )
        return TargetSuggestion(value=benchmark, reason=reason, **common)
    if benchmark is None:
        value = kpi.nearest_on_scale(_round(kpi, base))
        return TargetSuggestion(value=value, reason="No benchmark: hold the baseline.", **common)
    gap = benchmark - base
    ahead = gap <= 0 if kpi.direction == Direction.HIGHER else gap >= 0
    if ahead:
        return TargetSuggestion(
            value=kpi.nearest_on_scale(_round(kpi, base)),
            reason="Already at or beyond the benchmark: hold the baseline.",
            **common,
        )
    max_step = target_step(kpi_code, base)
    step = max(-max_step, min(max_step, gap / 2))
    value = kpi.nearest_on_scale(_round(kpi, base + step))
    reason = (
        f"Half the gap from the {BASELINE_DAYS}-day baseline toward the benchmark, "
        f"at most {format_change(kpi, max_step).lstrip('+')} in one step."
    )
    return TargetSuggestion(value=value, reason=reason, **common)


# ---- drill-down --------------------------------------------------------------------------


def day_bounds_filter(day_field: str, period: Period, teams: list[Team]) -> Q:
    """Records whose local day (in their own team's time zone) falls in the period."""
    condition = Q(pk__in=[])
    for team in teams:
        start, end = utc_bounds(period.date_from, period.date_to, team.zone)
        condition |= Q(team=team, **{f"{day_field}__gte": start, f"{day_field}__lt": end})
    return condition


def kpi_records(*, user: User, kpi_code: str, scope: str, subject, period: Period, channel: str = "") -> QuerySet:
    """The tickets, survey responses or quality reviews behind a figure, within the viewer's scope."""
    kpi = KPIS[kpi_code]
    if kpi.source == Source.TICKETS:
        qs = scoping.tickets_visible(user).select_related("agent", "team")
        channel_field = "channel"
    elif kpi.source == Source.QUALITY_REVIEWS:
        # IQS: the reviews counted (a review stores its local day, so the period is a plain date range).
        qs = scoping.quality_reviews_visible(user).select_related("agent", "team", "ticket", "reviewer")
        if scope == Scope.AGENT:
            qs = qs.filter(agent=subject)
        elif scope == Scope.TEAM:
            qs = qs.filter(team=subject)
        days = {f"{kpi.day_field}__gte": period.date_from, f"{kpi.day_field}__lte": period.date_to}
        qs = qs.filter(kpi.counted, **days)
        if channel:
            qs = qs.filter(ticket__channel=channel)
        return qs.order_by(f"-{kpi.day_field}", "-pk")
    else:
        qs = scoping.survey_responses_visible(user).select_related("agent", "team", "ticket")
        channel_field = "ticket__channel"
    if scope == Scope.AGENT:
        qs = qs.filter(agent=subject)
        teams = list(Team.objects.all())
    elif scope == Scope.TEAM:
        qs = qs.filter(team=subject)
        teams = [subject]
    else:
        teams = list(Team.objects.all())
    qs = qs.filter(kpi.counted).filter(day_bounds_filter(kpi.day_field, period, teams))
    if channel:
        qs = qs.filter(**{channel_field: channel})
    return qs.order_by(f"-{kpi.day_field}", "-pk")
