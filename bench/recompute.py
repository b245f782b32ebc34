"""Benchmark: a full snapshot recompute against the raw-SQL floor, on PostgreSQL.

Builds N agents × D days of demo-like data, times `snapshots_compute` over the whole range,
then times the floor: one hand-written grouped query per KPI family computing the same sums,
without writing anything. Prints one JSON object as its last line.

    make bench                      # 100 agents × 90 days
    python bench/recompute.py --agents 20 --days 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time

from _setup import django_on_database

AGENTS_PER_TEAM = 20
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
               SUM(EXTRACT(EPOCH FROM t.first_response_at - t.created_at)), COUNT(*)
        FROM tickets_ticket t JOIN accounts_team tm ON tm.id = t.team_id
        WHERE t.first_response_at >= %(start)s AND t.first_response_at < %(end)s
        GROUP BY tm.id, 1, 2, 3""",
    "solved_at": """
        SELECT (t.solved_at AT TIME ZONE tm.timezone)::date, t.agent_id, t.channel,
               SUM(t.handle_time_seconds) FILTER (WHERE s AND t.handle_time_seconds IS NOT NULL),
               COUNT(*) FILTER (WHERE s AND t.handle_time_seconds IS NOT NULL),
               SUM(EXTRACT(EPOCH FROM t.solved_at - t.created_at)) FILTER (WHERE s),
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


def build(agents: int, days: int, seed: int) -> tuple[dt.date, dt.date, int, int]:
    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Snapshot
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    rng = random.Random(seed)
    Snapshot.objects.all().delete()
    DirtyDay.objects.all().delete()
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
    end = dt.date(2026, 6, 30)
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
                tickets.append(
                    Ticket(
                        external_id=f"B-{n}",
                        channel=channel,
                        status="solved" if solved else "open",
                        agent=user,
                        team_id=user.team_id,
                        created_at=created,
                        first_response_at=created + dt.timedelta(seconds=rng.randint(5, 7200)),
                        solved_at=created + dt.timedelta(minutes=rng.randint(5, 3000)) if solved else None,
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
    # The window covers every local day any record can fall on.
    return start - dt.timedelta(days=1), end + dt.timedelta(days=5), len(tickets), len(responses)


def floor_seconds(date_from: dt.date, date_to: dt.date) -> float:
    from django.db import connection

    start = dt.datetime.combine(date_from - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in FLOOR_QUERIES.values():
            cursor.execute(sql, {"start": start, "end": end})
            cursor.fetchall()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    django_on_database("pulse_bench_recompute")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis.models import Snapshot
    from kpis.services import snapshots_compute

    date_from, date_to, tickets, surveys = build(args.agents, args.days, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if connection.vendor == "postgresql" else None
    floor_seconds(date_from, date_to)  # warm the cache for both runs alike
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = snapshots_compute(date_from=date_from, date_to=date_to)
    recompute_s = time.perf_counter() - began
    began = time.perf_counter()
    snapshots_compute(date_from=date_from, date_to=date_to)  # steady state: replaces every row
    replace_s = time.perf_counter() - began
    floor_s = min(floor_seconds(date_from, date_to) for _ in range(3))
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "agents": args.agents,
                "teams": result.teams,
                "days": args.days,
                "tickets": tickets,
                "surveys": surveys,
                "snapshot_rows": Snapshot.objects.count(),
                "recompute_s": round(recompute_s, 3),
                "recompute_replace_s": round(replace_s, 3),
                "floor_s": round(floor_s, 3),
                "ratio": round(recompute_s / floor_s, 2),
                "queries_per_window": len(queries.captured_queries),
            }
        )
    )


if __name__ == "__main__":
    main()
