"""Load test on loopback: gunicorn (several workers) + PostgreSQL + Redis + a Celery worker, with a mix of
leaders on dashboards, agents on scorecards and an integration posting bulk tickets, while the snapshot
job runs. Bounded in time; prints one JSON object as its last line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_bench_load REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/load.py [--users 50 --seconds 60 --web-workers 4]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_on_database

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(days: int) -> dict:
    """Seed a demo organisation (once) and collect who the virtual users are."""
    from io import StringIO

    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from accounts.demo import DEMO_PASSWORD
    from accounts.models import Role, User

    if not User.objects.filter(email__endswith="@demo.pulse").exists():
        call_command(
            "seed_demo",
            "--teams",
            "3",
            "--agents-per-team",
            "6",
            "--days",
            str(days),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    admin = User.objects.get(username="admin")
    token, _ = Token.objects.get_or_create(user=admin)
    leaders = [
        (u.username, list(u.led_teams.values_list("pk", flat=True))) for u in User.objects.filter(role=Role.LEADER)
    ]
    agents = list(User.objects.filter(role=Role.AGENT, email__endswith="@demo.pulse"))
    by_team: dict[str, list[int]] = {}
    for agent in agents:
        by_team.setdefault(str(agent.team_id), []).append(agent.pk)
    return {
        "password": DEMO_PASSWORD,
        "leaders": [leader for leader in leaders if leader[1]],
        "agent_usernames": [a.username for a in agents],
        "agent_emails": [a.email for a in agents],
        "agents_by_team": by_team,
        "token": token.key,
        "batch_size": 200,
    }


def wait_for(url_port: int, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", url_port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    # The server's own settings, so that passwords are hashed with the hasher it checks them with.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    django_on_database("pulse_bench_load", fresh=True)
    setup = prepare(args.days)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "100000/minute",
        "PULSE_LOAD": json.dumps(setup),
    }
    port = free_port()
    processes = []
    out = tempfile.mkdtemp(prefix="pulse-load-")
    try:
        processes.append(
            subprocess.Popen(
                [
                    VENV_BIN / "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(args.web_workers),
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(
                [VENV_BIN / "celery", "-A", "config.celery_app", "worker", "-c", "1", "--loglevel=WARNING"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
        )
        wait_for(port)
        from kpis.tasks import compute_snapshots

        today = dt.date.today()
        began = time.monotonic()
        locust = subprocess.Popen(
            [
                VENV_BIN / "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 5)),
                "-t",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                f"{out}/load",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # The snapshot job runs during the load: a 30-day recompute every 15 seconds.
        jobs = 0
        while locust.poll() is None:
            if time.monotonic() - began >= jobs * 15:
                compute_snapshots.delay((today - dt.timedelta(days=30)).isoformat(), today.isoformat())
                jobs += 1
            time.sleep(1)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)

    endpoints, total = {}, None
    with open(f"{out}/load_stats.csv") as stats:
        for row in csv.DictReader(stats):
            figures = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                endpoints[f"{row['Type']} {row['Name']}"] = figures
    failures = []
    with open(f"{out}/load_failures.csv") as handle:
        for row in csv.DictReader(handle):
            failures.append(
                {
                    "request": f"{row['Method']} {row['Name']}",
                    "error": row["Error"][:200],
                    "count": int(row["Occurrences"]),
                }
            )
    print(
        json.dumps(
            {
                "users": args.users,
                "seconds": args.seconds,
                "web_workers": args.web_workers,
                "snapshot_jobs": jobs,
                "requests": total["requests"],
                "requests_per_s": total["rps"],
                "errors": total["errors"],
                "p50_ms": total["p50_ms"],
                "p95_ms": total["p95_ms"],
                "p99_ms": total["p99_ms"],
                "endpoints": endpoints,
                "failures": failures,
            }
        )
    )


if __name__ == "__main__":
    main()
