"""Benchmark: Zendesk sync throughput, from a fake Zendesk on loopback through to the snapshots, on PostgreSQL.

A fake Zendesk (a real HTTP server, the shapes of Zendesk's public API: the cursor-based incremental
export with metric sets, users and groups side-loaded, 1000 tickets a page, satisfaction ratings)
holds N tickets over 90 days for 10 groups of 10 agents, ~30 % rated good/bad. The bench times:
the floor (reading every page over HTTP and decoding it, nothing written), the backfill sync (every
page mapped, upserted with its dirty-day marks and its cursor in one transaction, the next page read
meanwhile; CSAT responses),
the refresh of the dirty snapshots (once, as a worker would after the debounce), and an incremental
sync after 1 % of the tickets changed. Prints one JSON object as its last line. Goal: ≥ 2,000 tickets/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_bench_sync .venv/bin/python bench/sync.py [--tickets 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_on_database

TEAMS = 10
AGENTS_PER_TEAM = 10
CHANNELS = ["email", "web", "chat", "native_messaging", "voice", "twitter", "api"]


def build(fake, count: int, seed: int):
    """Pulse teams and agents, and the same organisation in the fake Zendesk with `count` tickets."""
    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Snapshot
    from surveys.models import SurveyResponse
    from tickets.connectors.models import Connection
    from tickets.models import Ticket

    for model in (Snapshot, DirtyDay, SurveyResponse, Ticket, Connection):
        model.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    user_id = 1000
    for t in range(TEAMS):
        team = Team.objects.create(name=f"Sync {t}", slug=f"sync-{t}", timezone="Europe/Paris")
        fake.add_group(t + 1, team.name)  # matched by the team's name
        for a in range(AGENTS_PER_TEAM):
            email = f"agent{t}-{a}@bench.test"
            User.objects.create(username=f"agent{t}-{a}", email=email, role=Role.AGENT, team=team)
            user_id += 1
            fake.add_agent(user_id, email)
    agent_ids = sorted(fake.users)
    created = [now - dt.timedelta(days=90) + dt.timedelta(seconds=rng.uniform(0, 89 * 86400)) for _ in range(count)]
    for ticket_id, moment in enumerate(sorted(created), start=1):
        moment = moment.replace(microsecond=0)
        assignee = rng.choice(agent_ids)
        solved = rng.random() < 0.8
        fake.put_ticket(
            ticket_id,
            created_at=moment,
            status="closed" if solved else rng.choice(["new", "open", "pending", "hold"]),
            group_id=(agent_ids.index(assignee) // AGENTS_PER_TEAM) + 1,
            assignee_id=assignee,
            channel=rng.choice(CHANNELS),
            reply_minutes=rng.randint(1, 600),
            resolution_minutes=rng.randint(30, 5000) if solved else None,
            replies=rng.randint(1, 4),
            reopens=1 if rng.random() < 0.05 else 0,
        )
        if solved and rng.random() < 0.3:
            fake.rate(ticket_id, "good" if rng.random() < 0.85 else "bad", at=moment + dt.timedelta(days=1))
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--helpdesk-latency",
        type=float,
        default=0.0,
        help="seconds the fake Zendesk takes per export page (a real one takes seconds; loopback takes none)",
    )
    args = parser.parse_args()
    django_on_database("pulse_bench_sync")

    from django.db import connection as db
    from django.test.utils import override_settings
    from pytest_httpserver import HTTPServer

    from kpis.services import snapshots_refresh_dirty
    from tests.tickets.connectors.fake_zendesk import FakeZendesk
    from tickets.connectors.http import HelpdeskClient
    from tickets.connectors.models import Connection, HelpdeskKind
    from tickets.connectors.services import connection_save
    from tickets.connectors.sync import connection_sync
    from tickets.connectors.zendesk import PAGE_SIZE, SIDE_LOADS, TICKET_EXPORT_PATH

    server = HTTPServer(host="127.0.0.1")
    server.start()
    fake = FakeZendesk(page_size=PAGE_SIZE, delay_seconds=args.helpdesk_latency)
    fake.install(server)
    try:
        now = build(fake, args.tickets, args.seed)
        base_url = server.url_for("/").rstrip("/")
        connection = connection_save(
            connection=Connection(name="Bench", kind=HelpdeskKind.ZENDESK, base_url=base_url, history_days=91),
            actor=None,
            email=fake.email,
            api_token=fake.api_token,
        )
        # Floor: the same pages read over HTTP and decoded, nothing mapped or written.
        client = HelpdeskClient(base_url=base_url, auth=(f"{fake.email}/token", fake.api_token))
        started = time.perf_counter()
        params = {
            "include": SIDE_LOADS,
            "per_page": PAGE_SIZE,
            "start_time": int((now - dt.timedelta(days=91)).timestamp()),
        }
        read = 0
        while True:
            data = client.get(TICKET_EXPORT_PATH, params).data
            read += len(data["tickets"])
            if data["end_of_stream"]:
                break
            params = {"include": SIDE_LOADS, "per_page": PAGE_SIZE, "cursor": data["after_cursor"]}
        floor_seconds = time.perf_counter() - started

        # As with a broker: each page only enqueues the debounced refresh; the worker's refresh is timed apart.
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            started, cpu_started = time.perf_counter(), time.process_time()
            run = connection_sync(connection_id=connection.pk)
            sync_seconds = time.perf_counter() - started
            # This process' CPU (the sync, its read-ahead thread and the fake helpdesk's thread): on a shared
            # machine it varies far less than the wall clock; PostgreSQL's own time is not in it.
            sync_cpu_seconds = time.process_time() - cpu_started
        started = time.perf_counter()
        refreshed = snapshots_refresh_dirty()
        refresh_seconds = time.perf_counter() - started

        changed = max(1, args.tickets // 100)
        for ticket_id in random.Random(args.seed + 1).sample(range(1, args.tickets + 1), changed):
            created = dt.datetime.fromisoformat(fake.tickets[ticket_id]["created_at"].replace("Z", "+00:00"))
            fake.put_ticket(ticket_id, created_at=created, status="open", group_id=fake.tickets[ticket_id]["group_id"],
                            assignee_id=fake.tickets[ticket_id]["assignee_id"], resolution_minutes=None)  # fmt: skip
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            started = time.perf_counter()
            incremental = connection_sync(connection_id=connection.pk)
            incremental_seconds = time.perf_counter() - started
    finally:
        server.stop()

    assert run.status == "succeeded" and run.created == args.tickets, (run.status, run.created, run.message)
    assert read == args.tickets and incremental.updated == changed, (read, incremental.updated)
    through = sync_seconds + refresh_seconds
    print(
        json.dumps(
            {
                "benchmark": "sync",
                "database": db.vendor,
                "tickets": args.tickets,
                "helpdesk_latency_seconds_per_page": args.helpdesk_latency,
                "pages": run.pages,
                "csat_responses": run.responses,
                "floor_read_only_seconds": round(floor_seconds, 2),
                "backfill_sync_seconds": round(sync_seconds, 2),
                "backfill_sync_process_cpu_seconds": round(sync_cpu_seconds, 2),
                "snapshot_refresh_seconds": round(refresh_seconds, 2),
                "snapshot_team_days_refreshed": refreshed,
                "tickets_per_second_sync": round(args.tickets / sync_seconds),
                "tickets_per_second_through_snapshots": round(args.tickets / through),
                "sync_over_floor": round(sync_seconds / floor_seconds, 1),
                "incremental_changed": changed,
                "incremental_seconds": round(incremental_seconds, 2),
                "goal_tickets_per_second": 2000,
                "goal_met": args.tickets / through >= 2000,
            }
        )
    )


if __name__ == "__main__":
    main()
