"""Helpdesk syncs on real Celery worker processes (Redis broker, PostgreSQL): a worker killed mid-backfill,
and a changed ticket reaching the agent's figures through a signed webhook or the beat poll."""

import datetime as dt
import json
import os
import signal
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kpis.models import Scope, Snapshot
from tests.worker import celery_worker
from tickets.connectors.models import Connection, SyncRun
from tickets.connectors.sync import connection_sync
from tickets.connectors.tasks import connection_sync_task, connections_poll_task
from tickets.connectors.webhooks import webhook_signature
from tickets.models import Status, Ticket

from .conftest import ALICE, SUPPORT_EU

pytestmark = [pytest.mark.services, pytest.mark.slow]
LEASE_SECONDS = 15


@pytest.fixture(autouse=True)
def no_refresh_flags_left_over():
    """A worker killed by an earlier test may have left the refresh's "running" flag in Redis (until its TTL)."""
    cache.clear()
    yield
    cache.clear()


def wait_for(condition, *, seconds: float, what: str):
    """Poll `condition` until it is truthy (its value is returned) or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def fill(zendesk, count: int) -> None:
    start = (timezone.now() - dt.timedelta(days=20)).replace(microsecond=0)
    for ticket_id in range(1, count + 1):
        zendesk.put_ticket(
            ticket_id, created_at=start + dt.timedelta(minutes=ticket_id), group_id=SUPPORT_EU, assignee_id=ALICE
        )


def test_a_worker_killed_mid_backfill_is_taken_over_after_its_lease_and_every_ticket_is_written_once(
    postgres, redis_url, transactional_db, zendesk, connection, pulse_agents, monkeypatch, settings
):
    monkeypatch.setenv("CONNECTOR_LEASE_SECONDS", str(LEASE_SECONDS))  # the workers' setting
    settings.CONNECTOR_LEASE_SECONDS = LEASE_SECONDS
    fill(zendesk, 1000)  # ten export pages of 100
    zendesk.delay_seconds = 0.5  # a slow helpdesk: the backfill takes several seconds

    with celery_worker(redis_url) as (process, queue):
        connection_sync_task.apply_async(args=[connection.pk, SyncRun.Trigger.MANUAL], queue=queue)
        wait_for(lambda: Ticket.objects.count() >= 200, seconds=90, what="two pages written")
        os.killpg(process.pid, signal.SIGKILL)  # the whole worker, mid-backfill, no goodbye
        process.wait()
    written = Ticket.objects.count()
    connection.refresh_from_db()
    assert 200 <= written < 1000 and written % 100 == 0  # whole pages only: each page commits with its cursor
    assert connection.lease_token and connection.backfill_completed_at is None
    killed = SyncRun.objects.get(connection=connection)
    assert killed.status == SyncRun.RunStatus.RUNNING  # nobody was left to finish it

    # While the dead worker's lease holds, another sync does not start: it asks for a pass and ends.
    assert connection_sync(connection_id=connection.pk) is None
    assert SyncRun.objects.count() == 1 and Ticket.objects.count() == written

    zendesk.delay_seconds = 0.0
    with celery_worker(redis_url) as (_, queue):
        wait_for(
            lambda: Connection.objects.get(pk=connection.pk).lease_until < timezone.now(),
            seconds=LEASE_SECONDS + 5,
            what="the dead worker's lease to expire",
        )
        connections_poll_task.apply_async(queue=queue).get(timeout=120)  # beat's poll, on the new worker
        resumed = wait_for(
            lambda: SyncRun.objects.filter(connection=connection, status=SyncRun.RunStatus.SUCCEEDED).first(),
            seconds=120,
            what="the resumed sync to finish",
        )

    assert (resumed.trigger, resumed.created, resumed.updated) == (SyncRun.Trigger.BACKFILL, 1000 - written, 0)
    assert Ticket.objects.count() == 1000
    assert sorted(int(i) for i in Ticket.objects.values_list("external_id", flat=True)) == list(range(1, 1001))
    killed.refresh_from_db()
    assert killed.status == SyncRun.RunStatus.FAILED and "worker running this sync stopped" in killed.message
    connection.refresh_from_db()
    assert connection.backfill_completed_at is not None and connection.lease_token == ""


def agent_day_figure(agent, kpi: str, day: dt.date):
    return Snapshot.objects.filter(kpi=kpi, scope=Scope.AGENT, agent=agent, channel="", date=day).first()


def test_a_changed_ticket_reaches_the_agents_figures_within_seconds_of_a_signed_webhook_and_by_the_poll(
    postgres, redis_url, transactional_db, zendesk, connection, pulse_agents, team
):
    alice = pulse_agents["alice"]
    created = (timezone.now() - dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    day = timezone.localtime(created, team.zone).date()
    for ticket_id in (1, 2):
        zendesk.put_ticket(
            ticket_id,
            created_at=created,
            status="open",
            group_id=SUPPORT_EU,
            assignee_id=ALICE,
            resolution_minutes=None,
        )
    connection_sync(connection_id=connection.pk)  # the backfill, done earlier
    Connection.objects.filter(pk=connection.pk).update(backfill_completed_at=timezone.now())

    with celery_worker(redis_url):
        # Ticket 1 is solved in Zendesk, which calls the webhook (signed as Zendesk signs it).
        zendesk.put_ticket(1, created_at=created, status="solved", group_id=SUPPORT_EU, assignee_id=ALICE)
        body = json.dumps({"ticket_id": 1, "event": "ticket.status_changed"}).encode()
        stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        response = Client().post(
            f"/connectors/{connection.pk}/webhook/",
            data=body,
            content_type="application/json",
            HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=webhook_signature(
                secret="whsec-test-secret-42", timestamp=stamp, body=body
            ),
            HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
        )
        assert response.status_code == 202
        wait_for(
            lambda: Ticket.objects.filter(external_id="1", status=Status.SOLVED).exists(),
            seconds=30,
            what="the webhook's sync",
        )
        solved = wait_for(
            lambda: (row := agent_day_figure(alice, "resolution_time", day)) and row.denominator == 1 and row,
            seconds=60,
            what="the agent's resolution time to count ticket 1",
        )
        assert solved.numerator == 120 * 60  # solved two hours after it was created
        wait_for(
            lambda: SyncRun.objects.filter(
                trigger=SyncRun.Trigger.WEBHOOK, status=SyncRun.RunStatus.SUCCEEDED
            ).exists(),
            seconds=30,
            what="the webhook's sync run to finish",
        )

        # Ticket 2 is solved without any webhook: beat's poll (one interval later) picks it up.
        zendesk.put_ticket(2, created_at=created, status="solved", group_id=SUPPORT_EU, assignee_id=ALICE)
        assert connections_poll_task.delay().get(timeout=60) == 1
        wait_for(
            lambda: (row := agent_day_figure(alice, "resolution_time", day)) and row.denominator == 2,
            seconds=60,
            what="the agent's resolution time to count ticket 2",
        )
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.POLL, status=SyncRun.RunStatus.SUCCEEDED).exists()
