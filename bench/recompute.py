"""Benchmark: a full snapshot recompute against two raw-SQL floors, on PostgreSQL.

Builds N agents × D days of demo-like data, then times, in the same run and alternating
(`--rounds` times; the figures are each one's best round, every round is printed too):

- the recompute: `snapshots_compute` over the whole range into empty tables, then again
  replacing every row (the steady state);
- the read floor: one hand-written grouped query per KPI family computing the same sums,
  without writing anything;
- the write floor: the same grouped sums written with one `INSERT … SELECT` per family into
  `bench_write_floor`, a table created `LIKE kpis_snapshot INCLUDING ALL` (same columns, same
  indexes, unique keys and check constraints, since the real table needs them). It writes the
  very rows the recompute writes (agent, team and org, all channels and per channel, one row
  per KPI with records; the row count is checked) but with the cheapest expressions: a plain
  quotient for the value, no target, interval or status, no delete, no lock. The team sums per
  ticket category the recompute also writes count against it: the floor does not write them.

- the distributions' write floor: the time KPIs' distribution rows the recompute writes, by one `INSERT … SELECT`
  per family into `bench_write_floor_distributions` (`LIKE kpis_durationdistribution INCLUDING ALL`; row count
  checked). `ratio_write_floor_all` holds the recompute against both floors together: everything it writes.

With `--rounds` the recompute is also timed with the time KPIs' distributions of durations switched off
(`kpis.compute.STORE_DISTRIBUTIONS`), alternating in the same rounds: `ratio_distributions` is what storing
them costs (issue 17: at most 1.5×).

The records carry ticket categories and business-hours durations, and the org has targets (benchmarks
org-wide, a team target per team, agent targets for every fourth agent), so every row looks its target up
as in production.
Each figure is wall time; where PostgreSQL runs on this machine, `cpu_s` adds the CPU seconds of this
process and its database backend, which other work on a shared machine stretches far less.
Prints one JSON object as its last line.

    make bench                      # 100 agents × 90 days
    python bench/recompute.py --agents 20 --days 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from pathlib import Path

from _setup import django_on_database

AGENTS_PER_TEAM = 20
BENCH_END = dt.date(2026, 6, 30)
# Ticket categories ('' = none), drawn from a stream of their own so the other draws stay as they were.
CATEGORIES = ["billing", "delivery", "returns", "account", "technical", ""]
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles"]

FLOOR_QUERIES = {
    "created_at": """
        SELECT (t.created_at AT TIME ZONE tm.timezone)::date AS day, t.agent_id, t.channel,
               COUNT(*) FILTER (WHERE t.solved_at IS NOT NULL AND t.status IN ('solved', 'closed')),
               COUNT(*)
        FROM tickets_ticket t JOIN accounts_team tm ON tm.id = t.team_id
        WHERE t.created_at >= %(start)s AND t.created_at < %(end)s
        GROUP BY tm.id, 1, 2, 3""",
    "first_response_at": """
        SELECT (t.first_response_at AT TIME ZONE tm.timezone)::date, t.agent_id, t.channel,
               SUM(EXTRACT(EPOCH FROM t.first_response_at - t.created_at)), COUNT(*),
               SUM(t.first_response_business_seconds), COUNT(t.first_response_business_seconds)
        FROM tickets_ticket t JOIN accounts_team tm ON tm.id = t.team_id
        WHERE t.first_response_at >= %(start)s AND t.first_response_at < %(end)s
        GROUP BY tm.id, 1, 2, 3""",
    "solved_at": """
        SELECT (t.solved_at AT TIME ZONE tm.timezone)::date, t.agent_id, t.channel,
               SUM(t.handle_time_seconds) FILTER (WHERE s AND t.handle_time_seconds IS NOT NULL),
               COUNT(*) FILTER (WHERE s AND t.handle_time_seconds IS NOT NULL),
               SUM(EXTRACT(EPOCH FROM t.solved_at - t.created_at)) FILTER (WHERE s),
               SUM(t.resolution_business_seconds) FILTER (WHERE s),
               COUNT(t.resolution_business_seconds) FILTER (WHERE s),
               COUNT(*) FILTER (WHERE s AND t.agent_replies = 1 AND t.reopened_count = 0),
               COUNT(*) FILTER (WHERE s)
        FROM tickets_ticket t JOIN accounts_team tm ON tm.id = t.team_id,
             LATERAL (SELECT t.status IN ('solved', 'closed')) AS x(s)
        WHERE t.solved_at >= %(start)s AND t.solved_at < %(end)s
        GROUP BY tm.id, 1, 2, 3""",
    "responded_at": """
        SELECT (r.responded_at AT TIME ZONE tm.timezone)::date, r.agent_id, tk.channel,
               COUNT(*) FILTER (WHERE r.kind = 'csat' AND r.score >= 4), COUNT(*) FILTER (WHERE r.kind = 'csat'),
               COUNT(*) FILTER (WHERE r.kind = 'nps' AND r.score >= 9)
                 - COUNT(*) FILTER (WHERE r.kind = 'nps' AND r.score <= 6),
               COUNT(*) FILTER (WHERE r.kind = 'nps'),
               SUM(r.score) FILTER (WHERE r.kind = 'ces'), COUNT(*) FILTER (WHERE r.kind = 'ces')
        FROM surveys_surveyresponse r JOIN accounts_team tm ON tm.id = r.team_id
             LEFT JOIN tickets_ticket tk ON tk.id = r.ticket_id
        WHERE r.responded_at >= %(start)s AND r.responded_at < %(end)s
        GROUP BY tm.id, 1, 2, 3""",
}


# The write floor, per family: the records (with their team's local day), the sums, and one
# (kpi, numerator, denominator, is_rate) per KPI; every family is rolled up to agent × channel,
# agent, team × channel, team, org × channel and org by GROUPING SETS and inserted in one statement.
TICKETS = (
    "tickets_ticket x",
    "x.status, x.created_at, x.first_response_at, x.solved_at, x.handle_time_seconds, x.agent_replies,"
    " x.reopened_count, x.first_response_business_seconds, x.resolution_business_seconds",
)
SURVEYS = ("surveys_surveyresponse x LEFT JOIN tickets_ticket tk ON tk.id = x.ticket_id", "x.kind, x.score")
SOLVED = "x.solved_at IS NOT NULL AND x.status IN ('solved', 'closed')"
WRITE_FLOOR_FAMILIES = {
    "created_at": (
        TICKETS,
        "x.channel",
        {"rr_num": f"COUNT(*) FILTER (WHERE {SOLVED})", "n": "COUNT(*)"},
        [("resolution_rate", "rr_num", "n", True), ("volume", "n", "n", False)],
    ),
    "first_response_at": (
        TICKETS,
        "x.channel",
        {
            "frt_num": "SUM(EXTRACT(EPOCH FROM x.first_response_at - x.created_at))",
            "n": "COUNT(*)",
            "frtb_num": "SUM(x.first_response_business_seconds)",
            "frtb_den": "COUNT(x.first_response_business_seconds)",
        },
        [("frt", "frt_num", "n", False), ("frt_business", "frtb_num", "frtb_den", False)],
    ),
    "solved_at": (
        TICKETS,
        "x.channel",
        {
            "aht_num": f"SUM(x.handle_time_seconds) FILTER (WHERE {SOLVED} AND x.handle_time_seconds IS NOT NULL)",
            "aht_den": f"COUNT(*) FILTER (WHERE {SOLVED} AND x.handle_time_seconds IS NOT NULL)",
            "rt_num": f"SUM(EXTRACT(EPOCH FROM x.solved_at - x.created_at)) FILTER (WHERE {SOLVED})",
            "rtb_num": f"SUM(x.resolution_business_seconds) FILTER (WHERE {SOLVED})",
            "rtb_den": f"COUNT(x.resolution_business_seconds) FILTER (WHERE {SOLVED})",
            "fcr_num": f"COUNT(*) FILTER (WHERE {SOLVED} AND x.agent_replies = 1 AND x.reopened_count = 0)",
            "solved": f"COUNT(*) FILTER (WHERE {SOLVED})",
        },
        [
            ("aht", "aht_num", "aht_den", False),
            ("resolution_time", "rt_num", "solved", False),
            ("resolution_time_business", "rtb_num", "rtb_den", False),
            ("fcr", "fcr_num", "solved", True),
        ],
    ),
    "responded_at": (
        SURVEYS,
        "tk.channel",
        {
            "csat_num": "COUNT(*) FILTER (WHERE x.kind = 'csat' AND x.score >= 4)",
            "csat_den": "COUNT(*) FILTER (WHERE x.kind = 'csat')",
            "nps_num": "COUNT(*) FILTER (WHERE x.kind = 'nps' AND x.score >= 9)"
            " - COUNT(*) FILTER (WHERE x.kind = 'nps' AND x.score <= 6)",
            "nps_den": "COUNT(*) FILTER (WHERE x.kind = 'nps')",
            "ces_num": "SUM(x.score) FILTER (WHERE x.kind = 'ces')",
            "ces_den": "COUNT(*) FILTER (WHERE x.kind = 'ces')",
        },
        [
            ("csat", "csat_num", "csat_den", True),
            ("nps", "nps_num", "nps_den", False),
            ("ces", "ces_num", "ces_den", False),
        ],
    ),
}
WRITE_FLOOR_TABLE = "bench_write_floor"


def floor_records_sql(day_field: str) -> str:
    """A family's records in the window, with their team's local day: what both write floors read."""
    (source, columns), channel, _, _ = WRITE_FLOOR_FAMILIES[day_field]
    return f"""
    SELECT (x.{day_field} AT TIME ZONE tm.timezone)::date AS day, x.team_id, x.agent_id, {channel} AS channel, {columns}
    FROM {source} JOIN accounts_team tm ON tm.id = x.team_id
    WHERE x.{day_field} >= (%(date_from)s::timestamp AT TIME ZONE tm.timezone)
      AND x.{day_field} < (%(date_after)s::timestamp AT TIME ZONE tm.timezone)"""


def write_floor_sql(day_field: str) -> str:
    _, _, sums, kpis = WRITE_FLOOR_FAMILIES[day_field]
    sum_list = ", ".join(f"{expression} AS {alias}" for alias, expression in sums.items())
    values = ", ".join(
        f"('{kpi}', g.{num}::float8, g.{den}::bigint, {str(rate).lower()})" for kpi, num, den, rate in kpis
    )
    return f"""
WITH records AS ({floor_records_sql(day_field)}),
grouped AS (
    SELECT x.day, x.team_id, x.agent_id, x.channel,
           GROUPING(x.team_id) AS g_team, GROUPING(x.agent_id) AS g_agent, GROUPING(x.channel) AS g_channel,
           {sum_list}
    FROM records x
    GROUP BY GROUPING SETS ((x.day, x.team_id, x.agent_id, x.channel), (x.day, x.team_id, x.agent_id),
                            (x.day, x.team_id, x.channel), (x.day, x.team_id), (x.day, x.channel), (x.day))
)
INSERT INTO {WRITE_FLOOR_TABLE} (date, kpi, scope, team_id, agent_id, channel, value, numerator, denominator,
                                 ci_low, ci_high, low_confidence, status, definitions_version, computed_at)
SELECT g.day, k.kpi,
       CASE WHEN g.g_team = 1 THEN 'org' WHEN g.g_agent = 1 THEN 'team' ELSE 'agent' END,
       CASE WHEN g.g_team = 0 THEN g.team_id END,
       CASE WHEN g.g_agent = 0 THEN g.agent_id END,
       CASE WHEN g.g_channel = 0 THEN g.channel ELSE '' END,
       k.num / k.den, k.num, k.den,
       CASE WHEN k.is_rate THEN k.num / k.den END, CASE WHEN k.is_rate THEN k.num / k.den END,
       false, 'no_target', 1, now()
FROM grouped g CROSS JOIN LATERAL (VALUES {values}) AS k(kpi, num, den, is_rate)
WHERE k.den > 0 AND NOT (g.g_agent = 0 AND g.agent_id IS NULL) AND NOT (g.g_channel = 0 AND g.channel IS NULL)"""


# The distributions' write floor: the distribution rows the recompute writes (agent over all channels, team over
# all channels and per channel, org likewise), written by one `INSERT … SELECT` per family with time KPIs into
# `bench_write_floor_distributions` (`LIKE kpis_durationdistribution INCLUDING ALL`): each duration keyed by the
# sketch's mapping, counted per row and key over GROUPING SETS, one JSON object's text per row. Same conditions
# as the snapshots' floor above; the row count is checked against the recompute's.
DISTRIBUTION_FLOOR_TABLE = "bench_write_floor_distributions"
DISTRIBUTION_FLOOR_FAMILIES = {
    "first_response_at": [
        ("frt", "EXTRACT(EPOCH FROM x.first_response_at - x.created_at)"),
        ("frt_business", "x.first_response_business_seconds::float8"),
    ],
    "solved_at": [
        ("aht", f"CASE WHEN {SOLVED} THEN x.handle_time_seconds::float8 END"),
        ("resolution_time", f"CASE WHEN {SOLVED} THEN EXTRACT(EPOCH FROM x.solved_at - x.created_at) END"),
        ("resolution_time_business", f"CASE WHEN {SOLVED} THEN x.resolution_business_seconds::float8 END"),
    ],
}


def distribution_floor_sql(day_field: str) -> str:
    from kpis.distributions import key_sql

    durations = ", ".join(f"('{kpi}', {expression})" for kpi, expression in DISTRIBUTION_FLOOR_FAMILIES[day_field])
    pairs = "string_agg('\"' || c.bucket || '\":' || c.n, ',') FILTER (WHERE c.bucket IS NOT NULL)"
    return f"""
WITH records AS ({floor_records_sql(day_field)}),
keyed AS (
    SELECT x.day, x.team_id, x.agent_id, x.channel, k.kpi,
           CASE WHEN k.seconds > 0 THEN {key_sql("k.seconds")} END AS bucket
    FROM records x CROSS JOIN LATERAL (VALUES {durations}) AS k(kpi, seconds)
    WHERE k.seconds IS NOT NULL
),
counted AS (
    SELECT k.day, k.kpi, k.team_id, k.agent_id, k.channel, k.bucket, COUNT(*) AS n,
           GROUPING(k.team_id) AS g_team, GROUPING(k.agent_id) AS g_agent, GROUPING(k.channel) AS g_channel
    FROM keyed k
    GROUP BY GROUPING SETS ((k.day, k.kpi, k.team_id, k.agent_id, k.bucket),
                            (k.day, k.kpi, k.team_id, k.channel, k.bucket), (k.day, k.kpi, k.team_id, k.bucket),
                            (k.day, k.kpi, k.channel, k.bucket), (k.day, k.kpi, k.bucket))
)
INSERT INTO {DISTRIBUTION_FLOOR_TABLE} (
    date, kpi, scope, team_id, agent_id, channel, count, zeros, buckets, computed_at
)
SELECT c.day, c.kpi,
       CASE WHEN c.g_team = 1 THEN 'org' WHEN c.g_agent = 1 THEN 'team' ELSE 'agent' END,
       c.team_id, c.agent_id, COALESCE(c.channel, ''),
       SUM(c.n), COALESCE(SUM(c.n) FILTER (WHERE c.bucket IS NULL), 0), COALESCE('{{' || {pairs} || '}}', '{{}}'), now()
FROM counted c
WHERE NOT (c.g_agent = 0 AND c.agent_id IS NULL) AND NOT (c.g_channel = 0 AND c.channel IS NULL)
GROUP BY c.day, c.kpi, c.g_team, c.g_agent, c.g_channel, c.team_id, c.agent_id, c.channel"""


def build(agents: int, days: int, seed: int) -> tuple[int, int]:
    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Scope, Target
    from kpis.registry import BENCHMARKS
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    rng = random.Random(seed)
    category_rng = random.Random(seed + 1)
    # Business-hours durations: a share of the calendar duration (nights and weekends left out), drawn from a
    # stream of their own so the other draws stay as they were.
    business_rng = random.Random(seed + 2)
    empty_tables()
    DirtyDay.objects.all().delete()
    Target.objects.all().delete()
    SurveyResponse.objects.all().delete()
    Ticket.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    teams = [
        Team.objects.create(name=f"Bench {i}", slug=f"bench-{i}", timezone=ZONES[i % len(ZONES)])
        for i in range((agents + AGENTS_PER_TEAM - 1) // AGENTS_PER_TEAM)
    ]
    users = User.objects.bulk_create(
        [
            User(username=f"bench{i}", email=f"bench{i}@bench.pulse", role=Role.AGENT, team=teams[i // AGENTS_PER_TEAM])
            for i in range(agents)
        ]
    )
    end = BENCH_END
    start = end - dt.timedelta(days=days - 1)
    tickets, n = [], 0
    for user in users:
        for d in range(days):
            day = start + dt.timedelta(days=d)
            for _ in range(rng.randint(6, 14)):
                n += 1
                created = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=dt.UTC)
                channel = rng.choice(["email", "chat", "phone", "social"])
                solved = rng.random() < 0.9
                first_response = created + dt.timedelta(seconds=rng.randint(5, 7200))
                solved_at = created + dt.timedelta(minutes=rng.randint(5, 3000)) if solved else None
                tickets.append(
                    Ticket(
                        external_id=f"B-{n}",
                        channel=channel,
                        category=category_rng.choice(CATEGORIES),
                        status="solved" if solved else "open",
                        agent=user,
                        team_id=user.team_id,
                        created_at=created,
                        first_response_at=first_response,
                        solved_at=solved_at,
                        first_response_business_seconds=round(
                            (first_response - created).total_seconds() * business_rng.uniform(0.2, 1.0)
                        ),
                        resolution_business_seconds=round(
                            (solved_at - created).total_seconds() * business_rng.uniform(0.2, 1.0)
                        )
                        if solved
                        else None,
                        handle_time_seconds=rng.randint(60, 900),
                        agent_replies=rng.randint(1, 3),
                        reopened_count=int(rng.random() < 0.05),
                    )
                )
    Ticket.objects.bulk_create(tickets, batch_size=5000)
    saved = list(Ticket.objects.filter(solved_at__isnull=False).values_list("pk", "agent_id", "team_id", "solved_at"))
    responses = []
    for i, (pk, agent_id, team_id, solved_at) in enumerate(saved):
        if rng.random() < 0.25:
            kind = rng.choice(["csat", "csat", "csat", "nps", "ces"])
            score = {"csat": rng.randint(1, 5), "nps": rng.randint(0, 10), "ces": rng.randint(1, 7)}[kind]
            responses.append(
                SurveyResponse(
                    external_id=f"BS-{i}",
                    ticket_id=pk,
                    agent_id=agent_id,
                    team_id=team_id,
                    kind=kind,
                    score=score,
                    responded_at=solved_at + dt.timedelta(hours=rng.randint(1, 96)),
                )
            )
    SurveyResponse.objects.bulk_create(responses, batch_size=5000)
    # Targets as an org sets them, so every snapshot row looks its target up: the benchmarks org-wide
    # (FRT per channel too), a CSAT target per team, and an AHT target for every fourth agent.
    since = start - dt.timedelta(days=30)
    targets = [
        Target(kpi=kpi, scope=Scope.ORG, channel=channel, value=value, stretch=stretch, effective_from=since)
        for (kpi, channel), (value, stretch) in BENCHMARKS.items()
    ]
    targets += [Target(kpi="csat", scope=Scope.TEAM, team=team, value=75, effective_from=since) for team in teams]
    targets += [
        Target(kpi="aht", scope=Scope.AGENT, agent=user, value=420, effective_from=since) for user in users[::4]
    ]
    Target.objects.bulk_create(targets)
    return len(tickets), len(responses)


def window(days: int) -> tuple[dt.date, dt.date]:
    """The recompute window: every local day a record of the generated `days` can fall on."""
    return BENCH_END - dt.timedelta(days=days), BENCH_END + dt.timedelta(days=5)


def read_floor(date_from: dt.date, date_to: dt.date) -> None:
    """The read floor: the grouped sums, fetched, nothing written."""
    from django.db import connection

    start = dt.datetime.combine(date_from - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        for sql in FLOOR_QUERIES.values():
            cursor.execute(sql, {"start": start, "end": end})
            cursor.fetchall()


def write_floor(date_from: dt.date, date_to: dt.date, families=None, sql_of=None) -> int:
    """The write floor: the grouped sums written into the snapshot-shaped table in one transaction (or, given
    `families` and their `sql_of`, another floor's statements); its rows."""
    from django.db import connection, transaction

    params = {"date_from": date_from, "date_after": date_to + dt.timedelta(days=1)}
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for day_field in families or WRITE_FLOOR_FAMILIES:
            cursor.execute((sql_of or write_floor_sql)(day_field), params)
            rows += cursor.rowcount
    return rows


def floor_of_all(times: dict[str, list]) -> float:
    """The best round of both write floors together (the snapshots' and the distributions')."""
    return min(a + b for a, b in zip(times["write_floor"], times["distribution_floor"], strict=True))


def distribution_floor(date_from: dt.date, date_to: dt.date) -> int:
    """The distributions' write floor (see DISTRIBUTION_FLOOR_FAMILIES) in one transaction; its rows."""
    return write_floor(date_from, date_to, DISTRIBUTION_FLOOR_FAMILIES, distribution_floor_sql)


def empty_tables(*tables: str) -> None:
    from django.db import connection

    from kpis.models import CategorySnapshot, DurationDistribution, Snapshot

    tables = tables or (Snapshot._meta.db_table, CategorySnapshot._meta.db_table, DurationDistribution._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")


def backend_cpu_seconds() -> float | None:
    """CPU seconds the database backend of this connection has used, when PostgreSQL runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(run) -> tuple[float, float | None, object]:
    """Wall seconds and CPU seconds (this process and its database backend) of `run()`, and its result.

    On a shared machine other processes stretch wall time; CPU time shows the work itself.
    """
    cpu_before, backend_before = time.process_time(), backend_cpu_seconds()
    began = time.perf_counter()
    result = run()
    wall = time.perf_counter() - began
    backend_after = backend_cpu_seconds()
    cpu = None
    if backend_before is not None and backend_after is not None:
        cpu = time.process_time() - cpu_before + backend_after - backend_before
    return wall, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the records of the previous run (same sizes)")
    args = parser.parse_args()
    django_on_database("pulse_bench_recompute")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis import compute
    from kpis.models import CategorySnapshot, DurationDistribution, Snapshot
    from kpis.services import snapshots_compute
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    if args.reuse and Ticket.objects.exists():
        tickets, surveys = Ticket.objects.count(), SurveyResponse.objects.count()
    else:
        tickets, surveys = build(args.agents, args.days, args.seed)
    date_from, date_to = window(args.days)
    empty_tables()
    with connection.cursor() as cursor:
        # The fair floor's table has the snapshot table's columns, indexes and constraints.
        cursor.execute(f"DROP TABLE IF EXISTS {WRITE_FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {WRITE_FLOOR_TABLE} (LIKE {Snapshot._meta.db_table} INCLUDING ALL)")
        cursor.execute(f"DROP TABLE IF EXISTS {DISTRIBUTION_FLOOR_TABLE}")
        cursor.execute(
            f"CREATE TABLE {DISTRIBUTION_FLOOR_TABLE} (LIKE {DurationDistribution._meta.db_table} INCLUDING ALL)"
        )
        cursor.execute("VACUUM ANALYZE")
    read_floor(date_from, date_to)  # warm the cache for every run alike

    queries: list[int] = []

    def recompute():
        with CaptureQueriesContext(connection) as captured:
            result = snapshots_compute(date_from=date_from, date_to=date_to)
        queries.append(len(captured.captured_queries))
        return result

    names = (
        "write_floor",
        "distribution_floor",
        "recompute",
        "recompute_replace",
        "recompute_no_distributions",
        "recompute_replace_no_distributions",
        "floor",
    )
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float | None]] = {name: [] for name in names}
    for _ in range(args.rounds):
        empty_tables(WRITE_FLOOR_TABLE)
        seconds, cpu_seconds, write_floor_rows = measured(lambda: write_floor(date_from, date_to))
        wall["write_floor"].append(seconds)
        cpu["write_floor"].append(cpu_seconds)
        empty_tables(DISTRIBUTION_FLOOR_TABLE)
        seconds, cpu_seconds, distribution_floor_rows = measured(lambda: distribution_floor(date_from, date_to))
        wall["distribution_floor"].append(seconds)
        cpu["distribution_floor"].append(cpu_seconds)
        empty_tables()
        seconds, cpu_seconds, result = measured(recompute)
        wall["recompute"].append(seconds)
        cpu["recompute"].append(cpu_seconds)
        seconds, cpu_seconds, _ = measured(recompute)  # steady state: replaces every row
        wall["recompute_replace"].append(seconds)
        cpu["recompute_replace"].append(cpu_seconds)
        distribution_rows = DurationDistribution.objects.count()
        # The same two runs with the time KPIs' distributions switched off: what storing them costs.
        compute.STORE_DISTRIBUTIONS = False
        empty_tables()
        for name in ("recompute_no_distributions", "recompute_replace_no_distributions"):
            seconds, cpu_seconds, _ = measured(recompute)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
        compute.STORE_DISTRIBUTIONS = True
        seconds, cpu_seconds, _ = measured(lambda: read_floor(date_from, date_to))
        wall["floor"].append(seconds)
        cpu["floor"].append(cpu_seconds)
    snapshot_rows = Snapshot.objects.count()
    if write_floor_rows != snapshot_rows:
        raise SystemExit(f"the write floor wrote {write_floor_rows} rows, the recompute {snapshot_rows}")
    if distribution_floor_rows != distribution_rows:
        raise SystemExit(
            f"the distributions' floor wrote {distribution_floor_rows} rows, the recompute {distribution_rows}"
        )
    best = {name: min(times) for name, times in wall.items()}
    figures = {
        "database": connection.vendor,
        "agents": args.agents,
        "teams": result.teams,
        "days": args.days,
        "tickets": tickets,
        "surveys": surveys,
        "snapshot_rows": snapshot_rows,
        "category_rows": CategorySnapshot.objects.count(),
        "distribution_rows": distribution_rows,
        "rounds": args.rounds,
        **{f"{name}_s": round(seconds, 3) for name, seconds in best.items()},
        "ratio": round(best["recompute"] / best["floor"], 2),
        "ratio_write_floor": round(best["recompute"] / best["write_floor"], 2),
        "ratio_replace_write_floor": round(best["recompute_replace"] / best["write_floor"], 2),
        # Against everything the recompute writes: the snapshots' floor and the distributions' floor of each round.
        "write_floor_all_s": round(all_floor := floor_of_all(wall), 3),
        "ratio_write_floor_all": round(best["recompute"] / all_floor, 2),
        "ratio_replace_write_floor_all": round(best["recompute_replace"] / all_floor, 2),
        "ratio_distributions": round(best["recompute"] / best["recompute_no_distributions"], 2),
        "ratio_replace_distributions": round(best["recompute_replace"] / best["recompute_replace_no_distributions"], 2),
        "runs_s": {name: [round(seconds, 3) for seconds in times] for name, times in wall.items()},
        "queries_per_window": queries[0],
    }
    if all(seconds is not None for times in cpu.values() for seconds in times):
        best_cpu = {name: min(times) for name, times in cpu.items()}
        figures |= {
            "cpu_s": {name: round(seconds, 2) for name, seconds in best_cpu.items()},
            "ratio_write_floor_cpu": round(best_cpu["recompute"] / best_cpu["write_floor"], 2),
            "ratio_replace_write_floor_cpu": round(best_cpu["recompute_replace"] / best_cpu["write_floor"], 2),
            "ratio_write_floor_all_cpu": round(
                best_cpu["recompute"] / (all_cpu := floor_of_all(cpu)),
                2,
            ),
            "ratio_replace_write_floor_all_cpu": round(best_cpu["recompute_replace"] / all_cpu, 2),
            "ratio_distributions_cpu": round(best_cpu["recompute"] / best_cpu["recompute_no_distributions"], 2),
            "ratio_replace_distributions_cpu": round(
                best_cpu["recompute_replace"] / best_cpu["recompute_replace_no_distributions"], 2
            ),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
