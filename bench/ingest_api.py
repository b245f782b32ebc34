"""Benchmark: bulk ingestion of tickets through the real API stack, on PostgreSQL.

Posts N batches of 1000 tickets to POST /api/v1/tickets/bulk/ with an admin token (the test
client runs the whole stack: middleware, token authentication, throttling, JSON parsing,
validation, the bulk upsert with its dirty-day marks, the rendered response), then re-sends the
same batches (idempotent updates). As with a broker, ingestion only enqueues the snapshot
refresh. Prints one JSON object as its last line. Target: at least 2,000 tickets per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_bench_ingest \
        .venv/bin/python bench/ingest_api.py [--batches 10] [--batch-size 1000]
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
CHANNELS = ["email", "chat", "phone", "social", "other"]


def build_organisation():
    """Ten teams of ten agents and an admin with a token, on an emptied database."""
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Snapshot
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    Snapshot.objects.all().delete()
    DirtyDay.objects.all().delete()
    SurveyResponse.objects.all().delete()
    Ticket.objects.all().delete()
    Token.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    teams = [Team.objects.create(name=f"Ingest {i}", slug=f"ingest-{i}", timezone="Europe/Paris") for i in range(TEAMS)]
    agents = User.objects.bulk_create(
        User(username=f"agent{t}-{a}", email=f"agent{t}-{a}@example.com", role=Role.AGENT, team=team)
        for t, team in enumerate(teams)
        for a in range(AGENTS_PER_TEAM)
    )
    admin = User.objects.create(username="bench-admin", role=Role.HR, is_staff=True, is_superuser=True)
    return Token.objects.create(user=admin).key, [agent.email for agent in agents]


def batches(count: int, size: int, emails: list[str], seed: int) -> list[dict]:
    """JSON bodies of `count` batches of `size` tickets spread over 90 days."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    bodies = []
    for b in range(count):
        records = []
        for i in range(size):
            created = start + dt.timedelta(seconds=rng.randrange(90 * 86400))
            solved = rng.random() < 0.8
            records.append(
                {
                    "external_id": f"API-{b}-{i}",
                    "channel": rng.choice(CHANNELS),
                    "category": rng.choice(["billing", "delivery", "account", ""]),
                    "priority": "normal",
                    "status": "solved" if solved else "open",
                    "agent_email": rng.choice(emails),
                    "created_at": created.isoformat(),
                    "first_response_at": (created + dt.timedelta(seconds=rng.randrange(30, 7200))).isoformat(),
                    "solved_at": (created + dt.timedelta(hours=rng.randrange(1, 48))).isoformat() if solved else None,
                    "handle_time_seconds": rng.randrange(60, 1800) if solved else None,
                    "agent_replies": rng.randrange(1, 5),
                    "reopened_count": rng.choice([0, 0, 0, 1]),
                }
            )
        bodies.append(json.dumps({"records": records}))
    return bodies


def post_all(client, bodies: list[str]) -> float:
    began = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/tickets/bulk/", body, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"bulk upsert failed: {response.status_code} {response.content[:500]!r}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    django_on_database("pulse_bench_ingest")

    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from tickets.models import Ticket

    if "bench" not in str(connection.settings_dict["NAME"]):
        raise SystemExit(f"Refusing to empty {connection.settings_dict['NAME']!r}: name a database of the bench's own.")
    token, emails = build_organisation()
    bodies = batches(args.batches, args.batch_size, emails, args.seed)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    # With a broker, ingestion only enqueues a debounced refresh; eager mode would recompute per batch.
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        client.get("/api/v1/users/me/")  # warm up: URL resolution, imports, the token lookup
        insert_seconds = post_all(client, bodies)
        update_seconds = post_all(client, bodies)
    tickets = args.batches * args.batch_size
    assert Ticket.objects.count() == tickets
    result = {
        "database": connection.vendor,
        "batches": args.batches,
        "batch_size": args.batch_size,
        "tickets": tickets,
        "seconds": round(insert_seconds, 3),
        "tickets_per_second": round(tickets / insert_seconds),
        "resend_seconds": round(update_seconds, 3),
        "resend_tickets_per_second": round(tickets / update_seconds),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
