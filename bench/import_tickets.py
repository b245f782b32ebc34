"""Benchmark: import a generated 100k-row Zendesk-like ticket export, then re-import it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_import_bench \
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/import_tickets.py [--rows N]

Creates the database if it is missing and migrates it, creates the 10 teams and 100 agents the
file names, imports the file with the zendesk profile (chunks of 1000, bulk upserts, CSAT
responses from the satisfaction column, snapshots recomputed at the end) and prints one JSON
object as its last line. Target: 100k rows in at most 60 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

HEADER = [
    "Summation column", "Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Tags", "Status",
    "Priority", "Via", "Ticket type", "Created at", "Updated at", "Solved at", "Satisfaction Score", "Reopens",
    "Replies", "First reply time in minutes", "Full resolution time in minutes", "Agent wait time in minutes",
]  # fmt: skip
VIAS = ["Email", "Web form", "Chat", "Phone call (incoming)", "Twitter", "Web service"]
TEAMS = 10
AGENTS_PER_TEAM = 10


def ensure_database() -> None:
    """Create the database named by DATABASE_URL if it does not exist (PostgreSQL only)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return
    import psycopg

    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def write_file(path: Path, rows: int, agents: list[tuple[str, str]]) -> None:
    rng = random.Random(42)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            assignee, group = agents[n % len(agents)]
            # Exports list tickets by id, that is in order of creation (90 days, with jitter).
            created = start + dt.timedelta(minutes=n * 90 * 24 * 60 // rows + rng.randrange(30))
            solved = rng.random() < 0.8
            first_reply = rng.randrange(1, 600)
            resolution = first_reply + rng.randrange(10, 3000)
            rating = (
                rng.choice(["Good", "Good", "Good", "Bad", "Offered", "Unoffered", "", "", "", ""]) if solved else ""
            )
            fmt = "%Y-%m-%d %H:%M:%S %z"
            writer.writerow([
                "1", 100000 + n, f"Customer {n}", 500000 + n, assignee, group, f"Question {n}, about billing",
                "billing vip", "Solved" if solved else rng.choice(["New", "Open", "Pending", "Hold"]),
                rng.choice(["Low", "Normal", "Normal", "High", "Urgent"]), rng.choice(VIAS),
                rng.choice(["Question", "Incident", "Problem", "Task", ""]), created.strftime(fmt),
                (created + dt.timedelta(minutes=resolution)).strftime(fmt),
                (created + dt.timedelta(minutes=resolution)).strftime(fmt) if solved else "",
                rating, rng.choice([0, 0, 0, 1]), rng.randrange(1, 6), first_reply, resolution if solved else "",
                rng.randrange(0, 300),
            ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    ensure_database()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)

    from accounts.models import Role, Team, User
    from kpis.models import DirtyDay, Snapshot
    from surveys.models import SurveyResponse
    from tickets.importing.profiles import profile_load
    from tickets.importing.service import rows_import
    from tickets.models import Ticket

    # A clean slate for the bench's own rows, so that every run measures a first import.
    teams = []
    for t in range(TEAMS):
        team, _ = Team.objects.get_or_create(slug=f"bench-{t}", defaults={"name": f"Bench team {t}", "timezone": "UTC"})
        teams.append(team)
    SurveyResponse.objects.filter(team__in=teams).delete()
    Ticket.objects.filter(team__in=teams).delete()
    Snapshot.objects.filter(team__in=teams).delete()
    DirtyDay.objects.all().delete()
    agents = []
    for team in teams:
        for a in range(AGENTS_PER_TEAM):
            username = f"bench-{team.pk}-{a}"
            User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@bench.test", "first_name": f"Agent{team.pk}x{a}",
                          "last_name": "Bench", "role": Role.AGENT, "team": team},
            )  # fmt: skip
            agents.append((f"Agent{team.pk}x{a} Bench", team.name))

    profile = profile_load(name_or_path="zendesk", kind="tickets")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zendesk-export.csv"
        write_file(path, args.rows, agents)
        size_mb = path.stat().st_size / 1e6
        # With a broker, ingestion only enqueues a debounced snapshot refresh; the import
        # recomputes the dirty days once at the end. Eager mode would recompute per chunk.
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            started = time.perf_counter()
            report = rows_import(path=path, profile=profile)
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = rows_import(path=path, profile=profile)
            reimport_seconds = time.perf_counter() - started

    assert report.failed == 0 and report.created == args.rows, (report.failed, report.created, report.errors[:3])
    assert again.unchanged == args.rows and again.created == again.updated == 0
    result = {
        "benchmark": "import_tickets",
        "database": connection.vendor,
        "rows": args.rows,
        "file_mb": round(size_mb, 1),
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds),
        "csat_responses_created": report.surveys_created,
        "snapshot_team_days_refreshed": report.snapshots_refreshed,
        "reimport_seconds": round(reimport_seconds, 2),
        "reimport_rows_per_second": round(args.rows / reimport_seconds),
        "reimport_unchanged": again.unchanged,
        "target_seconds": 60,
        "snapshot_refresh": "once, at the end of the import (as with a broker)",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
