"""Benchmark: which costs stay flat when the org grows ten-fold (PostgreSQL, data generated in the database).

Builds two orgs, each in a database of its own on the server of DATABASE_URL: `small` (`--small-agents`,
100) and `large` (`--agents`, 1,000), both in teams of `--team-size` (10) with `--days` (365) days of history
ending yesterday, `--tickets-per-day` (19) tickets per agent and day (≈ 7 M for the large org) and a survey
response for about a quarter of solved tickets, all generated inside PostgreSQL (`INSERT … SELECT` over
`generate_series`), then `VACUUM ANALYZE`, then snapshots computed by the real engine (timed). Unless
`--no-partition`, a copy of the large org (`CREATE DATABASE … TEMPLATE`) gets its snapshot table
converted to monthly partitions (`partition_tables --apply`, timed).

Then `--repeat` rounds, each measuring every org once in turn (so the load of a shared machine falls on
all alike; the figures are medians), through Django's test client (the whole request):

- `team_dashboard_30d`, `team_dashboard_365d`: GET /teams/<first team>/ as its leader;
- `scorecard_30d`, `scorecard_365d`: GET /agents/<first agent>/ as that leader;
- `org_dashboard`: GET /teams/ as an admin (one row per team of the org);
- `refresh_one_day`: yesterday marked dirty for the first team, then `snapshots_refresh_dirty()`;
- `refresh_one_day_every_team`: yesterday marked dirty for every team, then one `snapshots_refresh_dirty()`.

`--reuse` skips building when the databases of an earlier run are there (measurements only).

Prints one JSON object as its last line: per org the rows, table sizes and build times, the measurements
with query counts, and `ratios` (large / small, partitioned / large): 1.0 is flat; the goal for a team's
dashboard is at most 1.5.

    make bench-scale                                   # 100 → 1,000 agents × 365 days (≈ 7 M tickets)
    python bench/scale.py --small-agents 20 --agents 200 --days 30 --repeat 5      # a quick run
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import time
import warnings

from _setup import django_on_database

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles"]
TABLES = {"tickets": "tickets_ticket", "survey_responses": "surveys_surveyresponse", "snapshots": "kpis_snapshot"}

# Tickets of the given agents, `per_day` a day each from `start` for `days` days, spread over the day;
# each agent has a skill (from its id) that sets their first-response and handle times.
TICKETS_SQL = """
INSERT INTO tickets_ticket (external_id, channel, category, priority, status, agent_id, team_id, created_at,
                            first_response_at, solved_at, handle_time_seconds, agent_replies, reopened_count,
                            updated_at)
SELECT 'S-' || a.id || '-' || d || '-' || k,
       (ARRAY['email', 'chat', 'phone', 'social'])[1 + floor(random() * 4)::int],
       (ARRAY['billing', 'shipping', 'returns', 'account', 'technical', ''])[1 + floor(random() * 6)::int],
       'normal',
       CASE WHEN solved THEN 'solved' ELSE 'open' END,
       a.id, a.team_id, created,
       created + make_interval(secs => 5 + random() * (3600 + 14400 * skill)),
       CASE WHEN solved THEN created + make_interval(mins => 5 + floor(random() * 3000)::int) END,
       60 + floor(random() * (400 + 600 * skill))::int,
       1 + floor(random() * 3)::int,
       (random() < 0.05)::int,
       now()
FROM accounts_user a
CROSS JOIN LATERAL (SELECT ((a.id * 7919) %% 100) / 100.0 AS skill) s
CROSS JOIN generate_series(0, %(days)s - 1) AS d
CROSS JOIN generate_series(1, %(per_day)s) AS k
CROSS JOIN LATERAL (
    SELECT %(start)s::timestamptz + make_interval(days => d, mins => floor(random() * 1440)::int) AS created,
           random() < 0.9 AS solved
) t
WHERE a.id = ANY(%(agents)s)
"""

# A response for about a quarter of the solved tickets of those agents: 60 % CSAT, 20 % NPS, 20 % CES.
RESPONSES_SQL = """
INSERT INTO surveys_surveyresponse (external_id, ticket_id, agent_id, team_id, kind, score, comment,
                                    responded_at, updated_at)
SELECT 'R-' || t.id, t.id, t.agent_id, t.team_id, kind,
       CASE kind WHEN 'csat' THEN 2 + floor(random() * 4)::int
                 WHEN 'nps' THEN floor(random() * 11)::int
                 ELSE 1 + floor(random() * 7)::int END,
       '', least(t.solved_at + make_interval(hours => 1 + floor(random() * 96)::int), %(end)s::timestamptz), now()
FROM tickets_ticket t
CROSS JOIN LATERAL (SELECT (ARRAY['csat', 'csat', 'csat', 'nps', 'ces'])[1 + floor(random() * 5)::int] AS kind) k
WHERE t.agent_id = ANY(%(agents)s) AND t.solved_at IS NOT NULL AND random() < 0.25
"""


def grow_org(*, agents: int, team_size: int, start: dt.date, days: int, per_day: int) -> dict:
    """Add teams of `team_size` agents (and a leader each) until the org has `agents` agents; generate their
    records. Returns what was added and how long the generation took."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import Role, Team, User

    have = User.objects.filter(role=Role.AGENT).count()
    password = make_password("bench-pass-word")
    new_agents: list[int] = []
    team_number = Team.objects.count()
    while have + len(new_agents) < agents:
        team = Team.objects.create(
            name=f"Team {team_number:04d}", slug=f"team-{team_number:04d}", timezone=ZONES[team_number % len(ZONES)]
        )
        leader = User.objects.create(username=f"leader{team_number:04d}", role=Role.LEADER, password=password)
        team.leaders.add(leader)
        members = User.objects.bulk_create(
            User(
                username=f"agent{team_number:04d}-{i:02d}",
                email=f"agent{team_number:04d}-{i:02d}@example.com",
                first_name=f"Agent {team_number:04d}-{i:02d}",
                role=Role.AGENT,
                team=team,
                password=password,
            )
            for i in range(team_size)
        )
        new_agents.extend(member.pk for member in members)
        team_number += 1
    end = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(0), tzinfo=dt.UTC)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(TICKETS_SQL, {"agents": new_agents, "start": start, "days": days, "per_day": per_day})
        tickets = cursor.rowcount
        cursor.execute(RESPONSES_SQL, {"agents": new_agents, "end": end})
        responses = cursor.rowcount
    generate_s = time.perf_counter() - began
    began = time.perf_counter()
    vacuum_analyze()
    return {
        "agents_added": len(new_agents),
        "tickets_added": tickets,
        "responses_added": responses,
        "generate_s": round(generate_s, 1),
        "vacuum_analyze_s": round(time.perf_counter() - began, 1),
    }


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def table_sizes() -> dict:
    """Rows and bytes (with indexes and TOAST) of the big tables."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for label, table in TABLES.items():
            cursor.execute(f"SELECT count(*), pg_total_relation_size(%s) FROM {table}", [table])
            rows, total = cursor.fetchone()
            cursor.execute(
                "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
                "WHERE inhparent = to_regclass(%s)",
                [table],
            )
            total += int(cursor.fetchone()[0])  # a partitioned table's size is its partitions'
            sizes[label] = {"rows": rows, "mb": round(total / 2**20, 1), "bytes_per_row": round(total / max(rows, 1))}
    return sizes


def compute_all(start: dt.date, end: dt.date) -> float:
    from kpis.services import snapshots_compute

    began = time.perf_counter()
    snapshots_compute(date_from=start, date_to=end)
    elapsed = time.perf_counter() - began
    vacuum_analyze()
    return round(elapsed, 1)


def create_database(name: str, *, template: str | None = None) -> None:
    """A fresh database `name` (a copy of `template` if given) on the server of DATABASE_URL."""
    import psycopg
    from django.db import connection

    connection.close()  # a template must have no open connection
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def database_has_org(name: str) -> bool:
    """Whether `name` exists and holds teams (a build of an earlier run)."""
    import psycopg

    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM accounts_team)").fetchone()[0])
    except psycopg.Error:
        return False


def use_database(name: str) -> None:
    """Point Django's default connection at `name` (the next query reconnects)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


class Subject:
    """One org's database and what is measured in it: its first team, that team's first agent, an admin."""

    def __init__(self, label: str, database: str, start: dt.date, end: dt.date):
        from urllib.parse import urlencode

        from django.test import Client

        from accounts.models import Role, Team, User

        self.label, self.database, self.end = label, database, end
        use_database(database)
        self.team = Team.objects.order_by("pk").first()
        agent = self.team.agents.filter(role=Role.AGENT).order_by("pk").first()
        self.leader, self.admin = Client(), Client()
        self.leader.force_login(self.team.leaders.get())
        self.admin.force_login(
            User.objects.filter(is_superuser=True).first()
            or User.objects.create_superuser(
                username="bench-admin", email="bench-admin@example.com", password="bench-pass-word", role=Role.HR
            )
        )
        year = urlencode({"period": "custom", "date_from": max(start, end - dt.timedelta(days=364)), "date_to": end})
        self.pages = {
            "team_dashboard_30d": (self.leader, f"/teams/{self.team.pk}/?period=30d"),
            "team_dashboard_365d": (self.leader, f"/teams/{self.team.pk}/?{year}"),
            "scorecard_30d": (self.leader, f"/agents/{agent.pk}/?period=30d"),
            "scorecard_365d": (self.leader, f"/agents/{agent.pk}/?{year}"),
            "org_dashboard": (self.admin, "/teams/?period=30d"),
        }
        self.team_ids = list(Team.objects.values_list("pk", flat=True))
        self.times: dict[str, list[float]] = {
            name: [] for name in [*self.pages, "refresh_one_day", "refresh_one_day_every_team"]
        }
        self.queries = {name: self.count_queries(*self.pages[name]) for name in self.pages}

    @staticmethod
    def count_queries(client, url: str) -> int:
        from django.db import connection

        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)  # also the warm-up: template cache, plans, buffers
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    def measure_once(self) -> None:
        """Each page once, then one day's refresh of the team (yesterday marked dirty)."""
        from kpis.models import DirtyDay
        from kpis.services import snapshots_refresh_dirty

        use_database(self.database)
        for name, (client, url) in self.pages.items():
            began = time.perf_counter()
            client.get(url)
            self.times[name].append(time.perf_counter() - began)
        DirtyDay.objects.create(team=self.team, date=self.end)
        began = time.perf_counter()
        assert snapshots_refresh_dirty() == 1
        self.times["refresh_one_day"].append(time.perf_counter() - began)
        # A busy second: every team of the org wrote to yesterday, one refresh run catches them all up.
        DirtyDay.objects.bulk_create(DirtyDay(team_id=team_id, date=self.end) for team_id in self.team_ids)
        began = time.perf_counter()
        assert snapshots_refresh_dirty() == len(self.team_ids)
        self.times["refresh_one_day_every_team"].append(time.perf_counter() - began)

    def results(self) -> dict:
        return {
            name: {
                "ms": round(statistics.median(times) * 1000, 1),
                **({"queries": self.queries[name]} if name in self.queries else {}),
            }
            for name, times in self.times.items()
        }


def ratios(after: dict, before: dict) -> dict:
    return {name: round(after[name]["ms"] / before[name]["ms"], 2) for name in before}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-agents", type=int, default=100)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--team-size", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tickets-per-day", type=int, default=19, help="per agent (19 × 1,000 × 365 ≈ 7 M)")
    parser.add_argument("--repeat", type=int, default=15, help="rounds; each round measures every org once")
    parser.add_argument("--no-partition", action="store_true", help="skip the partitioned copy of the large org")
    parser.add_argument("--reuse", action="store_true", help="measure the orgs an earlier run built")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django_on_database("pulse_bench_scale")
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    base = connection.settings_dict["NAME"]
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=args.days - 1)
    # The engine computes a local day from UTC records: one day of margin for the time zones.
    compute_from = start - dt.timedelta(days=1)
    built, databases = {}, {"small": f"{base}_small", "large": base}
    if not args.no_partition:
        databases["partitioned"] = f"{base}_partitioned"
    if args.reuse and all(database_has_org(name) for name in databases.values()):
        builds = []
        for name in databases.values():  # migrations that landed since the build
            use_database(name)
            call_command("migrate", verbosity=0, interactive=False)
    else:
        builds = [("small", args.small_agents), ("large", args.agents)]
    for label, agents in builds:
        create_database(databases[label])
        use_database(databases[label])
        call_command("migrate", verbosity=0, interactive=False)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
        grown = grow_org(
            agents=agents, team_size=args.team_size, start=start, days=args.days, per_day=args.tickets_per_day
        )
        built[label] = {"agents": agents, **grown, "compute_s": compute_all(compute_from, end), "tables": table_sizes()}
        print(json.dumps({label: built[label]}), flush=True)
    if builds and not args.no_partition:
        began = time.perf_counter()
        create_database(databases["partitioned"], template=base)
        copy_s = time.perf_counter() - began
        use_database(databases["partitioned"])
        began = time.perf_counter()
        call_command("partition_tables", "--apply", stdout=io.StringIO())
        partition_s = time.perf_counter() - began
        vacuum_analyze()
        built["partitioned"] = {
            "copy_database_s": round(copy_s, 1),
            "partition_tables_s": round(partition_s, 1),
            "tables": table_sizes(),
        }
        print(json.dumps({"partitioned": built["partitioned"]}), flush=True)

    # Alternate: every round measures each org once, so the load of a shared machine falls on all alike.
    subjects = [Subject(label, database, start, end) for label, database in databases.items()]
    for _ in range(args.repeat):
        for subject in subjects:
            subject.measure_once()
    results = {subject.label: subject.results() for subject in subjects}
    ratio = {"large_over_small": ratios(results["large"], results["small"])}
    if "partitioned" in results:
        ratio["partitioned_over_large"] = ratios(results["partitioned"], results["large"])
        ratio["partitioned_over_small"] = ratios(results["partitioned"], results["small"])
    large = ratio["large_over_small"]
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "team_size": args.team_size,
                "days": args.days,
                "tickets_per_agent_day": args.tickets_per_day,
                "rounds": args.repeat,
                "built": built,
                "results": results,
                "ratios": ratio,
                "team_dashboard_within_1_5x": max(large["team_dashboard_30d"], large["team_dashboard_365d"]) <= 1.5,
            }
        )
    )


if __name__ == "__main__":
    main()
