"""Benchmark: the business-time arithmetic of ingestion, without a database.

Lays out a schedule (Europe/Paris, Mon–Fri 09:00–12:00 and 13:00–17:00, French public holidays) over two
years and computes both business-hours figures (first response, resolution) for N tickets spread over those
years — what `tickets_business_seconds_fill` does per batch and `business_seconds_recompute` per team. Times
the layout (once per team and batch) and the per-ticket arithmetic separately; prints one JSON object.

    python bench/business_time.py                 # 200 000 tickets
    python bench/business_time.py --tickets 20000
    python bench/business_time.py --db 50000      # also the PostgreSQL recompute of 50 000 stored tickets
                                                   # (DATABASE_URL, default database bench_business_time)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import holidays

from accounts.schedules.business_time import BusinessCalendar, WeeklyPlan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=int, default=0, metavar="N", help="Also time a recompute of N stored tickets.")
    args = parser.parse_args()

    zone = ZoneInfo("Europe/Paris")
    first, last = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
    plan = WeeklyPlan(
        zone=zone,
        weekdays=(((540, 720), (780, 1020)),) * 5 + ((), ()),
        holidays=frozenset(holidays.country_holidays("FR", years=[2025, 2026])),
    )
    rng = random.Random(args.seed)
    span = (dt.datetime.combine(last, dt.time(), zone) - dt.datetime.combine(first, dt.time(), zone)).total_seconds()
    origin = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    tickets = []
    for _ in range(args.tickets):
        created = origin + dt.timedelta(seconds=rng.uniform(0, span - 10 * 86400))
        first_response = created + dt.timedelta(seconds=rng.lognormvariate(8.5, 1.2))
        solved = None if rng.random() < 0.1 else created + dt.timedelta(seconds=rng.lognormvariate(10.5, 1.3))
        tickets.append((created, first_response, solved))

    layouts, computes = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        calendar = BusinessCalendar(plan, first - dt.timedelta(days=1), last + dt.timedelta(days=60))
        layouts.append(time.perf_counter() - started)
        started = time.perf_counter()
        total = 0
        for created, first_response, solved in tickets:
            total += calendar.seconds_between(created, first_response)
            resolution = calendar.seconds_between(created, solved)
            if resolution is not None:
                total += resolution
        computes.append(time.perf_counter() - started)
    compute = min(computes)
    database = _database_recompute(plan, tickets[: args.db]) if args.db else {}
    print(
        json.dumps(
            {
                **database,
                "tickets": args.tickets,
                "layout_days": (calendar.date_to - calendar.date_from).days + 1,
                "layout_intervals": len(calendar.starts),
                "layout_s": round(min(layouts), 4),
                "compute_s": round(compute, 3),
                "rounds_compute_s": [round(value, 3) for value in computes],
                "tickets_per_s": round(args.tickets / compute),
                "checksum_business_seconds": total,
            }
        )
    )


def _database_recompute(plan: WeeklyPlan, tickets: list) -> dict:
    """Store the tickets for one team (no figures yet), then time `business_seconds_recompute`: every ticket
    changes (a new schedule), then nothing changes (a re-run)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _setup import django_on_database

    django_on_database("bench_business_time", fresh=True)
    from django.db import transaction

    from accounts.models import Team
    from accounts.schedules.models import Holiday, Schedule
    from accounts.schedules.services import business_seconds_recompute, schedule_save
    from tickets.models import Ticket

    team = Team.objects.create(name="Bench", slug="bench", timezone="Europe/Paris")
    schedule_save(actor=None, team=team, weekdays={day: list(plan.weekdays[day]) for day in range(7)})
    Schedule.objects.get(team=team).holidays.bulk_create(
        [Holiday(schedule_id=Schedule.objects.get(team=team).pk, date=day, name="h") for day in plan.holidays]
    )
    Ticket.objects.bulk_create(
        [
            Ticket(
                external_id=f"B-{index}",
                channel="email",
                status="solved" if solved else "open",
                team=team,
                created_at=created,
                first_response_at=first_response,
                solved_at=solved,
            )
            for index, (created, first_response, solved) in enumerate(tickets)
        ],
        batch_size=5000,
    )
    # Timed inside an outer transaction, so the snapshot refresh its dirty days schedule (on commit, run
    # in-process by the test settings) is not counted.
    with transaction.atomic():
        started = time.perf_counter()
        first = business_seconds_recompute(teams=[team])
        every = time.perf_counter() - started
        started = time.perf_counter()
        second = business_seconds_recompute(teams=[team])
        again = time.perf_counter() - started
    return {
        "db_tickets": len(tickets),
        "db_recompute_all_changed_s": round(every, 2),
        "db_recompute_tickets_per_s": round(first.changed / every),
        "db_changed": first.changed,
        "db_dirty_days": first.dirty_days,
        "db_rerun_nothing_changed_s": round(again, 2),
        "db_rerun_changed": second.changed,
    }


if __name__ == "__main__":
    main()
