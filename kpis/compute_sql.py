"""The PostgreSQL path of the snapshot computation: roll-up, target and insert in the database.

For each (source, day timestamp) family, the grouped query that `kpis.compute` builds with the
ORM (sums per local day, agent and channel, from the registry's aggregates) is wrapped in one
`INSERT … SELECT`: GROUPING SETS roll it up to agent × channel, agent, team × channel and team;
a lateral VALUES list turns the sums into one row per KPI; a lateral lookup picks the target in
force by SPEC §4's precedence; value, Wilson interval, confidence flag and status are the SQL
renderings of the very functions the Python path calls (`kpis.formulas`). No snapshot row
passes through Python, which keeps a full recompute close to the cost of reading the records.
`tests/kpis/test_compute_paths.py` pins this path to the Python one row for row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .formulas import SQL, Sql, kpi_value, low_sample, status, wilson_percent
from .models import Scope, Target
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


def _target_in_force_sql(team_id: int) -> tuple[str, tuple]:
    """The target in force for each row `v` (day, kpi, channel, agent): the ORM's own `in_force` and
    `by_precedence`, compiled with the row's columns in place of values."""
    day, kpi, channel, agent_id = (RawSQL(f"v.{column}", ()) for column in ("day", "kpi", "channel", "agent_id"))
    subject = Q(scope=Scope.AGENT, agent_id=agent_id) | Q(scope=Scope.TEAM, team_id=team_id) | Q(scope=Scope.ORG)
    lookup = Target.objects.in_force(day).filter(subject, kpi=kpi).by_precedence(channel)
    return lookup.values("id", "value", "stretch")[:1].query.sql_with_params()


def insert_family_rows(*, team_id: int, base_sql: str, base_params: tuple, kpis: list[Kpi], now: dt.datetime) -> int:
    """Insert the agent and team snapshot rows of one KPI family for one team; returns the row count."""
    sums = ",\n".join(f'SUM(b."{column}") AS "{column}"' for column in _sum_columns(kpis))
    values = ",\n".join(
        f"('{kpi.code}', {_numerator_sql(kpi)}, r.\"{kpi.code}__den\"::bigint, {kpi.scale}, "
        f"{'true' if kpi.is_rate else 'false'}, '{kpi.direction.value}')"
        for kpi in kpis
    )
    lookup_sql, lookup_params = _target_in_force_sql(team_id)
    v = {name: Sql(f"v.{name}") for name in ("num", "den", "value")}
    target_value, stretch = Sql("tg.value"), Sql("tg.stretch")
    low, high = wilson_percent(v["num"], v["den"], SQL)
    count_codes = ", ".join(Sql.of(kpi.code).text for kpi in kpis if kpi.is_count)

    def is_count(row: str) -> Sql:  # the family's count KPIs (volume), read from a row alias
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
WITH base AS ({base_sql}),
rolled AS (
    SELECT b.day, b.agent_id, b.row_channel,
           GROUPING(b.agent_id) AS g_agent, GROUPING(b.row_channel) AS g_channel,
           {sums}
    FROM base b
    GROUP BY GROUPING SETS ((b.day, b.agent_id, b.row_channel), (b.day, b.agent_id), (b.day, b.row_channel), (b.day))
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
      AND NOT (r.g_agent = 0 AND r.agent_id IS NULL)
      AND NOT (r.g_channel = 0 AND r.row_channel IS NULL)
),
valued AS (
    SELECT m.*, {value.text} AS value
    FROM measures m
)
INSERT INTO kpis_snapshot (
    date, kpi, scope, team_id, agent_id, channel, value, numerator, denominator, ci_low, ci_high,
    low_confidence, target_id, target_value, stretch_value, status, definitions_version, computed_at
)
SELECT v.day, v.kpi, v.scope, %s, v.agent_id, v.channel, v.value, v.num, v.den,
       CASE WHEN v.is_rate THEN {low.text} END,
       CASE WHEN v.is_rate THEN {high.text} END,
       {flagged.text},
       tg.id, tg.value, tg.stretch,
       CASE
           WHEN tg.id IS NULL THEN 'no_target'
           WHEN v.direction = 'higher' THEN {higher.text}
           ELSE {lower.text}
       END,
       %s, %s
FROM valued v
LEFT JOIN LATERAL ({lookup_sql}) tg ON v.direction <> 'none'
"""
    params = (*base_params, team_id, settings.KPI_MIN_SAMPLE, DEFINITIONS_VERSION, now, *lookup_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
