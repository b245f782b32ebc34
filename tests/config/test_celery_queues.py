"""Celery queues by kind: every task name resolves to its queue, and a real worker consumes them all."""

import datetime as dt

import pytest
from django.conf import settings

from config.celery_app import app
from kpis import tasks as kpi_tasks
from kpis.models import Snapshot
from tests.factories import AgentFactory, TeamFactory, TicketFactory
from tests.worker import app_queue_names, celery_worker
from tickets import tasks as ticket_tasks

KINDS = ["celery", "refresh", "import", "sync", "export"]


def queue_of(task_name: str) -> str:
    """The queue Celery sends `task_name` to when the caller names none."""
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("kpis.ping", "celery"),
        ("kpis.compute_snapshots", "refresh"),
        ("kpis.compute_trailing_window", "refresh"),
        ("kpis.refresh_dirty_snapshots", "refresh"),
        ("kpis.refresh_team_snapshots", "refresh"),
        ("kpis.refresh_org_snapshots", "refresh"),
        ("kpis.snapshot_partitions_upkeep", "refresh"),
        ("kpis.warm_team_pages", "celery"),
        ("kpis.warm_org_pages", "celery"),
        ("tickets.import_run", "import"),
        ("tickets.import_files_purge", "import"),
        # Helpdesk connectors' tasks are named under their module path; reviews' and KPI exports likewise.
        ("tickets.connectors.sync", "sync"),
        ("tickets.connectors.poll", "sync"),
        ("kpis.reviews.export", "export"),
        ("kpis.export_records", "export"),
        ("something.else", "celery"),
    ],
)
def test_each_task_name_resolves_to_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_registered_task_and_beat_entry_lands_on_a_queue_workers_consume():
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert {"kpis.compute_snapshots", "tickets.import_run"} <= set(ours)  # discovery found the apps' tasks
    assert {queue_of(name) for name in ours} <= set(KINDS)
    assert {queue_of(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(KINDS)


def test_a_worker_without_q_consumes_every_kind():
    # What `celery worker` (make worker, the Procfile, the systemd unit) consumes when given no -Q.
    assert sorted(app_queue_names()) == sorted(KINDS)
    assert app.conf.task_default_queue == "celery"


@pytest.mark.services
@pytest.mark.slow
def test_the_test_worker_picks_up_every_queue_and_every_routed_task(postgres, redis_url, transactional_db):
    team = TeamFactory(slug="queues", timezone="UTC")
    agent = AgentFactory(team=team)
    day = dt.date(2026, 3, 2)
    TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    with celery_worker(redis_url) as (_, own_queue):
        for name in [own_queue, *KINDS]:
            assert kpi_tasks.ping.apply_async(queue=name).get(timeout=30) == "pong", name
        # Sent without a queue: the routes put them on `refresh` and `import`, and the worker runs them.
        summary = kpi_tasks.compute_snapshots.apply_async(args=[day.isoformat(), day.isoformat()]).get(timeout=60)
        assert ticket_tasks.import_files_purge_task.apply_async().get(timeout=30) == 0
    assert summary["teams"] == 1
    assert Snapshot.objects.filter(team=team, date=day, kpi="volume").exists()
