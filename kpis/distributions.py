"""Distributions of a time KPI's per-record durations that roll up exactly: median and p90 of any period and group.

Each snapshot row of a time KPI (`Kpi.has_distribution`) has a `DurationDistribution` row beside it: a DDSketch
(Masson, Rim & Lee, VLDB 2019) with a relative accuracy α = 1 %. A duration x > 0 s falls in the bucket with
key k = ⌈log_γ x⌉, γ = (1 + α)/(1 − α), i.e. x ∈ (γ^(k−1), γ^k]; the bucket reads back as 2γ^k/(1 + γ), within
α·x of every x in it. Durations of 0 s are counted apart (`zeros`). The key↔value mapping is the `ddsketch`
package's `LogarithmicMapping`, so the guarantee is the library's; the PostgreSQL path computes the same
formula in SQL (`key_sql`), pinned key for key to the library in tests.

Merging is adding counts key by key — associative and exact — so a team's 90 days, an agent's quarter or the
org's month merge daily rows into the distribution of the union of their records. A quantile is the *lower*
quantile (numpy's method="lower", DDSketch's own rule): of the n durations sorted, the one at 0-based rank
⌊q·(n − 1)⌋; the sketch returns its bucket's value, so the result is within 1 % of that exact duration.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
from ddsketch.mapping import LogarithmicMapping
from django.db import connections, router
from django.db.models import Q

from .models import DurationDistribution, Scope, Snapshot, Statistic, Target
from .registry import DISTRIBUTION_KPIS
from .targets import status_against

RELATIVE_ACCURACY = 0.01
MAPPING = LogarithmicMapping(RELATIVE_ACCURACY)
# The quantile each percentile statistic of a target reads.
STATISTIC_QUANTILES: dict[str, float] = {Statistic.MEDIAN: 0.5, Statistic.P90: 0.9}
MEDIAN, P90 = STATISTIC_QUANTILES[Statistic.MEDIAN], STATISTIC_QUANTILES[Statistic.P90]
# What a figure says in place of a median and p90 that are not kept (`quantiles_kept`).
QUANTILES_NOT_KEPT_NOTE = "median and p90 are kept per agent over all channels: pick All channels"


def quantiles_kept(scope: str, channel: str) -> bool:
    """Whether the rows of `scope` on `channel` ('' = all channels) have distributions. Every snapshot key of a time
    KPI has one except an agent's on one channel: ~3 durations a day, those rows were 70 % of the table and of
    the recompute's cost of storing distributions (docs/performance.md). Such a figure has no median or p90
    (None and QUANTILES_NOT_KEPT_NOTE), never one read from other rows."""
    return not (scope == Scope.AGENT and channel)


def bucket_key(seconds: float) -> int | None:
    """The bucket key of a duration (the library's mapping); None for 0 s (the zero bucket)."""
    if seconds <= 0:
        return None
    return MAPPING.key(float(seconds))


def bucket_value(key: int) -> float:
    """The value a bucket reads back as, in seconds: within α of every duration in it."""
    return MAPPING.value(key)


def key_sql(seconds_sql: str) -> str:
    """SQL of `bucket_key` for a positive double-precision expression, written as the library computes it:
    ⌈(ln x / ln 2) · multiplier⌉ (`LogarithmicMapping._log_gamma`: math.log(x, 2) is ln x / ln 2)."""
    return f"ceil((ln({seconds_sql}) / ln(2::float8)) * {MAPPING._multiplier!r}::float8)::integer"


@dataclass
class Distribution:
    """A sparse sketch: `zeros` durations of 0 s and `buckets` {key: count}."""

    zeros: int = 0
    buckets: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        zeros, buckets = 0, Counter()
        for value in values:
            key = bucket_key(value)
            if key is None:
                zeros += 1
            else:
                buckets[key] += 1
        return cls(zeros, dict(buckets))

    @classmethod
    def from_stored(cls, zeros: int, buckets: dict) -> Distribution:
        """From a row's columns (JSON object keys are text)."""
        return cls(int(zeros), {int(key): int(count) for key, count in buckets.items()})

    def stored(self) -> dict[str, int]:
        """The buckets as stored: {key as text: count}."""
        return {str(key): count for key, count in sorted(self.buckets.items())}

    @property
    def count(self) -> int:
        return self.zeros + sum(self.buckets.values())

    def add(self, value: float) -> None:
        key = bucket_key(value)
        if key is None:
            self.zeros += 1
        else:
            self.buckets[key] = self.buckets.get(key, 0) + 1

    def merge(self, other: Distribution) -> Distribution:
        """This distribution with `other` merged into it (in place; returns self)."""
        self.zeros += other.zeros
        for key, count in other.buckets.items():
            self.buckets[key] = self.buckets.get(key, 0) + count
        return self

    def quantile(self, q: float) -> float | None:
        """The lower q-quantile in seconds (rank ⌊q·(n − 1)⌋ of the sorted durations, within α); None when empty."""
        if not 0 <= q <= 1:
            raise ValueError(f"q must lie in [0, 1], got {q}")
        return quantile_of(self.zeros, sorted(self.buckets.items()), q)


def quantile_of(zeros: int, sorted_buckets: list[tuple[int, int]], q: float) -> float | None:
    """The lower q-quantile of a distribution given as its zero count and its (key, count) pairs in key order."""
    count = zeros + sum(n for _, n in sorted_buckets)
    if count == 0:
        return None
    rank = q * (count - 1)
    if rank < zeros:
        return 0.0
    running = zeros
    for key, n in sorted_buckets:
        running += n
        if running > rank:
            return bucket_value(key)
    return bucket_value(sorted_buckets[-1][0])  # float rounding of q·(n − 1) at q = 1


def merged(distributions: Iterable[Distribution]) -> Distribution:
    total = Distribution()
    for distribution in distributions:
        total.merge(distribution)
    return total


# ---------------------------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True)
class Quantiles:
    count: int  # records in the merged distribution
    median: float | None  # seconds, None when count == 0
    p90: float | None

    @classmethod
    def of(cls, zeros: int, sorted_buckets: list[tuple[int, int]]) -> Quantiles:
        """Median, p90 and record count of one merged distribution (zero count, (key, count) pairs in key order)."""
        return cls(
            count=zeros + sum(n for _, n in sorted_buckets),
            median=quantile_of(zeros, sorted_buckets, MEDIAN),
            p90=quantile_of(zeros, sorted_buckets, P90),
        )


# Merged distributions: {key: (zeros, [(bucket, count), …] in bucket order)}.
MergedDistributions = dict[tuple, tuple[int, list[tuple[int, int]]]]


def merge_rows(rows: Iterable[tuple[tuple, int, str | dict]]) -> MergedDistributions:
    """Rows of (key, zero count, buckets) merged per key, counts added bucket by bucket: the one merge of stored
    rows, for the pages' combined read and for `merged_distributions`. A row's buckets come as stored (a JSON
    object's text, `BucketsField`) or as a dict {bucket key (int or its text): count}.

    The texts of one key are parsed together, as one JSON array, and counts are added under the keys as parsed,
    made integers once per merged key: for a year of a team's and the org's rows (2,190 rows of ~70 buckets) ~40 ms
    against ~60 parsing each row and adding into a Counter, ~20 since orjson parses them (docs/performance.md)."""
    zeros: dict[tuple, int] = defaultdict(int)
    texts: dict[tuple, list[str]] = defaultdict(list)
    parsed: dict[tuple, list[dict]] = defaultdict(list)
    for key, row_zeros, row_buckets in rows:
        zeros[key] += row_zeros
        if isinstance(row_buckets, str):
            if row_buckets:
                texts[key].append(row_buckets)
        elif row_buckets:
            parsed[key].append(row_buckets)
    merged = {}
    for key, key_zeros in zeros.items():
        found = parsed.get(key, [])
        if key in texts:
            # orjson: a year of a team's and the org's rows (1.6 MB of bucket objects) parse in 12 ms, 31 with json.
            found = [*orjson.loads("[" + ",".join(texts[key]) + "]"), *found]
        added: dict = {}
        get = added.get
        for buckets in found:
            for bucket, count in buckets.items():
                added[bucket] = get(bucket, 0) + count
        by_int: dict[int, int] = defaultdict(int)
        for bucket, count in added.items():
            by_int[int(bucket)] += count
        merged[key] = (key_zeros, sorted(by_int.items()))
    return merged


SUBJECT_COLUMNS = {Scope.AGENT: "agent_id", Scope.TEAM: "team_id", Scope.ORG: None}


def _rows(*, scope, subject_ids, kpi_codes, date_from, date_to, channel, using):
    codes = [code for code in kpi_codes if code in DISTRIBUTION_KPIS]
    rows = DurationDistribution.objects.using(using).filter(
        scope=scope, channel=channel, date__gte=date_from, date__lte=date_to, kpi__in=codes
    )
    column = SUBJECT_COLUMNS[Scope(scope)]
    if column is not None and subject_ids is not None:
        rows = rows.filter(**{f"{column}__in": list(subject_ids)})
    return rows, column


def merged_distributions(
    *,
    scope: str,
    subject_ids: list[int] | None,
    kpi_codes: Iterable[str],
    date_from: dt.date,
    date_to: dt.date,
    channel: str = "",
    by_day: bool = False,
    using: str | None = None,
) -> MergedDistributions:
    """The merged distributions of each (subject, KPI[, day]) in one query: {key: (zeros, [(bucket, count)…] in
    bucket order)}. On PostgreSQL the buckets are summed in the database (jsonb_each, GROUP BY), elsewhere here."""
    using = using or router.db_for_read(DurationDistribution)
    rows, column = _rows(
        scope=scope,
        subject_ids=subject_ids,
        kpi_codes=kpi_codes,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
        using=using,
    )
    if connections[using].vendor == "postgresql":
        return _merged_in_database(rows, column, by_day, using)
    fields = [column or "scope", "kpi", "date", "zeros", "buckets"]
    return merge_rows(
        (
            ((subject if column else None, kpi, day) if by_day else (subject if column else None, kpi)),
            row_zeros,
            row_buckets,
        )
        for subject, kpi, day, row_zeros, row_buckets in rows.values_list(*fields).order_by()
    )


def _merged_in_database(rows, column, by_day, using):
    """One statement: the rows' buckets expanded by jsonb_each and summed per (subject, KPI[, day], bucket)."""
    base_sql, params = rows.values(column or "scope", "kpi", "date", "zeros", "buckets").query.sql_with_params()
    subject = "d.subject" if column else "NULL::bigint"
    day = "d.day" if by_day else "NULL::date"
    sql = f"""
WITH picked AS (
    SELECT {subject} AS subject, d.kpi, {day} AS day, d.zeros, d.buckets
    FROM ({base_sql}) AS d(subject, kpi, day, zeros, buckets)
),
zero_counts AS (SELECT subject, kpi, day, SUM(zeros)::bigint AS n FROM picked GROUP BY subject, kpi, day),
bucket_counts AS (
    SELECT p.subject, p.kpi, p.day, b.key::integer AS bucket, SUM(b.value::bigint)::bigint AS n
    FROM picked p CROSS JOIN LATERAL jsonb_each_text(p.buckets::jsonb) AS b(key, value)
    GROUP BY p.subject, p.kpi, p.day, b.key::integer
)
SELECT subject, kpi, day, NULL::integer, n FROM zero_counts
UNION ALL
SELECT subject, kpi, day, bucket, n FROM bucket_counts
ORDER BY 1, 2, 3, 4 NULLS FIRST"""
    result: dict[tuple, tuple[int, list]] = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for subject, kpi, day, bucket, n in cursor.fetchall():
            key = (subject, kpi, day) if by_day else (subject, kpi)
            if bucket is None:
                result[key] = (int(n), [])
            else:
                result[key][1].append((bucket, int(n)))
    return result


def distribution_quantile(
    *,
    scope: str,
    subject_ids: list[int] | None,
    kpi_codes: Iterable[str],
    date_from: dt.date,
    date_to: dt.date,
    q: float,
    channel: str = "",
    by_day: bool = False,
    using: str | None = None,
) -> dict[tuple, float | None]:
    """The lower q-quantile (seconds) of each (subject, KPI[, day]) merged over the period, in one query."""
    if not 0 <= q <= 1:
        raise ValueError(f"q must lie in [0, 1], got {q}")
    found = merged_distributions(
        scope=scope,
        subject_ids=subject_ids,
        kpi_codes=kpi_codes,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
        by_day=by_day,
        using=using,
    )
    return {key: quantile_of(zeros, buckets, q) for key, (zeros, buckets) in found.items()}


def distribution_quantiles(
    *,
    scope: str,
    subject_ids: list[int] | None,
    kpi_codes: Iterable[str],
    date_from: dt.date,
    date_to: dt.date,
    channel: str = "",
    by_day: bool = False,
    using: str | None = None,
) -> dict[tuple, Quantiles]:
    """Median and p90 (seconds, lower quantiles within 1 %) and the record count of each (subject, KPI) — or
    (subject, KPI, day) when `by_day` — merged from the daily rows of date_from..date_to, in one query.

    subject: the agent id for scope "agent", the team id for "team", None for "org"; `subject_ids` None reads
    every subject of the scope. KPIs without a distribution are ignored; a key without records is absent, and so
    is every key of an agent on one channel (not kept: `quantiles_kept`).
    """
    found = merged_distributions(
        scope=scope,
        subject_ids=subject_ids,
        kpi_codes=kpi_codes,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
        by_day=by_day,
        using=using,
    )
    return {key: Quantiles.of(zeros, buckets) for key, (zeros, buckets) in found.items()}


# ---------------------------------------------------------------------------------------------------------------
# Targets on a median or p90


def finish_percentile_rows(
    *, team_id: int | None, date_from: dt.date, date_to: dt.date, targets: Iterable[Target] | None = None
) -> int:
    """Set the status of the daily snapshot rows of a team (None: the org) and window whose target is on a median
    or p90 from that day's distribution; returns the rows updated. Shared by both computation paths, inside their
    transaction, after the rows are written. `targets`: those in force in the window when the caller has them
    (the computation's `TargetResolver`), else one read. Only when some target is on a percentile (rare): one read
    of those rows, one of their distributions and one update."""
    if targets is None:
        targets = Target.objects.intersecting(date_from, date_to)
    percentile_targets = {
        target.pk: target.statistic
        for target in targets
        if target.kpi in DISTRIBUTION_KPIS and target.statistic in STATISTIC_QUANTILES
    }
    if not percentile_targets:
        return 0
    scoped = Q(team_id=team_id) if team_id is not None else Q(scope=Scope.ORG)
    window = Q(date__gte=date_from, date__lte=date_to) & scoped
    rows = list(
        Snapshot.objects.filter(window, target_id__in=list(percentile_targets)).values_list(
            "pk", "kpi", "scope", "agent_id", "channel", "date", "target_id", "target_value", "stretch_value"
        )
    )
    if not rows:
        return 0
    kpis = {row[1] for row in rows}
    distributions = {
        (kpi, scope, agent_id, channel, day): Distribution.from_stored(zeros, buckets)
        for kpi, scope, agent_id, channel, day, zeros, buckets in DurationDistribution.objects.filter(
            window, kpi__in=kpis
        ).values_list("kpi", "scope", "agent_id", "channel", "date", "zeros", "buckets")
    }
    updates = []
    for pk, kpi, scope, agent_id, channel, day, target_id, target_value, stretch in rows:
        distribution = distributions.get((kpi, scope, agent_id, channel, day))
        value = distribution.quantile(STATISTIC_QUANTILES[percentile_targets[target_id]]) if distribution else None
        updates.append(Snapshot(pk=pk, status=status_against(kpi, value, target_value, stretch)))
    Snapshot.objects.bulk_update(updates, ["status"], batch_size=1000)
    return len(updates)
