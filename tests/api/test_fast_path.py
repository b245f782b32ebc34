"""The bulk serializers' fast path gives exactly what DRF's full validation gives, and leaves
every doubtful record to it (so that the field errors are DRF's)."""

import pytest
from rest_framework import serializers

from surveys.api.serializers import SurveyResponseWriteSerializer
from tickets.api.records import _fast_record
from tickets.api.serializers import TicketWriteSerializer

TICKETS = [
    {"external_id": " ZD-1 ", "channel": "chat", "created_at": "2026-03-02T09:00:00+01:00"},
    {
        "external_id": "ZD-2",
        "channel": "email",
        "category": "",
        "priority": "high",
        "status": "solved",
        "agent": 7,
        "agent_email": "Alice@Example.com",
        "team": None,
        "team_slug": "falcons",
        "created_at": "2026-03-02T09:00:00Z",
        "first_response_at": "2026-03-02T09:30:00.123456-05:00",
        "solved_at": None,
        "handle_time_seconds": 0,
        "agent_replies": 3,
        "reopened_count": 0,
        "unknown": "ignored",
    },
    {"external_id": "ZD-3", "channel": "phone", "created_at": "2026-03-02 09:00:00+00:00", "agent_email": "  "},
]
SURVEYS = [
    {"external_id": "S-1", "kind": "nps", "score": 10, "responded_at": "2026-03-02T09:00:00+02:00", "comment": None},
    {
        "external_id": "S-2",
        "kind": "csat",
        "score": 1,
        "responded_at": "2026-03-02T09:00:00Z",
        "ticket": 4,
        "comment": " ok ",
    },
]
# Records the fast path must leave to DRF (DRF then accepts or refuses them itself).
DOUBTFUL_TICKETS = [
    {"channel": "chat", "created_at": "2026-03-02T09:00:00Z"},  # external_id missing
    {"external_id": "A", "channel": "fax", "created_at": "2026-03-02T09:00:00Z"},
    {"external_id": "A", "channel": "chat", "created_at": "2026-03-02T09:00:00"},  # naive
    {"external_id": "A", "channel": "chat", "created_at": "0001-01-01T00:00:00+05:00"},
    {"external_id": "A", "channel": "chat", "created_at": "2026-03-02T09:00:00Z", "agent_replies": True},
    {"external_id": "A", "channel": "chat", "created_at": "2026-03-02T09:00:00Z", "agent_replies": 2.0},
    {"external_id": "A", "channel": "chat", "created_at": "2026-03-02T09:00:00Z", "agent": 0},
    {"external_id": "A", "channel": "chat", "created_at": "2026-03-02T09:00:00Z", "agent_email": "not-an-email"},
    {"external_id": "A\x00", "channel": "chat", "created_at": "2026-03-02T09:00:00Z"},
    {"external_id": "Ä", "channel": "chat", "created_at": "2026-03-02T09:00:00Z"},
    {"external_id": "A", "channel": None, "created_at": "2026-03-02T09:00:00Z"},
    {"external_id": "x" * 256, "channel": "chat", "created_at": "2026-03-02T09:00:00Z"},
]


def full_validation(serializer_class, record):
    """DRF's own field-by-field path (what the fast path must reproduce)."""
    serializer = serializer_class()
    return serializers.Serializer.to_internal_value(serializer, record)


def fast(serializer_class, record):
    serializer = serializer_class()
    with pytest.raises(serializers.ValidationError):
        serializer.to_internal_value({})  # builds the plan; required fields are missing
    return _fast_record(serializer.__dict__["_fast_plan"], record)


@pytest.mark.parametrize(
    "serializer_class, record",
    [(TicketWriteSerializer, r) for r in TICKETS] + [(SurveyResponseWriteSerializer, r) for r in SURVEYS],
)
def test_the_fast_path_equals_drf(serializer_class, record):
    fast_result = fast(serializer_class, record)
    assert fast_result is not None
    assert fast_result == dict(full_validation(serializer_class, record))


@pytest.mark.parametrize("record", DOUBTFUL_TICKETS)
def test_doubtful_records_take_drfs_path(record):
    assert fast(TicketWriteSerializer, record) is None
    serializer = TicketWriteSerializer(data=record)
    if record.get("external_id") == "Ä" or record.get("agent_replies") == 2.0:
        assert serializer.is_valid()  # valid for DRF, just not plain enough for the fast path
    else:
        assert not serializer.is_valid()
