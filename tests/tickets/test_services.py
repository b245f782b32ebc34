"""Ticket ingestion: every rule of SPEC §2 refused with a field error, nothing half written."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from config.errors import BatchValidationError
from kpis.models import DirtyDay
from tickets.models import Ticket
from tickets.services import tickets_upsert

UTC = dt.UTC
CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def record(**overrides):
    base = {
        "external_id": "ZD-1",
        "channel": "email",
        "status": "solved",
        "agent_email": "alice@example.com",
        "created_at": CREATED,
        "first_response_at": CREATED + dt.timedelta(minutes=30),
        "solved_at": CREATED + dt.timedelta(hours=3),
        "handle_time_seconds": 420,
        "agent_replies": 1,
        "reopened_count": 0,
    }
    base.update(overrides)
    return base


def test_upsert_creates_then_updates_by_external_id(agent):
    result = tickets_upsert(records=[record()], actor=None)
    assert (result.created, result.updated) == (1, 0)
    ticket = Ticket.objects.get(external_id="ZD-1")
    assert ticket.agent == agent
    assert ticket.team == agent.team  # taken from the agent
    assert ticket.handle_time_seconds == 420

    result = tickets_upsert(records=[record(handle_time_seconds=600, status="closed")], actor=None)
    assert (result.created, result.updated) == (0, 1)
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert (ticket.handle_time_seconds, ticket.status) == (600, "closed")


def test_team_slug_and_iso_strings_are_accepted(agent, other_team):
    tickets_upsert(
        records=[
            record(
                team_slug="owls",
                created_at="2026-03-02T10:00:00+01:00",
                first_response_at=None,
                solved_at=None,
                status="open",
            )
        ],
        actor=None,
    )
    ticket = Ticket.objects.get()
    assert ticket.team == other_team
    assert ticket.created_at == CREATED
    assert ticket.solved_at is None


def test_ingestion_marks_each_local_day_dirty(agent):
    # 23:30 UTC on 2 March is 00:30 on 3 March in Paris, the team's time zone.
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    tickets_upsert(
        records=[record(created_at=late, first_response_at=late, solved_at=late + dt.timedelta(days=2))], actor=None
    )
    days = set(DirtyDay.objects.values_list("team_id", "date"))
    assert days == {(agent.team_id, dt.date(2026, 3, 3)), (agent.team_id, dt.date(2026, 3, 5))}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"solved_at": CREATED - dt.timedelta(seconds=1)}, "solved_at", "solved_at cannot be before created_at."),
        (
            {"first_response_at": CREATED - dt.timedelta(minutes=1)},
            "first_response_at",
            "first_response_at cannot be before created_at.",
        ),
        ({"handle_time_seconds": -5}, "handle_time_seconds", "Handle time cannot be negative."),
        ({"channel": "fax"}, "channel", "Value 'fax' is not a valid choice."),
        ({"status": "archived"}, "status", "Value 'archived' is not a valid choice."),
        (
            {"created_at": dt.datetime(2026, 3, 2, 9, 0)},  # naive
            "created_at",
            "Give a time-zone offset (ISO 8601, e.g. 2026-01-31T09:00:00+01:00).",
        ),
        ({"agent_email": "nobody@example.com"}, "agent_email", "No agent “nobody@example.com”."),
        ({"agent_replies": -1}, "agent_replies", "Agent replies cannot be negative."),
        ({"external_id": ""}, "external_id", "This field is required."),
    ],
)
def test_bad_values_are_refused_with_a_field_error_and_nothing_written(agent, overrides, field, message):
    good = record(external_id="ZD-good")
    with pytest.raises(BatchValidationError) as raised:
        tickets_upsert(records=[good, record(**overrides)], actor=None)
    assert raised.value.errors == {1: {field: [message]}}
    assert Ticket.objects.count() == 0
    assert DirtyDay.objects.count() == 0


def test_duplicate_external_id_in_one_batch_is_refused(agent):
    with pytest.raises(BatchValidationError) as raised:
        tickets_upsert(records=[record(), record(channel="chat")], actor=None)
    assert raised.value.errors == {1: {"external_id": ["Appears more than once in this batch (first at index 0)."]}}
    assert Ticket.objects.count() == 0


def test_failed_update_leaves_the_stored_ticket_unchanged(agent):
    tickets_upsert(records=[record()], actor=None)
    with pytest.raises(BatchValidationError):
        tickets_upsert(records=[record(handle_time_seconds=999), record(external_id="ZD-2", channel="fax")], actor=None)
    ticket = Ticket.objects.get()
    assert ticket.handle_time_seconds == 420
    assert Ticket.objects.count() == 1


def test_a_team_is_required(db):
    with pytest.raises(BatchValidationError) as raised:
        tickets_upsert(records=[record(agent_email=None)], actor=None)
    assert raised.value.errors == {0: {"team": ["Give the team (team or team_slug), or an agent who has one."]}}


def test_batch_size_is_bounded(agent):
    records = [record(external_id=f"ZD-{i}") for i in range(1001)]
    with pytest.raises(BatchValidationError) as raised:
        tickets_upsert(records=records, actor=None)
    assert raised.value.errors == {-1: {"records": ["At most 1000 records per batch."]}}


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        ({"solved_at": CREATED - dt.timedelta(hours=1)}, "ticket_solved_not_before_created"),
        ({"first_response_at": CREATED - dt.timedelta(hours=1)}, "ticket_first_response_not_before_created"),
        ({"handle_time_seconds": -1}, "ticket_handle_time_non_negative"),
        ({"channel": "fax"}, "ticket_channel_valid"),
    ],
)
def test_database_constraints_back_the_rules(agent, overrides, constraint):
    values = {
        "external_id": "X",
        "channel": "email",
        "status": "solved",
        "agent": agent,
        "team": agent.team,
        "created_at": CREATED,
        "solved_at": CREATED,
        "handle_time_seconds": 1,
    }
    values.update(overrides)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Ticket.objects.create(**values)
    assert Ticket.objects.count() == 0


def test_external_id_is_unique_in_the_database(agent):
    values = {"channel": "email", "agent": agent, "team": agent.team, "created_at": CREATED}
    Ticket.objects.create(external_id="dup", **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(external_id="dup", **values)
    assert Ticket.objects.count() == 1
