"""Freshdesk sync against a fake Freshdesk on loopback (tests/tickets/connectors/fake_freshdesk.py): the
documented list parameters, keyset reading past the 300-page cap, every field, removals, CSAT scales, faults."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from surveys.models import SurveyResponse
from tickets.connectors.models import Connection, SyncRun
from tickets.connectors.sync import connection_sync
from tickets.models import Channel, Priority, Status, Ticket

from .conftest import FD_ALICE, FD_RESELLERS, FD_STRANGER, FD_SUPPORT
from .fake_freshdesk import (
    OPEN,
    PENDING,
    RESOLVED,
    SOURCE_CHAT,
    SOURCE_PHONE,
    SOURCE_PORTAL,
    WAITING_ON_CUSTOMER,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)  # one clock for the module: records built twice compare equal


def sync(connection) -> SyncRun:
    run = connection_sync(connection_id=connection.pk)
    assert run is not None
    return run


def moment(days_ago: float, *, minutes: int = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days_ago) + dt.timedelta(minutes=minutes)


def fill(freshdesk, count, *, start_id=1, group_id=FD_SUPPORT, responder_id=FD_ALICE, same_second=False):
    """`count` closed tickets, each changed a minute after the previous one (or all in the same second)."""
    for offset in range(count):
        freshdesk.put_ticket(
            start_id + offset,
            created_at=moment(20, minutes=offset),
            updated_at=moment(10) if same_second else moment(10, minutes=offset),
            group_id=group_id,
            responder_id=responder_id,
        )


def ticket_requests(freshdesk, **wanted):
    """The query of every ticket-list request matching `wanted` (e.g. filter="deleted")."""
    found = []
    for path in freshdesk.requests:
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/api/v2/tickets" and all(query.get(k) == v for k, v in wanted.items()):
            found.append(query)
    return found


def stored_ids() -> list[int]:
    return sorted(int(i) for i in Ticket.objects.values_list("external_id", flat=True))


def test_backfill_reads_every_page_with_the_documented_parameters_and_maps_each_field(
    freshdesk, freshdesk_connection, pulse_agents, team
):
    fill(freshdesk, 248)
    created = moment(12)
    freshdesk.put_ticket(
        249,
        created_at=created,
        updated_at=moment(9),
        status=WAITING_ON_CUSTOMER,
        group_id=FD_SUPPORT,
        responder_id=FD_ALICE,
        source=SOURCE_CHAT,
        priority=4,
        ticket_type=None,
        first_response_minutes=7,
        resolution_minutes=None,
        reopened=True,
    )
    freshdesk.put_ticket(
        250, created_at=created, updated_at=moment(9), status=RESOLVED, group_id=FD_SUPPORT, source=SOURCE_PHONE
    )
    run = sync(freshdesk_connection)

    assert (run.trigger, run.status) == (SyncRun.Trigger.BACKFILL, SyncRun.RunStatus.SUCCEEDED), run.message
    assert (run.fetched, run.created, run.updated) == (250, 250, 0)
    assert stored_ids() == list(range(1, 251))
    waiting = Ticket.objects.get(external_id="249")
    assert (waiting.channel, waiting.status, waiting.priority, waiting.category) == (
        Channel.CHAT,
        Status.PENDING,
        Priority.URGENT,
        "",
    )
    assert (waiting.agent, waiting.team) == (pulse_agents["alice"], team)
    assert waiting.first_response_at - waiting.created_at == dt.timedelta(minutes=7)
    assert waiting.solved_at is None and (waiting.reopened_count, waiting.agent_replies) == (1, 0)
    closed = Ticket.objects.get(external_id="1")
    assert (closed.channel, closed.status, closed.priority, closed.category) == (
        Channel.EMAIL,
        Status.CLOSED,
        Priority.NORMAL,
        "Question",
    )
    assert closed.solved_at - closed.created_at == dt.timedelta(minutes=120)
    assert closed.handle_time_seconds is None
    resolved = Ticket.objects.get(external_id="250")
    assert (resolved.channel, resolved.status, resolved.agent) == (Channel.PHONE, Status.SOLVED, None)
    assert resolved.solved_at - resolved.created_at == dt.timedelta(minutes=120)
    # Every live-list request asks for stats, oldest change first, 100 a page, from the history window on;
    # each one restarts from the last row read (page 1), never paging by number.
    live = ticket_requests(freshdesk, include="stats", order_by="updated_at", order_type="asc", per_page="100")
    live = [query for query in live if "filter" not in query]
    assert len(live) == 3 and all("page" not in query for query in live)
    first_since = dt.datetime.fromisoformat(live[0]["updated_since"].replace("Z", "+00:00"))
    assert abs((timezone.now() - first_since) - dt.timedelta(days=30)) < dt.timedelta(minutes=5)
    assert live[1]["updated_since"] < live[2]["updated_since"]
    freshdesk_connection.refresh_from_db()
    assert freshdesk_connection.backfill_completed_at is not None
    # The cursor: a second before the latest change written.
    assert freshdesk_connection.cursor == (moment(9) - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_incremental_sync_reads_from_the_cursor_and_writes_only_what_changed(
    freshdesk, freshdesk_connection, pulse_agents
):
    fill(freshdesk, 5)
    sync(freshdesk_connection)
    freshdesk.requests.clear()
    freshdesk.put_ticket(3, created_at=moment(20, minutes=2), status=OPEN, group_id=FD_SUPPORT, responder_id=FD_ALICE)
    freshdesk.put_ticket(4, created_at=moment(20, minutes=3), group_id=FD_SUPPORT, responder_id=FD_ALICE)
    run = sync(freshdesk_connection)

    assert run.trigger == SyncRun.Trigger.POLL
    # Tickets 3 and 4 changed (4 to what Pulse holds), ticket 5 is the boundary re-read: one write.
    assert (run.fetched, run.updated, run.created, run.unchanged) == (3, 1, 0, 2)
    assert Ticket.objects.get(external_id="3").status == Status.OPEN
    live = [q for q in ticket_requests(freshdesk) if "filter" not in q]
    assert live[0]["updated_since"] == (moment(10, minutes=4) - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    again = sync(freshdesk_connection)
    assert (again.created, again.updated) == (0, 0)


def test_more_than_a_page_changed_in_one_second_and_the_300_page_cap_are_read_exactly_once(
    freshdesk, freshdesk_connection, pulse_agents
):
    freshdesk.max_pages = 2  # the real cap is 300 pages; two make the same point with 350 tickets
    fill(freshdesk, 150, same_second=True)  # a bulk update: 150 tickets share one updated_at second
    fill(freshdesk, 200, start_id=151)
    run = sync(freshdesk_connection)

    assert run.status == SyncRun.RunStatus.SUCCEEDED, run.message
    assert (run.fetched, run.created) == (350, 350) and stored_ids() == list(range(1, 351))
    pages = [q.get("page", "1") for q in ticket_requests(freshdesk) if "filter" not in q]
    # Only the tie group was read by page number (an offset-paged read would have needed page 4).
    assert pages.count("2") == 1 and max(int(p) for p in pages) == 2


def test_a_ticket_updated_while_the_list_is_read_shifts_nothing_out(freshdesk, freshdesk_connection, pulse_agents):
    fill(freshdesk, 250)
    served = {"live": 0}

    def update_a_read_ticket(request):  # after page 1: ticket 10 changes and moves to the end of the list
        if request.path == "/api/v2/tickets" and "filter" not in request.args:
            served["live"] += 1
            if served["live"] == 1:
                freshdesk.put_ticket(10, created_at=moment(20, minutes=9), status=OPEN, group_id=FD_SUPPORT)

    freshdesk.after_request = update_a_read_ticket
    run = sync(freshdesk_connection)

    assert stored_ids() == list(range(1, 251))  # an offset-paged read would have skipped ticket 101
    assert Ticket.objects.get(external_id="10").status == Status.OPEN and run.created == 250


def test_deleted_and_spam_tickets_are_removed_and_trash_pulse_never_held_changes_nothing(
    freshdesk, freshdesk_connection, pulse_agents
):
    fill(freshdesk, 6)
    fill(freshdesk, 1, start_id=7, group_id=FD_RESELLERS)
    freshdesk.trash(7)  # never in Pulse (unmapped group)
    sync(freshdesk_connection)
    assert stored_ids() == [1, 2, 3, 4, 5, 6]
    # Deleted (to the Trash) without its updated_at moving, and another marked as spam.
    freshdesk.trash(2, at=moment(10, minutes=1))
    freshdesk.trash(5, spam=True)
    run = sync(freshdesk_connection)

    assert run.deleted == 2 and stored_ids() == [1, 3, 4, 6]
    assert ticket_requests(freshdesk, filter="deleted") and ticket_requests(freshdesk, filter="spam")
    assert sync(freshdesk_connection).deleted == 0


def test_survey_answers_on_every_scale_become_csat_and_unrated_or_unknown_are_no_response(
    freshdesk, freshdesk_connection, pulse_agents
):
    answers = {1: 103, 2: 102, 3: 101, 4: 100, 5: -101, 6: -102, 7: -103, 8: 42}
    fill(freshdesk, 8)
    fill(freshdesk, 1, start_id=9, group_id=FD_RESELLERS)
    for ticket_id, answer in answers.items():
        freshdesk.rate(ticket_id, answer, at=moment(5), feedback="Thanks" if ticket_id == 1 else "")
    freshdesk.rate(9, 103, at=moment(5))  # a ticket Pulse skipped
    run = sync(freshdesk_connection)

    scores = dict(SurveyResponse.objects.values_list("ticket__external_id", "score"))
    assert scores == {"1": 5, "2": 4, "3": 4, "4": 3, "5": 2, "6": 2, "7": 1}
    assert (run.responses, run.ratings_skipped) == (7, 1)
    first = SurveyResponse.objects.get(external_id="1-satisfaction")
    assert (first.kind, first.comment, first.agent, first.responded_at) == (
        "csat",
        "Thanks",
        pulse_agents["alice"],
        moment(5),
    )
    assert sync(freshdesk_connection).responses == 0  # re-read within the look-back: nothing rewritten
    freshdesk.rate(7, 103, at=moment(4))
    assert sync(freshdesk_connection).responses == 1
    assert SurveyResponse.objects.get(external_id="7-satisfaction").score == 5


def test_groups_map_by_team_name_unmapped_are_skipped_and_a_ticket_moved_out_is_removed(
    freshdesk, freshdesk_connection, pulse_agents, team
):
    fill(freshdesk, 3)
    fill(freshdesk, 2, start_id=4, group_id=FD_RESELLERS)
    fill(freshdesk, 2, start_id=6, responder_id=FD_STRANGER)
    run = sync(freshdesk_connection)

    assert (run.skipped_unmapped, run.agents_unmatched, run.created) == (2, 2, 5)
    assert stored_ids() == [1, 2, 3, 6, 7] and set(Ticket.objects.values_list("team", flat=True)) == {team.pk}
    assert set(Ticket.objects.filter(external_id__in=["6", "7"]).values_list("agent", flat=True)) == {None}
    freshdesk.put_ticket(1, created_at=moment(20), group_id=FD_RESELLERS, responder_id=FD_ALICE)
    moved = sync(freshdesk_connection)
    assert (moved.skipped_unmapped, moved.deleted) == (1, 1) and stored_ids() == [2, 3, 6, 7]


def test_429_with_retry_after_5xx_and_a_dropped_connection_lose_and_double_nothing(
    freshdesk, freshdesk_connection, pulse_agents, settings
):
    fill(freshdesk, 250)
    settings.CONNECTOR_MAX_RETRY_AFTER_SECONDS = 10
    waits = []
    # Groups: 429, 500, cut off, then fine; agents and lists fine; the third ticket page: 429, cut off.
    freshdesk.faults = ["429", "500", "drop", "ok", "ok", "ok", "ok", "ok", "ok", "429", "drop"]
    run = connection_sync(connection_id=freshdesk_connection.pk, sleep=waits.append)

    assert run.status == SyncRun.RunStatus.SUCCEEDED, run.message
    assert (run.fetched, run.created) == (250, 250) and stored_ids() == list(range(1, 251))
    # Retry-After: 1 is waited as asked; 5xx and broken bodies back off (0.01 s doubling in tests).
    assert waits == [1.0, 0.02, 0.04, 1.0, 0.02]


def test_outage_mid_backfill_keeps_written_pages_and_the_next_sync_resumes_at_the_cursor(
    freshdesk, freshdesk_connection, pulse_agents, helpdesk_server, settings
):
    fill(freshdesk, 300)
    settings.CONNECTOR_MAX_RETRIES = 1
    served = {"live": 0}

    def down_after_two_pages(request):
        if request.path == "/api/v2/tickets" and "filter" not in request.args:
            served["live"] += 1
            if served["live"] == 2:
                freshdesk.faults[:] = ["500"] * 10

    freshdesk.after_request = down_after_two_pages
    first = sync(freshdesk_connection)
    assert first.status == SyncRun.RunStatus.FAILED and "HTTP 500" in first.message
    assert Ticket.objects.count() == 199  # page 2 started at ticket 100 (keyset overlap): 1–199 written
    freshdesk_connection.refresh_from_db()
    assert freshdesk_connection.status == Connection.SyncStatus.FAILING
    assert freshdesk_connection.backfill_completed_at is None
    helpdesk_server.stop()  # fully down: connection refused
    assert sync(freshdesk_connection).status == SyncRun.RunStatus.FAILED and Ticket.objects.count() == 199

    helpdesk_server.start()
    freshdesk.after_request, freshdesk.faults[:] = None, []
    resumed = sync(freshdesk_connection)
    assert (resumed.trigger, resumed.status) == (SyncRun.Trigger.BACKFILL, SyncRun.RunStatus.SUCCEEDED)
    # It starts a second before ticket 199's change: 199 is read again (unchanged), 200–300 are new.
    assert (resumed.created, resumed.updated, resumed.unchanged) == (101, 0, 1)
    assert stored_ids() == list(range(1, 301))


def test_a_refused_api_key_fails_at_once_with_a_message(freshdesk, freshdesk_connection):
    freshdesk.api_key = "rotated-in-freshdesk"
    run = sync(freshdesk_connection)
    assert run.status == SyncRun.RunStatus.FAILED and "refused the credentials (HTTP 401)" in run.message
    assert len(freshdesk.requests) == 1


def test_portal_tickets_are_email_and_test_connection_lists_the_groups(freshdesk, freshdesk_connection):
    from tickets.connectors.services import connection_check

    freshdesk.put_ticket(1, created_at=moment(3), source=SOURCE_PORTAL, status=PENDING, group_id=FD_SUPPORT)
    assert sync(freshdesk_connection).created == 1
    assert Ticket.objects.get().channel == Channel.EMAIL
    result = connection_check(connection=freshdesk_connection)
    assert result.ok and result.message == "Connected as Acme Admin."
    assert result.groups == [("Falcons", "Falcons"), ("Resellers", None)]
