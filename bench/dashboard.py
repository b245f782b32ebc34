"""Benchmark: the team dashboard and an agent's scorecard against their one-query floor, on PostgreSQL.

Builds two teams (10 and 100 agents by default) with two years of tickets and surveys up to
yesterday, computes their snapshots with the real engine, then for each team and for the 30- and
365-day periods times, in the same run:

- the page: GET /teams/<id>/?period=… through Django's test client, signed in as the team's leader
  (the whole request: middleware, scoping, selectors, template), and its query count;
- the floor: one hand-written SQL statement reading the same figures from the snapshots (each agent's,
  the team's and the org's sums over the period and the one before, the team's per-channel sums, its
  trend per day and its per-category sums), fetched to Python; page and floor are timed in turns.

The same for the scorecard of one agent of the team (/agents/<id>/). Each page is timed twice per turn:
its first read (`page_ms`, the figures cache emptied before) and the next read of the same URL, served from
the cache (`cached_page_ms`, kpis/page_cache.py). Prints one JSON object as its last line; `ratio` is first
read / floor (the goal is at most 3), `cached_ratio` cached read / floor.

Also timed in the same turns: the request's own floor (`layout_ms`), the app's layout alone for the same user
through the same client (bench/_layout_urls.py: middleware, session, user, navigation), and `ratio_over_both` =
first read / (floor + layout): how far the first read is from reading the figures inside the cheapest page.

    make bench-dashboard
    python bench/dashboard.py --teams 10,100 --days 730 --repeat 15
    python bench/dashboard.py --reuse           # keep the data of the previous run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
import warnings

from _setup import django_on_database

CHANNELS = ["email", "chat", "phone", "social"]
CATEGORIES = ["billing", "shipping", "returns", "account", "technical", ""]
# The 30-day preset and a custom year ending yesterday (the presets stop at 90 days).
PERIOD_DAYS = (30, 365)

# The sums of the period and of the one before, from the rows of both.
PERIOD_SUMS = """
       SUM(numerator) FILTER (WHERE date >= %(date_from)s), SUM(denominator) FILTER (WHERE date >= %(date_from)s),
       SUM(numerator) FILTER (WHERE date < %(date_from)s), SUM(denominator) FILTER (WHERE date < %(date_from)s)"""

# Every figure the dashboard shows from snapshots, in one statement, each branch one index range: the grid
# (agents, team, org; the period and the one before), the team's per-channel sums, its trend per day and
# its per-category sums.
DASHBOARD_FLOOR_SQL = """
SELECT scope, agent_id, channel, kpi, {sums}
FROM kpis_snapshot
WHERE scope = 'agent' AND team_id = %(team)s AND channel = '' AND date BETWEEN %(previous_from)s AND %(date_to)s
GROUP BY scope, agent_id, channel, kpi
UNION ALL
SELECT scope, NULL, channel, kpi, {sums}
FROM kpis_snapshot
WHERE scope = 'team' AND team_id = %(team)s AND channel = ANY(%(channels)s)
  AND date BETWEEN %(previous_from)s AND %(date_to)s
GROUP BY scope, channel, kpi
UNION ALL
SELECT scope, NULL, channel, kpi, {sums}
FROM kpis_snapshot
WHERE scope = 'org' AND team_id IS NULL AND channel = '' AND date BETWEEN %(previous_from)s AND %(date_to)s
GROUP BY scope, channel, kpi
UNION ALL
SELECT 'day', NULL, date::text, kpi, SUM(numerator), SUM(denominator), NULL, NULL
FROM kpis_snapshot
WHERE scope = 'team' AND team_id = %(team)s AND channel = '' AND date BETWEEN %(date_from)s AND %(date_to)s
GROUP BY date, kpi
UNION ALL
SELECT 'category', NULL, category, kpi, SUM(numerator), SUM(denominator), NULL, NULL
FROM kpis_categorysnapshot
WHERE team_id = %(team)s AND date BETWEEN %(date_from)s AND %(date_to)s
GROUP BY category, kpi
""".replace("{sums}", PERIOD_SUMS)

# The scorecard's figures, the same way: the agent's sums (all channels and each), the team's, both trends
# per day and when the agent's figures were computed.
SCORECARD_FLOOR_SQL = """
SELECT scope, channel, kpi, {sums}
FROM kpis_snapshot
WHERE scope = 'agent' AND agent_id = %(agent)s AND channel = ANY(%(channels)s)
  AND date BETWEEN %(previous_from)s AND %(date_to)s
GROUP BY scope, channel, kpi
UNION ALL
SELECT scope, channel, kpi, {sums}
FROM kpis_snapshot
WHERE scope = 'team' AND team_id = %(team)s AND channel = '' AND date BETWEEN %(previous_from)s AND %(date_to)s
GROUP BY scope, channel, kpi
UNION ALL
SELECT scope, date::text, kpi, SUM(numerator), SUM(denominator), NULL, NULL
FROM kpis_snapshot
WHERE scope = 'agent' AND agent_id = %(agent)s AND channel = '' AND date BETWEEN %(date_from)s AND %(date_to)s
GROUP BY scope, date, kpi
UNION ALL
SELECT scope, date::text, kpi, SUM(numerator), SUM(denominator), NULL, NULL
FROM kpis_snapshot
WHERE scope = 'team' AND team_id = %(team)s AND channel = '' AND date BETWEEN %(date_from)s AND %(date_to)s
GROUP BY scope, date, kpi
UNION ALL
SELECT 'updated', MAX(computed_at)::text, NULL, NULL, NULL, NULL, NULL
FROM kpis_snapshot
WHERE scope = 'agent' AND agent_id = %(agent)s AND channel = ''
""".replace("{sums}", PERIOD_SUMS)


def build(team_sizes: list[int], days: int, seed: int) -> dict:
    """Teams of the given sizes with `days` days of tickets and surveys ending yesterday, a leader each,
    org targets in force throughout; snapshots computed by the engine. Returns counts and timings."""
    from django.utils import timezone

    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Scope, Snapshot, Target
    from kpis.services import snapshots_compute
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    rng = random.Random(seed)
    for model in (Snapshot, DirtyDay, Target, SurveyResponse, Ticket, User, Team):
        model.objects.all().delete()
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=days - 1)
    for code, value in (("csat", 80.0), ("frt", 4 * 3600.0), ("aht", 480.0), ("fcr", 70.0), ("nps", 10.0)):
        Target.objects.create(kpi=code, scope=Scope.ORG, effective_from=start - dt.timedelta(days=400), value=value)
    tickets, n = [], 0
    for index, size in enumerate(team_sizes):
        team = Team.objects.create(name=f"Bench {size}", slug=f"bench-{size}", timezone="Europe/London")
        leader = User.objects.create(username=f"leader{size}", role=Role.LEADER)
        team.leaders.add(leader)
        agents = User.objects.bulk_create(
            User(username=f"agent{index}-{i}", first_name=f"Agent {i:03d}", role=Role.AGENT, team=team)
            for i in range(size)
        )
        for agent in agents:
            # Each agent's own level, so some miss the targets and the grid shows every status.
            skill = rng.random()
            for d in range(days):
                day = start + dt.timedelta(days=d)
                for _ in range(rng.randint(3, 6)):
                    n += 1
                    created = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=dt.UTC)
                    solved = rng.random() < 0.9
                    tickets.append(
                        Ticket(
                            external_id=f"B-{n}",
                            channel=rng.choice(CHANNELS),
                            category=rng.choice(CATEGORIES),
                            status="solved" if solved else "open",
                            agent=agent,
                            team=team,
                            created_at=created,
                            first_response_at=created + dt.timedelta(seconds=rng.randint(5, int(3600 + 14400 * skill))),
                            solved_at=created + dt.timedelta(minutes=rng.randint(5, 3000)) if solved else None,
                            handle_time_seconds=rng.randint(60, int(400 + 600 * skill)),
                            agent_replies=rng.randint(1, 3),
                            reopened_count=int(rng.random() < 0.05),
                        )
                    )
            if len(tickets) > 50_000:
                Ticket.objects.bulk_create(tickets, batch_size=5000)
                tickets = []
    Ticket.objects.bulk_create(tickets, batch_size=5000)
    solved = Ticket.objects.filter(solved_at__isnull=False).values_list("pk", "agent_id", "team_id", "solved_at")
    responses = []
    for i, (pk, agent_id, team_id, solved_at) in enumerate(solved.iterator(chunk_size=10_000)):
        if rng.random() < 0.25:
            kind = rng.choice(["csat", "csat", "csat", "nps", "ces"])
            score = {"csat": rng.randint(2, 5), "nps": rng.randint(0, 10), "ces": rng.randint(1, 7)}[kind]
            responses.append(
                SurveyResponse(
                    external_id=f"BS-{i}",
                    ticket_id=pk,
                    agent_id=agent_id,
                    team_id=team_id,
                    kind=kind,
                    score=score,
                    responded_at=min(
                        solved_at + dt.timedelta(hours=rng.randint(1, 96)),
                        dt.datetime.combine(end, dt.time(23), tzinfo=dt.UTC),
                    ),
                )
            )
    SurveyResponse.objects.bulk_create(responses, batch_size=5000)
    began = time.perf_counter()
    snapshots_compute(date_from=start - dt.timedelta(days=1), date_to=end)
    compute_s = time.perf_counter() - began
    return {
        "tickets": Ticket.objects.count(),
        "surveys": len(responses),
        "snapshot_rows": Snapshot.objects.count(),
        "compute_s": round(compute_s, 2),
    }


def _timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _page_and_floor(client, url: str, sql: str, params: dict, repeat: int, warm=None) -> dict:
    """The page's and the floor's median times, measured in turns so that both see the same load on the
    machine, and the page's query count; the page twice per turn: its first read (the figures cache emptied
    before, untimed) and a read served from the cache (the same URL again, as the next viewer would).

    With `warm` (the worker's warm-up after a refresh, for the presets it builds), a third read per turn: the
    cache emptied, `warm()` run and timed apart (`warm_ms`, the worker's cost), then the page read
    (`warmed_page_ms`): what the first leader to open the page after a refresh waits for."""
    from _layout_urls import LAYOUT_URL
    from django.core.cache import cache
    from django.db import connection

    def queries_of(url: str) -> int:
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        # An execute wrapper, not CaptureQueriesContext: the request resets the connection's query log.
        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    cache.clear()
    first_queries, cached_queries = queries_of(url), queries_of(url)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    floor()  # warm: plans, buffers
    client.get(LAYOUT_URL)
    first_times, cached_times, floor_times, warm_times, warmed_times, layout_times = [], [], [], [], [], []
    for _ in range(repeat):
        cache.clear()
        first_times.append(_timed(lambda: client.get(url)))
        cached_times.append(_timed(lambda: client.get(url)))
        floor_times.append(_timed(floor))
        layout_times.append(_timed(lambda: client.get(LAYOUT_URL)))
        if warm is not None:
            cache.clear()
            warm_times.append(_timed(warm))
            warmed_times.append(_timed(lambda: client.get(url)))
    first_s, cached_s = statistics.median(first_times), statistics.median(cached_times)
    floor_s, layout_s = statistics.median(floor_times), statistics.median(layout_times)
    warmed = {}
    if warm is not None:
        warmed_s = statistics.median(warmed_times)
        warmed = {
            "warm_ms": round(statistics.median(warm_times) * 1000, 1),
            "warmed_page_ms": round(warmed_s * 1000, 1),
            "warmed_ratio": round(warmed_s / floor_s, 2),
        }
    return {
        "page_ms": round(first_s * 1000, 1),
        "queries": first_queries,
        "cached_page_ms": round(cached_s * 1000, 1),
        "cached_queries": cached_queries,
        "floor_ms": round(floor_s * 1000, 2),
        "ratio": round(first_s / floor_s, 2),
        "cached_ratio": round(cached_s / floor_s, 2),
        "layout_ms": round(layout_s * 1000, 2),
        "ratio_over_both": round(first_s / (floor_s + layout_s), 2),
        **warmed,
    }


def _period(days: int):
    """The period of `days` complete days ending yesterday, and its query string."""
    from urllib.parse import urlencode

    from django.utils import timezone

    from kpis.selectors import Period

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    period = Period(yesterday - dt.timedelta(days=days - 1), yesterday)
    if days == 30:
        return period, "period=30d"
    return period, urlencode({"period": "custom", "date_from": period.date_from, "date_to": period.date_to})


def measure(repeat: int) -> dict:
    from django.test import Client, override_settings

    with override_settings(ROOT_URLCONF="_layout_urls"):  # the app's URLs and the layout page
        return _measure(Client, repeat)


def _measure(Client, repeat: int) -> dict:
    from accounts.models import Role, Team
    from kpis.views import warm_team_dashboards
    from tickets.models import Channel

    results = {}
    for team in Team.objects.order_by("pk"):
        client = Client()
        client.force_login(team.leaders.get())
        agent = team.agents.filter(role=Role.AGENT).order_by("pk").first()
        size = team.agents.filter(role=Role.AGENT).count()
        for days in PERIOD_DAYS:
            period, query = _period(days)
            params = {
                "team": team.pk,
                "agent": agent.pk,
                "date_from": period.date_from,
                "date_to": period.date_to,
                "previous_from": period.previous().date_from,
                "channels": ["", *Channel.values],
            }
            # The worker warms the presets after a refresh (the 30-day one here; the year is a custom period).
            warm = (lambda team=team: warm_team_dashboards(team)) if query == "period=30d" else None
            dashboard = _page_and_floor(
                client, f"/teams/{team.pk}/?{query}", DASHBOARD_FLOOR_SQL, params, repeat, warm=warm
            )
            results[f"dashboard_team_{size}_{days}d"] = dashboard
            scorecard = _page_and_floor(client, f"/agents/{agent.pk}/?{query}", SCORECARD_FLOOR_SQL, params, repeat)
            results[f"scorecard_team_{size}_{days}d"] = scorecard
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", default="10,100", help="agents per team, comma-separated")
    parser.add_argument("--days", type=int, default=730, help="days of data (the 365-day period and the one before)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the data already in the bench database")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django_on_database("pulse_bench_dashboard")

    from django.db import connection

    from accounts.models import Team

    built = {}
    if not (args.reuse and Team.objects.exists()):
        built = build([int(size) for size in args.teams.split(",")], args.days, args.seed)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # As a web process does once it has loaded the app (config/wsgi.py): what was loaded stays out of the
    # garbage collector's walks.
    from config.startup import freeze_loaded_objects

    freeze_loaded_objects()
    results = measure(args.repeat)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "days_of_data": args.days,
                "repeat": args.repeat,
                **built,
                "worst_dashboard_ratio": max(r["ratio"] for k, r in results.items() if k.startswith("dashboard")),
                "worst_dashboard_ratio_over_both": max(
                    r["ratio_over_both"] for k, r in results.items() if k.startswith("dashboard")
                ),
                "worst_warmed_dashboard_ratio": max(
                    r["warmed_ratio"] for k, r in results.items() if k.startswith("dashboard") and "warmed_ratio" in r
                ),
                "worst_cached_dashboard_ratio": max(
                    r["cached_ratio"] for k, r in results.items() if k.startswith("dashboard")
                ),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
