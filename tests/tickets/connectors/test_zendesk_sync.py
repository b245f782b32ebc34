"""Zendesk sync against a fake Zendesk on loopback: backfill, incremental, deletions, scope, CSAT, faults."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Snapshot
from surveys.models import SurveyResponse
from tickets.connectors.models import Connection, SyncRun
from tickets.connectors.sync import connection_sync, lease_acquire
from tickets.models import Channel, Status, Ticket

from .conftest import ALICE, BILLING, BOB, STRANGER, SUPPORT_EU, UNMAPPED

pytestmark = pytest.mark.django_db


def sync(connection, **options) -> SyncRun:
    run = connection_sync(connection_id=connection.pk, **options)
    assert run is not None
    return run


def days_ago(days: float) -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=days)).replace(microsecond=0)


def fill(zendesk, count: int, *, start_id: int = 1, group_id: int = SUPPORT_EU, assignee_id: int = ALICE) -> None:
    for offset in range(count):
        zendesk.put_ticket(
            start_id + offset,
            created_at=days_ago(20) + dt.timedelta(minutes=offset),
            group_id=group_id,
            assignee_id=assignee_id,
        )


def test_backfill_reads_every_page_with_side_loads_and_maps_each_field(zendesk, connection, pulse_agents, team):
    fill(zendesk, 249)
    zendesk.put_ticket(
        250,
        created_at=days_ago(10),
        status="hold",
        group_id=SUPPORT_EU,
        assignee_id=ALICE,
        channel="native_messaging",
        priority=None,
        ticket_type=None,
        reply_minutes=7,
        resolution_minutes=None,
        replies=3,
        reopens=2,
    )
    run = sync(connection)

    assert (run.trigger, run.status) == (SyncRun.Trigger.BACKFILL, SyncRun.RunStatus.SUCCEEDED)
    assert (run.pages, run.fetched, run.created, run.updated) == (3, 250, 250, 0)
    assert Ticket.objects.filter(team=team, agent=pulse_agents["alice"]).count() == 250
    held = Ticket.objects.get(external_id="250")
    assert (held.channel, held.status, held.priority, held.category) == (Channel.CHAT, Status.PENDING, "normal", "")
    assert held.first_response_at - held.created_at == dt.timedelta(minutes=7)
    assert held.solved_at is None and (held.agent_replies, held.reopened_count) == (3, 2)
    solved = Ticket.objects.get(external_id="1")
    assert (solved.status, solved.category, solved.channel) == (Status.SOLVED, "question", Channel.EMAIL)
    assert solved.solved_at - solved.created_at == dt.timedelta(minutes=120)
    assert solved.first_response_at - solved.created_at == dt.timedelta(minutes=30)
    connection.refresh_from_db()
    assert connection.backfill_completed_at is not None and connection.status == Connection.SyncStatus.OK
    assert connection.cursor and connection.lease_token == ""
    # The first request asked for history from `history_days` ago with the side-loads; later ones by cursor.
    first, second = zendesk.requests[0], zendesk.requests[1]
    assert "start_time=" in first and "include=metric_sets%2Cusers%2Cgroups" in first
    assert "cursor=" in second and "start_time" not in second


def test_incremental_sync_reads_only_changes_and_writes_only_what_changed(zendesk, connection, pulse_agents):
    fill(zendesk, 5)
    sync(connection)
    zendesk.put_ticket(3, created_at=days_ago(20), status="open", group_id=SUPPORT_EU, assignee_id=ALICE)
    zendesk.put_ticket(4, created_at=days_ago(20) + dt.timedelta(minutes=3), group_id=SUPPORT_EU, assignee_id=ALICE)
    run = sync(connection)

    assert run.trigger == SyncRun.Trigger.POLL
    assert (run.fetched, run.updated, run.unchanged, run.created) == (2, 1, 1, 0)
    assert Ticket.objects.get(external_id="3").status == Status.OPEN
    assert sync(connection).fetched == 0


def test_deleted_tickets_are_removed_from_pulse(zendesk, connection, pulse_agents):
    fill(zendesk, 3)
    sync(connection)
    zendesk.delete_ticket(2, at=timezone.now())
    run = sync(connection)
    assert run.deleted == 1
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["1", "3"]


def test_groups_map_by_rule_or_team_name_and_unmapped_groups_are_skipped_not_moved(
    zendesk, connection, pulse_agents, team, other_team
):
    fill(zendesk, 2, start_id=1, group_id=SUPPORT_EU)
    fill(zendesk, 2, start_id=3, group_id=BILLING, assignee_id=BOB)
    # Alice's ticket in a group no team is mapped to: not written, not even to Alice's own team.
    fill(zendesk, 3, start_id=5, group_id=UNMAPPED)
    run = sync(connection)

    assert run.skipped_unmapped == 3
    assert set(Ticket.objects.filter(team=team).values_list("external_id", flat=True)) == {"1", "2"}
    assert set(Ticket.objects.filter(team=other_team).values_list("external_id", flat=True)) == {"3", "4"}
    assert not Ticket.objects.filter(external_id__in=["5", "6", "7"]).exists()
    # A ticket moved to an unmapped group leaves Pulse (no team owns it any more).
    zendesk.put_ticket(1, created_at=days_ago(20), group_id=UNMAPPED, assignee_id=ALICE)
    moved = sync(connection)
    assert (moved.skipped_unmapped, moved.deleted) == (1, 1)
    assert not Ticket.objects.filter(external_id="1").exists()


def test_an_assignee_who_is_no_pulse_agent_is_counted_and_the_ticket_kept_for_its_team(zendesk, connection, team):
    fill(zendesk, 2, assignee_id=STRANGER)
    run = sync(connection)
    assert (run.created, run.agents_unmatched) == (2, 2)
    assert set(Ticket.objects.values_list("team_id", "agent_id")) == {(team.pk, None)}


def test_satisfaction_ratings_become_csat_good_5_bad_1_and_offered_is_no_response(zendesk, connection, pulse_agents):
    fill(zendesk, 3)
    fill(zendesk, 1, start_id=4, group_id=UNMAPPED)
    zendesk.rate(1, "good", at=days_ago(5), comment="Quick, thanks")
    zendesk.rate(2, "bad", at=days_ago(4))
    zendesk.rate(3, "offered", at=days_ago(4))
    zendesk.rate(4, "good", at=days_ago(4))  # a ticket Pulse skipped
    run = sync(connection)

    assert (run.responses, run.ratings_skipped) == (2, 1)
    good = SurveyResponse.objects.get(external_id="1-satisfaction")
    assert (good.kind, good.score, good.comment, good.agent, good.ticket.external_id) == (
        "csat",
        5,
        "Quick, thanks",
        pulse_agents["alice"],
        "1",
    )
    assert good.responded_at == days_ago(5) or abs((good.responded_at - days_ago(5)).total_seconds()) < 2
    assert SurveyResponse.objects.get(external_id="2-satisfaction").score == 1
    assert SurveyResponse.objects.count() == 2
    # Read again within the look-back: unchanged, nothing rewritten; a changed rating is updated.
    assert sync(connection).responses == 0
    zendesk.rate(2, "good", at=days_ago(3))
    assert sync(connection).responses == 1
    assert SurveyResponse.objects.get(external_id="2-satisfaction").score == 5


def test_429_and_5xx_are_waited_out_and_retried_without_loss_or_duplicates(zendesk, connection, pulse_agents):
    fill(zendesk, 250)
    zendesk.faults = ["429", "500", "429", "drop"]  # the first four requests fail, each differently
    run = sync(connection)

    assert run.status == SyncRun.RunStatus.SUCCEEDED
    assert (run.fetched, run.created) == (250, 250)
    assert Ticket.objects.count() == 250
    assert len([r for r in zendesk.requests if "incremental" in r]) == 3 + 4


def test_helpdesk_outage_mid_backfill_keeps_written_pages_and_the_next_sync_resumes(
    zendesk, connection, pulse_agents, settings
):
    fill(zendesk, 300)
    settings.CONNECTOR_MAX_RETRIES = 2
    original = zendesk.handle
    calls = {"n": 0}

    def failing_after_first_page(request):  # page 1 answers; from page 2 on the helpdesk is down
        if "incremental" in request.full_path:
            calls["n"] += 1
            if calls["n"] > 1:
                zendesk.faults.insert(0, "500")
        return original(request)

    zendesk.handle = failing_after_first_page
    first = sync(connection)
    connection.refresh_from_db()
    assert first.status == SyncRun.RunStatus.FAILED and "HTTP 500" in first.message
    assert (first.pages, first.created) == (1, 100)
    assert connection.status == Connection.SyncStatus.FAILING and "HTTP 500" in connection.last_error
    assert connection.backfill_completed_at is None and Ticket.objects.count() == 100

    zendesk.handle = original  # the helpdesk is back
    second = sync(connection)
    assert (second.trigger, second.status) == (SyncRun.Trigger.BACKFILL, SyncRun.RunStatus.SUCCEEDED)
    assert (second.fetched, second.created, second.updated, second.unchanged) == (200, 200, 0, 0)
    assert Ticket.objects.count() == 300
    assert sorted(int(i) for i in Ticket.objects.values_list("external_id", flat=True)) == list(range(1, 301))


def test_helpdesk_server_stopped_mid_backfill_then_restarted_resumes_at_the_cursor(
    zendesk, connection, pulse_agents, helpdesk_server, settings
):
    fill(zendesk, 250)
    settings.CONNECTOR_MAX_RETRIES = 1
    original, served = zendesk.handle, {"pages": 0}

    def stop_after_two_pages(request):
        response = original(request)
        if "incremental" in request.full_path:
            served["pages"] += 1
            if served["pages"] == 2:
                zendesk.faults[:] = ["drop"] * 10  # the connection breaks from here on, as the server goes away
        return response

    zendesk.handle = stop_after_two_pages
    first = sync(connection)
    assert first.status == SyncRun.RunStatus.FAILED and "cut off" in first.message
    assert Ticket.objects.count() == 200
    helpdesk_server.stop()  # fully down: connection refused
    down = sync(connection)
    assert down.status == SyncRun.RunStatus.FAILED and down.fetched == 0 and Ticket.objects.count() == 200

    helpdesk_server.start()
    zendesk.handle, zendesk.faults[:] = original, []
    resumed = sync(connection)
    assert resumed.status == SyncRun.RunStatus.SUCCEEDED
    assert (resumed.fetched, resumed.created) == (50, 50) and Ticket.objects.count() == 250


def test_one_sync_at_a_time_a_request_meanwhile_is_kept_and_a_dead_workers_lease_expires(
    zendesk, connection, pulse_agents
):
    fill(zendesk, 3)
    token = lease_acquire(connection.pk)  # a sync is running (in another worker)
    assert connection_sync(connection_id=connection.pk) is None
    connection.refresh_from_db()
    assert connection.sync_requested and Ticket.objects.count() == 0
    # That worker died: once its lease expires, the next sync takes over and resumes.
    Connection.objects.filter(pk=connection.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    run = sync(connection)
    assert run.created == 3 and token
    connection.refresh_from_db()
    assert not connection.sync_requested and connection.lease_token == ""


def test_wrong_credentials_fail_the_run_with_a_message_and_no_retry(zendesk, connection):
    zendesk.api_token = "rotated-in-zendesk"
    run = sync(connection)
    assert run.status == SyncRun.RunStatus.FAILED and "refused the credentials (HTTP 401)" in run.message
    assert len(zendesk.requests) == 1


def test_synced_tickets_and_csat_reach_the_team_snapshots_after_the_refresh(
    zendesk, connection, pulse_agents, team, django_capture_on_commit_callbacks
):
    fill(zendesk, 4)
    for ticket_id, score in ((1, "good"), (2, "good"), (3, "good"), (4, "bad")):
        zendesk.rate(ticket_id, score, at=days_ago(2))
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the dirty-day refresh runs on commit
        sync(connection)
    csat = Snapshot.objects.filter(kpi="csat", scope=Scope.TEAM, team=team, channel="")
    assert sum(row.denominator for row in csat) == 4 and sum(row.numerator for row in csat) == 3
    frt = Snapshot.objects.filter(kpi="frt", scope=Scope.TEAM, team=team, channel="")
    assert sum(row.denominator for row in frt) == 4 and sum(row.numerator for row in frt) == 4 * 30 * 60


def test_the_beat_poll_syncs_every_active_connection_and_skips_paused_ones(zendesk, connection, pulse_agents):
    from tickets.connectors.tasks import connections_poll_task

    fill(zendesk, 2)
    assert connections_poll_task.apply().get() == 1  # eager: the enqueued sync runs in-process
    assert connection.runs.get().trigger == SyncRun.Trigger.BACKFILL and Ticket.objects.count() == 2
    Connection.objects.filter(pk=connection.pk).update(is_active=False)
    assert connections_poll_task.apply().get() == 0 and connection.runs.count() == 1
