"""The PostgreSQL path of the snapshot computation: roll-up, target and insert in the database.

For each (source, day timestamp) family, the grouped query that `kpis.compute` builds with the
ORM (sums per local day, agent and channel, from the registry's aggregates) is wrapped in one
`INSERT … SELECT`: GROUPING SETS roll it up to agent × channel, agent, team × channel and team;
a lateral VALUES list turns the sums into one row per KPI; a lateral lookup picks the target in
force by SPEC §4's precedence; value, Wilson interval, confidence flag and status are computed
with the same formulas as `kpis.registry`, `kpis.stats` and `kpis.targets`. No snapshot row
passes through Python, which keeps a full recompute close to the cost of reading the records.
`tests/kpis/test_compute_paths.py` pins this path to the Python one row for row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

from .registry import DEFINITIONS_VERSION, Kpi
from .stats import Z_95

# Sums of (end − start) come back from PostgreSQL as intervals.
DURATION_SUMS = {"frt", "resolution_time"}


def _numerator_sql(kpi: Kpi) -> str:
    if kpi.code == "nps":
        return '(r."nps__promoters" - r."nps__detractors")::double precision'
    if kpi.code in DURATION_SUMS:
        return f'EXTRACT(EPOCH FROM r."{kpi.code}__num")::double precision'
    return f'r."{kpi.code}__num"::double precision'


def _sum_columns(kpis: list[Kpi]) -> list[str]:
    columns = []
    for kpi in kpis:
        columns.extend(kpi.aggregates())
    return columns


def insert_family_rows(*, team_id: int, base_sql: str, base_params: tuple, kpis: list[Kpi], now: dt.datetime) -> int:
    """Insert the agent and team snapshot rows of one KPI family for one team; returns the row count."""
    sums = ",\n".join(f'SUM(b."{column}") AS "{column}"' for column in _sum_columns(kpis))
    values = ",\n".join(
        f"('{kpi.code}', {_numerator_sql(kpi)}, r.\"{kpi.code}__den\"::bigint, {kpi.scale}, "
        f"{'true' if kpi.is_rate else 'false'}, '{kpi.direction.value}')"
        for kpi in kpis
    )
    z = Z_95
    wilson = (
        "(v.p + {z2} / (2 * v.den) {sign} {z} * sqrt(v.p * (1 - v.p) / v.den + {z2} / (4.0 * v.den * v.den)))"
        " / (1 + {z2} / v.den)"
    )
    low = wilson.format(z=z, z2=z * z, sign="-")
    high = wilson.format(z=z, z2=z * z, sign="+")
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
    SELECT m.*,
           CASE WHEN m.kpi = 'volume' THEN m.num ELSE m.num * m.scale / m.den END AS value,
           m.num / m.den AS p
    FROM measures m
)
INSERT INTO kpis_snapshot (
    date, kpi, scope, team_id, agent_id, channel, value, numerator, denominator, ci_low, ci_high,
    low_confidence, target_id, target_value, stretch_value, status, definitions_version, computed_at
)
SELECT v.day, v.kpi, v.scope, %s, v.agent_id, v.channel, v.value, v.num, v.den,
       CASE WHEN v.is_rate THEN GREATEST(0.0, {low}) * 100 END,
       CASE WHEN v.is_rate THEN LEAST(1.0, {high}) * 100 END,
       v.kpi <> 'volume' AND v.den < %s,
       tg.id, tg.value, tg.stretch,
       CASE
           WHEN tg.id IS NULL THEN 'no_target'
           WHEN v.direction = 'higher' AND tg.stretch IS NOT NULL AND v.value >= tg.stretch THEN 'excellent'
           WHEN v.direction = 'higher' AND v.value >= tg.value THEN 'met'
           WHEN v.direction = 'lower' AND tg.stretch IS NOT NULL AND v.value <= tg.stretch THEN 'excellent'
           WHEN v.direction = 'lower' AND v.value <= tg.value THEN 'met'
           ELSE 'missed'
       END,
       %s, %s
FROM valued v
LEFT JOIN LATERAL (
    SELECT t.id, t.value, t.stretch
    FROM kpis_target t
    WHERE v.direction <> 'none'
      AND t.kpi = v.kpi
      AND t.effective_from <= v.day AND (t.effective_to IS NULL OR t.effective_to >= v.day)
      AND (t.channel = '' OR t.channel = v.channel)
      AND ((t.scope = 'agent' AND t.agent_id = v.agent_id) OR (t.scope = 'team' AND t.team_id = %s)
           OR t.scope = 'org')
    -- SPEC §4: agent+channel, agent, team+channel, team, org+channel, org.
    ORDER BY CASE t.scope WHEN 'agent' THEN 0 WHEN 'team' THEN 2 ELSE 4 END
             + CASE WHEN t.channel = '' THEN 1 ELSE 0 END
    LIMIT 1
) tg ON true
"""
    params = (*base_params, team_id, settings.KPI_MIN_SAMPLE, DEFINITIONS_VERSION, now, team_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
