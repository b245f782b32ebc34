"""The PostgreSQL path of the snapshot computation: roll-up, target and insert in the database.

For each (source, day timestamp) family, the grouped query that `kpis.compute` builds with the
ORM (sums per local day, agent, channel and ticket category, from the registry's aggregates) is
wrapped in one `INSERT … SELECT`: GROUPING SETS roll it up to agent × channel, agent, team × channel
and team; a lateral VALUES list turns the sums into one row per KPI; a lateral lookup picks the
target in force by SPEC §4's precedence, once per distinct (day, KPI, channel, agent with a target of
their own) rather than once per row; value, Wilson interval, confidence flag and status are the SQL
renderings of the very functions the Python path calls (`kpis.formulas`). No snapshot row
passes through Python, which keeps a full recompute close to the cost of reading the records. One
more grouping set, (day, category), is written by a data-modifying CTE of the same statement into
the team's category rows, so the records are read once for both. The time KPIs' distributions of
durations are one more statement per family with time KPIs (`insert_distribution_rows`): they need the
records themselves, not their sums.
`tests/kpis/test_compute_paths.py` pins this path to the Python one row for row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .distributions import key_sql
from .formulas import SQL, Sql, kpi_value, low_sample, status, wilson_percent
from .models import CategorySnapshot, DurationDistribution, Scope, Snapshot, Target
from .registry import DEFINITIONS_VERSION, Kpi


def _numerator_sql(kpi: Kpi) -> str:
    if kpi.numerator.is_duration:  # sums of (end − start) come back from PostgreSQL as intervals
        return f'EXTRACT(EPOCH FROM r."{kpi.code}__num")::double precision'
    return f'r."{kpi.code}__num"::double precision'


def _sum_columns(kpis: list[Kpi]) -> list[str]:
    columns = []
    for kpi in kpis:
        columns.extend(kpi.aggregates())
    return columns


def _target_in_force_sql(team_id: int | None) -> tuple[str, tuple]:
    """The target in force for each row `k` (day, kpi, channel, target_agent_id): the ORM's own `in_force`
    and `by_precedence`, compiled with the row's columns in place of values (no team: org rows)."""
    day, kpi, channel, agent_id = (RawSQL(f"k.{column}", ()) for column in ("day", "kpi", "channel", "target_agent_id"))
    subject = Q(scope=Scope.AGENT, agent_id=agent_id) | Q(scope=Scope.ORG)
    if team_id is not None:
        subject |= Q(scope=Scope.TEAM, team_id=team_id)
    lookup = Target.objects.in_force(day).filter(subject, kpi=kpi).by_precedence(channel)
    return lookup.values("id", "value", "stretch")[:1].query.sql_with_params()


def _agents_with_own_targets_sql(date_from: dt.date, date_to: dt.date) -> tuple[str, tuple]:
    """(agent, KPI) pairs with an agent target in force on some day of the window: the only agent rows
    whose target can differ from their team's."""
    targets = Target.objects.intersecting(date_from, date_to).filter(scope=Scope.AGENT)
    return targets.values("agent_id", "kpi").distinct().order_by().query.sql_with_params()


def _kpi_constants(kpis: list[Kpi]) -> str:
    """A VALUES list of (code, scale, is_rate, direction) for `kpis`."""
    return ",\n".join(
        f"('{kpi.code}', {kpi.scale}, {'true' if kpi.is_rate else 'false'}, '{kpi.direction.value}')" for kpi in kpis
    )


def _insert_measures_sql(
    *, kpis: list[Kpi], team_id: int | None, date_from: dt.date, date_to: dt.date, now: dt.datetime
) -> tuple[str, tuple]:
    """The end of a snapshot `INSERT … SELECT`, after the caller's CTEs have defined `measures`
    (day, scope, agent_id, channel, kpi, num, den, scale, is_rate, direction): value, interval,
    confidence flag, target and status of every row, and the insert. Returns the SQL and its parameters.

    The target is looked up once per distinct (day, KPI, channel, agent with a target of their own — or
    none), not once per row: an agent without one shares the lookup of their team's row, which the SPEC's
    precedence resolves the same way. The first row of each key looks up, a window passes the result to
    the others: sorts and no join back, so the plan cannot turn quadratic when the table's statistics
    are stale (they are, right after a window of rows was replaced)."""
    lookup_sql, lookup_params = _target_in_force_sql(team_id)
    own_sql, own_params = _agents_with_own_targets_sql(date_from, date_to)
    v = {name: Sql(f"v.{name}") for name in ("num", "den", "value")}
    target_value, stretch = Sql("v.tg_value"), Sql("v.tg_stretch")
    low, high = wilson_percent(v["num"], v["den"], SQL)
    count_codes = ", ".join(Sql.of(kpi.code).text for kpi in kpis if kpi.is_count)

    def is_count(row: str) -> Sql:  # the count KPIs (volume) among `kpis`, read from a row alias
        return Sql(f"{row}.kpi IN ({count_codes})" if count_codes else "false")

    value = SQL.when(
        is_count("m"),
        kpi_value(Sql("m.num"), Sql("m.den"), scale=1, is_count=True),
        kpi_value(Sql("m.num"), Sql("m.den"), scale=Sql("m.scale"), is_count=False),
    )
    higher = status(v["value"], target_value, stretch, higher_is_better=True, ops=SQL)
    lower = status(v["value"], target_value, stretch, higher_is_better=False, ops=SQL)
    flagged = Sql(f"({is_count('v').text} IS FALSE AND {low_sample(v['den'], Sql('%s')).text})")
    sql = f"""
own_targets AS MATERIALIZED ({own_sql}),
valued AS (
    SELECT m.*, {value.text} AS value, own.agent_id AS target_agent_id,
           row_number() OVER (PARTITION BY m.day, m.kpi, m.channel, own.agent_id) AS nth
    FROM measures m
    LEFT JOIN own_targets own ON own.agent_id = m.agent_id AND own.kpi = m.kpi
),
looked_up AS (
    SELECT k.*, found.id AS found_id, found.value AS found_value, found.stretch AS found_stretch
    FROM valued k
    LEFT JOIN LATERAL ({lookup_sql}) found ON true
    WHERE k.nth = 1 AND k.direction <> 'none'
    UNION ALL
    SELECT k.*, NULL, NULL, NULL
    FROM valued k
    WHERE NOT (k.nth = 1 AND k.direction <> 'none')
),
targeted AS (
    SELECT l.*, first_value(l.found_id) OVER same_key AS tg_id,
           first_value(l.found_value) OVER same_key AS tg_value,
           first_value(l.found_stretch) OVER same_key AS tg_stretch
    FROM looked_up l
    WINDOW same_key AS (PARTITION BY l.day, l.kpi, l.channel, l.target_agent_id ORDER BY l.nth)
)
INSERT INTO {Snapshot._meta.db_table} (
    date, kpi, scope, team_id, agent_id, channel, value, numerator, denominator, ci_low, ci_high,
    low_confidence, target_id, target_value, stretch_value, status, definitions_version, computed_at
)
SELECT v.day, v.kpi, v.scope, %s, v.agent_id, v.channel, v.value, v.num, v.den,
       CASE WHEN v.is_rate THEN {low.text} END,
       CASE WHEN v.is_rate THEN {high.text} END,
       {flagged.text},
       v.tg_id, v.tg_value, v.tg_stretch,
       CASE
           WHEN v.tg_id IS NULL THEN 'no_target'
           WHEN v.direction = 'higher' THEN {higher.text}
           ELSE {lower.text}
       END,
       %s, %s
FROM targeted v
"""
    params = (*own_params, *lookup_params, team_id, settings.KPI_MIN_SAMPLE, DEFINITIONS_VERSION, now)
    return sql, params


def _execute(sql: str, params: tuple) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_family_rows(
    *,
    team_id: int,
    date_from: dt.date,
    date_to: dt.date,
    base_sql: str,
    base_params: tuple,
    kpis: list[Kpi],
    now: dt.datetime,
) -> int:
    """Insert the agent and team snapshot rows, and the team's category rows, of one KPI family for one
    team's local days date_from..date_to; returns the snapshot row count."""
    sums = ",\n".join(f'SUM(b."{column}") AS "{column}"' for column in _sum_columns(kpis))
    values = ",\n".join(
        f"('{kpi.code}', {_numerator_sql(kpi)}, r.\"{kpi.code}__den\"::bigint, {kpi.scale}, "
        f"{'true' if kpi.is_rate else 'false'}, '{kpi.direction.value}')"
        for kpi in kpis
    )
    category_values = ",\n".join(
        f"('{kpi.code}', {_numerator_sql(kpi)}, r.\"{kpi.code}__den\"::bigint)" for kpi in kpis
    )
    insert_sql, insert_params = _insert_measures_sql(
        kpis=kpis, team_id=team_id, date_from=date_from, date_to=date_to, now=now
    )
    sql = f"""
WITH base AS ({base_sql}),
rolled AS (
    SELECT b.day, b.agent_id, b.row_channel, b.row_category,
           GROUPING(b.agent_id) AS g_agent, GROUPING(b.row_channel) AS g_channel,
           GROUPING(b.row_category) AS g_category,
           {sums}
    FROM base b
    GROUP BY GROUPING SETS (
        (b.day, b.agent_id, b.row_channel), (b.day, b.agent_id), (b.day, b.row_channel), (b.day),
        (b.day, b.row_category)
    )
),
categories AS (
    INSERT INTO {CategorySnapshot._meta.db_table} (date, team_id, category, kpi, numerator, denominator)
    SELECT r.day, %s, r.row_category, k.kpi, k.num, k.den
    FROM rolled r
    CROSS JOIN LATERAL (VALUES {category_values}) AS k(kpi, num, den)
    WHERE r.g_category = 0 AND k.den > 0
),
measures AS (
    SELECT r.day,
           CASE WHEN r.g_agent = 0 THEN 'agent' ELSE 'team' END AS scope,
           CASE WHEN r.g_agent = 0 THEN r.agent_id END AS agent_id,
           CASE WHEN r.g_channel = 0 THEN r.row_channel ELSE '' END AS channel,
           k.kpi, k.num, k.den, k.scale, k.is_rate, k.direction
    FROM rolled r
    CROSS JOIN LATERAL (VALUES {values}) AS k(kpi, num, den, scale, is_rate, direction)
    WHERE k.den > 0
      AND r.g_category = 1
      AND NOT (r.g_agent = 0 AND r.agent_id IS NULL)
      AND NOT (r.g_channel = 0 AND r.row_channel IS NULL)
),{insert_sql}"""
    return _execute(sql, (*base_params, team_id, *insert_params))


def insert_org_rows(*, date_from: dt.date, date_to: dt.date, kpis: list[Kpi], now: dt.datetime) -> int:
    """Insert the org snapshot rows of days date_from..date_to, summed from the team rows; returns the row count."""
    insert_sql, insert_params = _insert_measures_sql(
        kpis=kpis, team_id=None, date_from=date_from, date_to=date_to, now=now
    )
    sql = f"""
WITH measures AS (
    SELECT s.date AS day, '{Scope.ORG.value}' AS scope, NULL::bigint AS agent_id, s.channel, s.kpi,
           SUM(s.numerator) AS num, SUM(s.denominator)::bigint AS den, k.scale, k.is_rate, k.direction
    FROM {Snapshot._meta.db_table} s
    JOIN (VALUES {_kpi_constants(kpis)}) AS k(kpi, scale, is_rate, direction)
      ON k.kpi = s.kpi
    WHERE s.scope = '{Scope.TEAM.value}' AND s.date >= %s AND s.date <= %s
    GROUP BY s.date, s.channel, s.kpi, k.scale, k.is_rate, k.direction
),{insert_sql}"""
    return _execute(sql, (date_from, date_to, *insert_params))


def _seconds_sql(kpi: Kpi, column: str) -> str:
    """A record's duration (`Kpi.duration`, read from `column`) in seconds as double precision."""
    if kpi.numerator.is_duration:  # end − start is an interval in PostgreSQL
        return f"EXTRACT(EPOCH FROM {column})::double precision"
    return f"{column}::double precision"


def _buckets_text_sql(alias: str) -> str:
    """The aggregate gathering counts `n` per `bucket` of `alias` into a JSON object's text (`models.BucketsField`):
    '{"key":n,…}', '{}' when every duration was 0 s."""
    pairs = f"""string_agg('"' || {alias}.bucket || '":' || {alias}.n, ',') FILTER (WHERE {alias}.bucket IS NOT NULL)"""
    return f"COALESCE('{{' || {pairs} || '}}', '{{}}')"


def insert_distribution_rows(*, team_id: int, records_sql: str, records_params: tuple, kpis: list[Kpi], now) -> int:
    """Insert the agent (all channels only: `kpis.distributions.quantiles_kept`) and team (all channels and per
    channel) distribution rows of one family's time KPIs for one team's window, from the records query
    `kpis.compute._family_durations` builds (day, agent_id, row_channel, `<code>__x` per KPI). Returns the row count.

    Each duration's bucket key by the sketch's mapping (`kpis.distributions.key_sql`), with the KPI as its position
    in `kpis` (integers sort faster than collated text; one UNION ALL branch per KPI over the records, read once),
    materialized once. Each kind of row is then counts per key, sorted by the row's key, and one sparse JSON
    object per row gathered from them in that order, written as text by string aggregation (`models.BucketsField`:
    a third of what jsonb_object_agg cost); the team's all-channel counts are summed from its per-channel
    counts (those on no channel included) rather than from the records. No GROUPING SETS: their rolled-up counts
    had to be sorted once more before the JSON (measured: docs/performance.md)."""
    columns = {kpi.code: f'b."{kpi.code}__x"' for kpi in kpis}
    durations = "\n    UNION ALL\n    ".join(
        f"SELECT b.day, b.agent_id, b.row_channel, {i} AS i, {_seconds_sql(kpi, columns[kpi.code])} AS x FROM base b"
        for i, kpi in enumerate(kpis)
    )
    codes = " ".join(f"WHEN {i} THEN '{kpi.code}'" for i, kpi in enumerate(kpis))
    sql = f"""
WITH base AS ({records_sql}),
durations AS ({durations}),
keyed AS MATERIALIZED (
    SELECT d.day, d.agent_id, d.row_channel, d.i,
           CASE WHEN d.x > 0 THEN {key_sql("d.x")} END AS bucket
    FROM durations d
    WHERE d.x IS NOT NULL
),
agent_counts AS (
    SELECT k.day, k.i, k.agent_id, k.bucket, COUNT(*) AS n
    FROM keyed k WHERE k.agent_id IS NOT NULL
    GROUP BY k.day, k.i, k.agent_id, k.bucket
    ORDER BY k.day, k.i, k.agent_id
),
channel_counts AS MATERIALIZED (
    SELECT k.day, k.i, k.row_channel, k.bucket, COUNT(*) AS n
    FROM keyed k
    GROUP BY k.day, k.i, k.row_channel, k.bucket
    ORDER BY k.day, k.i, k.row_channel
),
team_counts AS (
    SELECT c.day, c.i, c.bucket, SUM(c.n) AS n
    FROM channel_counts c
    GROUP BY c.day, c.i, c.bucket
    ORDER BY c.day, c.i
),
gathered AS (
    SELECT a.day, a.i, a.agent_id, NULL::varchar AS channel,
           SUM(a.n) AS count, COALESCE(SUM(a.n) FILTER (WHERE a.bucket IS NULL), 0) AS zeros,
           {_buckets_text_sql("a")} AS buckets
    FROM agent_counts a
    GROUP BY a.day, a.i, a.agent_id
    UNION ALL
    SELECT c.day, c.i, NULL, c.row_channel,
           SUM(c.n), COALESCE(SUM(c.n) FILTER (WHERE c.bucket IS NULL), 0),
           {_buckets_text_sql("c")}
    FROM channel_counts c WHERE c.row_channel IS NOT NULL
    GROUP BY c.day, c.i, c.row_channel
    UNION ALL
    SELECT t.day, t.i, NULL, '',
           SUM(t.n), COALESCE(SUM(t.n) FILTER (WHERE t.bucket IS NULL), 0),
           {_buckets_text_sql("t")}
    FROM team_counts t
    GROUP BY t.day, t.i
)
INSERT INTO {DurationDistribution._meta.db_table} (
    date, kpi, scope, team_id, agent_id, channel, count, zeros, buckets, computed_at
)
SELECT g.day, CASE g.i {codes} END,
       CASE WHEN g.agent_id IS NOT NULL THEN '{Scope.AGENT.value}' ELSE '{Scope.TEAM.value}' END,
       %s, g.agent_id, COALESCE(g.channel, ''), g.count, g.zeros, g.buckets, %s
FROM gathered g"""
    return _execute(sql, (*records_params, team_id, now))


def insert_org_distribution_rows(rows: list[tuple], *, now) -> int:
    """Insert org distribution rows given as (date, channel, kpi, count, zeros, {key: count}), as
    `kpis.compute.org_distribution_rows` merges them: one statement over arrays (unnest), whatever their number; the
    buckets encoded by their model field (`models.BucketsField`)."""
    if not rows:
        return 0
    days, channels, codes, counts, zeros, buckets = (list(column) for column in zip(*rows, strict=True))
    encode = DurationDistribution._meta.get_field("buckets").get_prep_value
    sql = f"""
INSERT INTO {DurationDistribution._meta.db_table} (
    date, kpi, scope, team_id, agent_id, channel, count, zeros, buckets, computed_at
)
SELECT r.day, r.kpi, '{Scope.ORG.value}', NULL, NULL, r.channel, r.count, r.zeros, r.buckets, %s
FROM unnest(%s::date[], %s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::text[])
     AS r(day, channel, kpi, count, zeros, buckets)"""
    return _execute(sql, (now, days, channels, codes, counts, zeros, [encode(b) for b in buckets]))
