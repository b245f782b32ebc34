"""Celery on a real Redis broker with a real worker process (CI: PostgreSQL + Redis)."""

import datetime as dt
import os
import signal
import time

import pytest

from accounts.models import Team
from kpis import tasks
from kpis.models import Snapshot
from kpis.services import snapshots_compute
from tests.db_locks import backends_waiting_on_a_lock, team_lock_held
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory, TicketFactory
from tests.worker import celery_worker, pool_children

UTC = dt.UTC
pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_health_task_runs_on_a_real_worker(redis_url):
    with celery_worker(redis_url) as (_, queue):
        result = tasks.ping.apply_async(queue=queue)
        assert result.get(timeout=30) == "pong"


def snapshot_rows():
    return sorted(
        Snapshot.objects.values_list(
            "date",
            "kpi",
            "scope",
            "team_id",
            "agent_id",
            "channel",
            "value",
            "numerator",
            "denominator",
            "target_value",
            "status",
            "low_confidence",
        ),
        key=repr,
    )


def build_org(teams: int, agents: int, days: int) -> dt.date:
    start = dt.date(2026, 2, 1)
    for t in range(teams):
        team = TeamFactory(slug=f"w{t}", timezone=("UTC", "Europe/Paris", "Asia/Tokyo")[t % 3])
        for a in range(agents):
            agent = AgentFactory(team=team)
            for d in range(days):
                moment = dt.datetime.combine(start + dt.timedelta(days=d), dt.time(10 + a % 5), tzinfo=UTC)
                ticket = TicketFactory(
                    agent=agent,
                    channel=("chat", "email", "phone")[(a + d) % 3],
                    created_at=moment,
                    solved_at=moment + dt.timedelta(minutes=30 + d),
                    handle_time_seconds=200 + 10 * a,
                    agent_replies=1 + d % 2,
                )
                SurveyResponseFactory(
                    agent=agent, ticket=ticket, score=1 + (a + d) % 5, responded_at=moment + dt.timedelta(days=1)
                )
    return start


def test_a_real_worker_computes_snapshots_end_to_end(postgres, redis_url, transactional_db):
    start = build_org(teams=2, agents=2, days=3)
    with celery_worker(redis_url) as (_, queue):
        result = tasks.compute_snapshots.apply_async(
            args=[start.isoformat(), (start + dt.timedelta(days=4)).isoformat()], queue=queue
        )
        summary = result.get(timeout=60)
    assert summary["teams"] == 2
    by_worker = snapshot_rows()
    assert Snapshot.objects.filter(kpi="csat", scope="org").exists()
    snapshots_compute(date_from=start, date_to=start + dt.timedelta(days=4))
    assert snapshot_rows() == by_worker


def test_a_worker_killed_mid_run_leaves_the_same_rows_after_redelivery(postgres, redis_url, transactional_db):
    start = build_org(teams=6, agents=2, days=4)
    date_to = start + dt.timedelta(days=5)
    snapshots_compute(date_from=start, date_to=date_to)
    expected = snapshot_rows()
    Snapshot.objects.all().delete()
    teams = list(Team.objects.order_by("pk"))  # the run computes teams in this order

    with celery_worker(redis_url) as (process, queue), team_lock_held(teams[3]) as other:
        tasks.compute_snapshots.apply_async(args=[start.isoformat(), date_to.isoformat()], queue=queue)
        # The run is now stopped mid-way, deterministically: three teams written, waiting for the fourth.
        deadline = time.monotonic() + 60
        while not (waiting := backends_waiting_on_a_lock(other)):
            assert time.monotonic() < deadline, "the worker never reached the held team"
            time.sleep(0.05)
        assert set(Snapshot.objects.filter(scope="team").values_list("team_id", flat=True)) == {
            team.pk for team in teams[:3]
        }
        assert not Snapshot.objects.filter(scope="org").exists()
        children = pool_children(process.pid)
        assert children
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        for pid in waiting:  # the killed process' server session, left waiting on the lock
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.rollback()  # release the lock: the redelivered run goes through
        # acks_late + reject_on_worker_lost: the message goes back to the queue and runs again.
        deadline = time.monotonic() + 120
        while not Snapshot.objects.filter(scope="org").exists() or snapshot_rows() != expected:
            assert time.monotonic() < deadline, "the redelivered task did not complete"
            time.sleep(0.5)
    assert snapshot_rows() == expected
