"""Benchmark: how soon a survey written through the API shows in the agent's scorecard figures.

Runs the real path: the API request (its transaction marks the day dirty and, on commit, queues the
refresh on Redis), a Celery worker process that refreshes the dirty days, and the snapshot row the
scorecard reads. Each write's latency runs from sending the request to the agent's CSAT row counting
it. Writes come at random gaps (0–2 s), so some land while a refresh is running.

Then a catch-up: one bulk write dirties every one of `--catch-up-teams` teams at once; the worker fans the
refresh out per team and re-sums the org rows after them (time from the write's commit until no team or org
mark is left). In the same run the same marks are refreshed all at once in this process
(`snapshots_refresh_dirty`, one process team after team), for the ratio. Prints JSON.

    make bench-freshness            # 30 writes, 40 teams caught up
    python bench/freshness.py --writes 10 --catch-up-teams 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

from _setup import django_on_database  # noqa: E402


def start_worker(log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "-c", "2", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready" not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Celery worker did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    return process


def measure_catch_up(teams: int, agents_per_team: int = 5, responses_per_agent: int = 4) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from kpis.models import DirtyDay, OrgDirtyDay
    from kpis.services import snapshots_refresh_dirty
    from surveys.services import survey_responses_upsert
    from tests.factories import AgentFactory, TeamFactory

    def left() -> bool:
        return DirtyDay.objects.exists() or OrgDirtyDay.objects.exists()

    team_list = [TeamFactory(slug=f"catch-up-{number}", timezone="UTC") for number in range(teams)]
    agents = [AgentFactory(team=team) for team in team_list for _ in range(agents_per_team)]
    now = timezone.now()
    records = [
        {"external_id": f"catch-up-{agent.pk}-{n}", "kind": "csat", "score": 1 + n % 5, "agent_email": agent.email,
         "responded_at": now.isoformat()}
        for agent in agents for n in range(responses_per_agent)
    ]  # fmt: skip
    with transaction.atomic():  # one commit (batches of at most 1,000): it queues the debounced fan-out
        for first in range(0, len(records), 1000):
            survey_responses_upsert(records=records[first : first + 1000], actor=None)
    committed = time.monotonic()
    teams_done = None
    while left():
        if teams_done is None and not DirtyDay.objects.exists():
            teams_done = time.monotonic() - committed
        if time.monotonic() - committed > 300:
            raise SystemExit("the fan-out catch-up never finished")
        time.sleep(0.02)
    fan_out = time.monotonic() - committed
    # The same (team, day) marks, refreshed all at once here (no refresh is queued for them).
    with transaction.atomic():
        DirtyDay.objects.bulk_create([DirtyDay(team=team, date=now.date()) for team in team_list])
    started = time.monotonic()
    snapshots_refresh_dirty()
    all_at_once = time.monotonic() - started
    return {
        "catch_up_teams": teams,
        "catch_up_responses": len(records),
        "catch_up_fan_out_teams_done_s": round(teams_done or fan_out, 2),
        "catch_up_fan_out_s": round(fan_out, 2),
        "catch_up_all_at_once_s": round(all_at_once, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--catch-up-teams", type=int, default=40)
    parser.add_argument("--catch-up-agents", type=int, default=5, help="agents per team, 4 responses each")
    args = parser.parse_args()
    django_on_database("pulse_bench_freshness", fresh=True)

    import redis
    from django.conf import settings
    from django.utils import timezone
    from rest_framework.test import APIClient

    from kpis.models import Scope, Snapshot
    from tests.factories import AdminFactory, AgentFactory, TeamFactory

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    team = TeamFactory(slug="fresh", timezone="UTC")
    agent = AgentFactory(team=team, email="fresh@example.com")
    client = APIClient()
    client.force_authenticate(AdminFactory())
    worker = start_worker(ROOT / ".worker-freshness.log")
    rng = random.Random(7)
    latencies = []
    try:
        for number in range(1, args.writes + 1):
            started = time.monotonic()
            response = client.post(
                "/api/v1/survey-responses/",
                {
                    "external_id": f"fresh-{number}",
                    "kind": "csat",
                    "score": 5,
                    "agent_email": agent.email,
                    "responded_at": timezone.now().isoformat(),
                },
                format="json",
            )
            assert response.status_code == 201, response.content
            row = Snapshot.objects.filter(
                scope=Scope.AGENT, agent=agent, kpi="csat", channel="", date=timezone.now().date()
            )
            while row.values_list("denominator", flat=True).first() != number:
                if time.monotonic() - started > 60:
                    raise SystemExit(f"write {number} never showed in the figures")
                time.sleep(0.02)
            latencies.append(time.monotonic() - started)
            time.sleep(rng.uniform(0, 2))
        catch_up = measure_catch_up(args.catch_up_teams, args.catch_up_agents)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        (ROOT / ".worker-freshness.log").unlink(missing_ok=True)
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "writes": len(latencies),
                "debounce_s": settings.KPI_REFRESH_DEBOUNCE_SECONDS,
                "p50_s": round(statistics.median(ordered), 2),
                "p95_s": round(ordered[math.ceil(len(ordered) * 0.95) - 1], 2),  # nearest rank
                "max_s": round(ordered[-1], 2),
                **catch_up,
            }
        )
    )


if __name__ == "__main__":
    main()
