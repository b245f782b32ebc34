"""Load test on loopback: gunicorn + PostgreSQL + Redis + a Celery worker under a working day's mix
(bench/locustfile.py): leaders on team dashboards and scorecards at 30, 90 and 365 days, agents on their
own scorecard, reporting scripts on the API, the helpdesk integration's bulk writes (whose days the worker
refreshes live), an occasional login and the load balancer's probe. Bounded in time; prints a markdown
table, then one JSON object as its last line: p50/p95/p99 and req/s per request name, per group and
overall for pages and API (logins apart: PBKDF2 is slow by design).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_bench_load REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/load.py [--users 50 --seconds 60 --web-workers 4 --days 730]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request, urlopen

from _mix import reads
from _setup import ROOT, django_on_database

VENV_BIN = Path(sys.executable).parent
GOAL_P95_MS = 500
# Groups the goal "p95 ≤ 500 ms, 0 errors" is about; logins and the probe are reported apart.
SERVED_GROUPS = ("page", "api read", "api write")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(days: int) -> dict:
    """Seed a demo organisation, then make what the virtual users need: a session per browsing user (as
    after a morning login) and an API token per leader and for the admin (the integration)."""
    from importlib import import_module
    from io import StringIO

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection

    from accounts.demo import DEMO_PASSWORD
    from accounts.models import Role, User
    from accounts.services import token_obtain

    call_command(
        "seed_demo", "--teams", "3", "--agents-per-team", "6", "--days", str(days), stdout=StringIO(), stderr=StringIO()
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh statistics after the bulk load, as autovacuum would give

    session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def session_key(user: User) -> str:
        session = session_store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    leaders = [u for u in User.objects.filter(role=Role.LEADER, is_active=True) if u.led_teams.exists()]
    agents = list(User.objects.filter(role=Role.AGENT, is_active=True, email__endswith="@demo.pulse"))
    by_team: dict[str, list[int]] = {}
    for agent in agents:
        by_team.setdefault(str(agent.team_id), []).append(agent.pk)
    return {
        "password": DEMO_PASSWORD,
        "leaders": [(u.username, list(u.led_teams.values_list("pk", flat=True))) for u in leaders],
        "agent_usernames": [a.username for a in agents],
        "agent_emails": [a.email for a in agents],
        "agents_by_team": by_team,
        "agent_username_by_id": {str(a.pk): a.username for a in agents},
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": {u.username: session_key(u) for u in [*leaders, *agents]},
        "tokens": {u.username: token_obtain(user=u).key for u in leaders},
        "token": token_obtain(user=User.objects.get(username="admin")).key,
        "batch_size": 200,
    }


def wait_for(port: int, deadline_s: float = 60) -> None:
    """Until gunicorn answers /readyz (the port opens before its workers have loaded Django)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def mix_reads(setup: dict) -> list[tuple[str, str, dict]]:
    """(name, path, headers) of every read of the mix, for the first leader's first team and its first agent."""
    leader, team_ids = setup["leaders"][0]
    agent = setup["agents_by_team"][str(team_ids[0])][0]
    cookie = setup["session_cookie"]
    headers = {
        "leader": {"Cookie": f"{cookie}={setup['sessions'][leader]}"},
        "agent": {"Cookie": f"{cookie}={setup['sessions'][setup['agent_username_by_id'][str(agent)]]}"},
        "token": {"Authorization": f"Token {setup['tokens'][leader]}"},
        "anyone": {},
    }
    return [
        (name, path, {"Accept-Encoding": "gzip", **headers[who]})
        for name, path, who in reads(team=team_ids[0], agent=agent)
    ]


def fetch_ms(port: int, path: str, headers: dict) -> float:
    """One GET, in milliseconds; anything but a 200 of its own is an error (a redirect to login included)."""
    began = time.perf_counter()
    with urlopen(Request(f"http://127.0.0.1:{port}{path}", headers=headers), timeout=60) as response:
        response.read()
        if response.status != 200 or response.url != f"http://127.0.0.1:{port}{path}":
            raise RuntimeError(f"{path}: {response.status} at {response.url}")
    return (time.perf_counter() - began) * 1000


def warm_up(port: int, setup: dict, web_workers: int) -> None:
    """Every worker serves each read of the mix a few times before the clock starts, as a server that has
    been up all day (imports, template compilation, connections); nothing here is measured."""
    jobs = [(path, headers) for _, path, headers in mix_reads(setup)] * web_workers * 2
    with ThreadPoolExecutor(max_workers=web_workers * 2) as pool:
        list(pool.map(lambda job: fetch_ms(port, *job), jobs))


def alone_ms(port: int, setup: dict, repeats: int = 5) -> dict[str, float]:
    """Each read of the mix served with nothing else running: the median of `repeats`, the cost of the page
    itself (the load's latency minus this is waiting for a free worker or core)."""
    return {
        f"GET {name}": round(statistics.median(fetch_ms(port, path, headers) for _ in range(repeats)))
        for name, path, headers in mix_reads(setup)
    }


def cpu_seconds(processes: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds used so far by the server (gunicorn and its workers) and the Celery worker (and its pool):
    what a request costs whatever else shares the cores, where its latency does not. psutil reads /proc.
    PostgreSQL's share is not counted: a backend that ends during the run (the worker closes its connection
    after each task) takes its CPU time with it."""
    import psutil

    def tree(pid: int) -> float:
        try:
            root = psutil.Process(pid)
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for member in members:
            try:
                times = member.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    return {"web": tree(processes[0].pid), "worker": tree(processes[1].pid)}


def request_name(method: str, target: str) -> str:
    """A request line as the mix names it: ids as [id], a period's query kept, other queries dropped."""
    path, _, query = target.partition("?")
    path = re.sub(r"/\d+(?=/)", "/[id]", path)
    path = re.sub(r"/kpis/[a-z_]+/", "/kpis/[kpi]/", path)
    period = re.search(r"(?:^|&)period=([^&]+)", query)
    return f"{method} {path}" + (f" {period.group(1)}" if period else "")


def web_cpu_by_name(cpu_dir: str, measured_from: dict[str, int]) -> dict[str, dict]:
    """The web tier's CPU per request name during the load phase, from the workers' own records
    (bench/gunicorn_cpu.py): requests, median and mean ms, and the share of all the web CPU they took."""
    by_name: dict[str, list[float]] = defaultdict(list)
    for path in Path(cpu_dir).iterdir():
        with open(path) as handle:
            handle.seek(measured_from.get(path.name, 0))
            for line in handle:
                cpu_ms, method, target, _status = line.rstrip("\n").split("\t")
                by_name[request_name(method, target)].append(float(cpu_ms))
    total = sum(sum(values) for values in by_name.values()) or 1.0
    return {
        name: {
            "requests": len(values),
            "median_ms": round(statistics.median(values), 1),
            "mean_ms": round(sum(values) / len(values), 1),
            "share": round(sum(values) / total, 3),
        }
        for name, values in sorted(by_name.items(), key=lambda item: -sum(item[1]))
    }


def web_cpu_markdown(web_cpu: dict[str, dict]) -> str:
    lines = ["| request (web CPU, load phase) | requests | median ms | mean ms | share |", "|---|---|---|---|---|"]
    lines += [
        f"| {name} | {f['requests']} | {f['median_ms']} | {f['mean_ms']} | {f['share']:.0%} |"
        for name, f in web_cpu.items()
    ]
    return "\n".join(lines)


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted milliseconds."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)] if sorted_ms else 0.0


def figures(samples: list[tuple], span_s: float) -> dict:
    times = sorted(sample[3] for sample in samples)
    return {
        "requests": len(times),
        "errors": sum(1 for sample in samples if sample[4]),
        "rps": round(len(times) / span_s, 2),
        "p50_ms": round(percentile(times, 50)),
        "p95_ms": round(percentile(times, 95)),
        "p99_ms": round(percentile(times, 99)),
    }


def summarise(samples: list[tuple]) -> dict:
    """Per request name, per group and overall (pages and API, logins and probe apart)."""
    first = min(sample[2] for sample in samples)
    last = max(sample[2] + sample[3] / 1000 for sample in samples)
    span_s = max(last - first, 1e-9)
    by_name, by_group = defaultdict(list), defaultdict(list)
    for sample in samples:
        by_name[(sample[0], sample[1])].append(sample)
        by_group[sample[0]].append(sample)
    served = [sample for sample in samples if sample[0] in SERVED_GROUPS]
    failures = defaultdict(int)
    for sample in samples:
        if sample[4]:
            failures[(sample[1], sample[4])] += 1
    return {
        "span_s": round(span_s, 1),
        "overall": figures(served, span_s),
        "groups": {group: figures(rows, span_s) for group, rows in sorted(by_group.items())},
        "endpoints": {
            name: {"group": group, **figures(rows, span_s)} for (group, name), rows in sorted(by_name.items())
        },
        "failures": [
            {"request": name, "error": error, "count": count} for (name, error), count in sorted(failures.items())
        ],
    }


def markdown(summary: dict, args) -> str:
    """The summary as a markdown table; a p95 over the goal in bold; "alone" is the request served with
    nothing else running (median of 5)."""

    def number(value: int) -> str:
        return f"{value:,}".replace(",", "\u202f")

    def row(label: str, f: dict) -> str:
        p95 = f"**{number(f['p95_ms'])}**" if f["p95_ms"] > GOAL_P95_MS else number(f["p95_ms"])
        alone = number(f["alone_ms"]) if "alone_ms" in f else ""
        cells = [
            label,
            number(f["requests"]),
            f["errors"],
            f["rps"],
            number(f["p50_ms"]),
            p95,
            number(f["p99_ms"]),
            alone,
        ]
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    lines = [
        f"| {args.users} users, {args.seconds} s | requests | errors | req/s | p50 ms | p95 ms | p99 ms | alone ms |",
        "|---|---|---|---|---|---|---|---|",
        row("**pages and API**", summary["overall"]),
    ]
    lines += [row(f"*{group}*", f) for group, f in summary["groups"].items()]
    order = {group: i for i, group in enumerate((*SERVED_GROUPS, "login", "probe"))}
    endpoints = sorted(summary["endpoints"].items(), key=lambda item: (order.get(item[1]["group"], 9), item[0]))
    lines += [row(name, f) for name, f in endpoints]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50, help="Concurrent virtual users (default 50).")
    parser.add_argument("--seconds", type=int, default=60, help="Length of the load (default 60).")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers (default 4, as deployed).")
    parser.add_argument("--web-threads", type=int, default=1, help="Threads per worker (>1: gthread workers).")
    parser.add_argument(
        "--days", type=int, default=730, help="Days of seeded history (default 730: a year and the year before it)."
    )
    parser.add_argument(
        "--backdate-days",
        type=float,
        default=0,
        help="Spread the integration's tickets over the last N days (default 0: created 5-600 minutes before the "
        "write, as a live stream during the day; N > 0 makes every write reach into the periods pages read).",
    )
    parser.add_argument(
        "--recompute-every",
        type=int,
        default=0,
        help="Also enqueue a 30-day recompute of every team every N seconds (default 0: only the live refreshes "
        "of the integration's writes, as in production during the day).",
    )
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    # The server's own settings, so that passwords are hashed with the hasher it checks them with.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    django_on_database("pulse_bench_load", fresh=True)
    seeding = time.monotonic()
    setup = prepare(args.days)
    setup["backdate_days"] = args.backdate_days
    seed_s = time.monotonic() - seeding

    out = tempfile.mkdtemp(prefix="pulse-load-")
    samples_path = f"{out}/samples.json"
    cpu_dir = f"{out}/cpu"
    os.mkdir(cpu_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # Persistent connections, as config/settings/production.py deploys them (local settings close each one
        # after its request: a new PostgreSQL backend, forked and authenticated, for every request).
        "CONN_MAX_AGE": "60",
        "API_THROTTLE_USER": "100000/minute",
        "PULSE_LOAD": json.dumps(setup),
        "PULSE_LOAD_SAMPLES": samples_path,
        "PULSE_LOAD_CPU_DIR": cpu_dir,
    }
    port = free_port()
    web = [VENV_BIN / "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers)]
    if args.web_threads > 1:
        web += ["--threads", str(args.web_threads)]
    web += ["--timeout", "60", "--log-level", "warning", "--config", str(ROOT / "bench" / "gunicorn_cpu.py")]
    processes = []
    jobs = 0
    try:
        processes.append(subprocess.Popen(web, cwd=ROOT, env=env, stdout=sys.stderr, start_new_session=True))
        processes.append(
            subprocess.Popen(
                [VENV_BIN / "celery", "-A", "config.celery_app", "worker", "-c", "1", "--loglevel=WARNING"],
                cwd=ROOT,
                env=env,
                stdout=sys.stderr,
                start_new_session=True,
            )
        )
        wait_for(port)
        warm_up(port, setup, args.web_workers)
        alone = alone_ms(port, setup)
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(processes)
        measured_from = {path.name: path.stat().st_size for path in Path(cpu_dir).iterdir()}
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
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while locust.poll() is None:
            if args.recompute_every and time.monotonic() - began >= jobs * args.recompute_every:
                compute_snapshots.delay((today - dt.timedelta(days=30)).isoformat(), today.isoformat())
                jobs += 1
            time.sleep(1)
        load_after = os.getloadavg()[0]
        cpu_after = cpu_seconds(processes)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)

    with open(samples_path) as handle:
        summary = summarise([tuple(sample) for sample in json.load(handle)])
    for name, f in summary["endpoints"].items():
        if name in alone:
            f["alone_ms"] = alone[name]
    over_goal = [
        name for name, f in summary["endpoints"].items() if f["group"] in SERVED_GROUPS and f["p95_ms"] > GOAL_P95_MS
    ]
    # CPU per request of the load phase (every request: pages, API, writes, logins, probes), by process kind.
    served = sum(f["requests"] for f in summary["groups"].values())
    cpu_ms_per_request = {
        kind: round((cpu_after[kind] - cpu_before[kind]) * 1000 / max(served, 1), 1) for kind in cpu_before
    }
    web_cpu = web_cpu_by_name(cpu_dir, measured_from)
    print(markdown(summary, args))
    print(f"\nCPU ms per request (load phase, {served} requests): {cpu_ms_per_request}")
    print(web_cpu_markdown(web_cpu))
    print(
        json.dumps(
            {
                "users": args.users,
                "seconds": args.seconds,
                "web_workers": args.web_workers,
                "web_threads": args.web_threads,
                "days": args.days,
                "backdate_days": args.backdate_days,
                "ended_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                "seed_s": round(seed_s, 1),
                "recompute_jobs": jobs,
                # Other work on the machine shows here (the 1-minute load average of its 2 cores).
                "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
                "cpu_ms_per_request": cpu_ms_per_request,
                "web_cpu_by_name": web_cpu,
                **summary,
                "goal": {
                    "p95_ms": GOAL_P95_MS,
                    "met": summary["overall"]["p95_ms"] <= GOAL_P95_MS and summary["overall"]["errors"] == 0,
                    "over_goal": over_goal,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
