"""A database error in the middle of a bulk write: a clean 503, and nothing half written."""

import datetime as dt

from django.db import connection
from rest_framework.test import APIClient

from kpis.models import DirtyDay
from tickets.models import Ticket

CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def record(external_id: str) -> dict:
    return {
        "external_id": external_id,
        "channel": "email",
        "status": "solved",
        "agent_email": "alice@example.com",
        "created_at": CREATED.isoformat(),
        "solved_at": (CREATED + dt.timedelta(hours=1)).isoformat(),
        "handle_time_seconds": 300,
    }


def test_a_database_error_mid_batch_writes_nothing_and_answers_cleanly(postgres, agent, admin_user):
    with connection.cursor() as cursor:  # the database itself refuses one row of the batch
        cursor.execute(
            """
            CREATE FUNCTION refuse_boom() RETURNS trigger AS $$
            BEGIN
                IF NEW.external_id = 'BOOM' THEN
                    RAISE EXCEPTION 'disk full (simulated)' USING ERRCODE = 'disk_full';
                END IF;
                RETURN NEW;
            END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON tickets_ticket
                FOR EACH ROW EXECUTE FUNCTION refuse_boom();
            """
        )
    client = APIClient()
    client.force_authenticate(admin_user)
    records = [record(f"OK-{i}") for i in range(500)] + [record("BOOM")] + [record("OK-last")]
    response = client.post("/api/v1/tickets/bulk/", {"records": records}, format="json")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database could not complete this request; nothing was written. Retry shortly."
    }
    assert response["Retry-After"] == "5"
    assert Ticket.objects.count() == 0
    assert DirtyDay.objects.count() == 0
    # The connection is healthy again for the next request.
    ok = client.post("/api/v1/tickets/bulk/", {"records": [record("OK-after")]}, format="json")
    assert ok.status_code == 200, ok.json()
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["OK-after"]


def refuse_with(condition: str) -> None:
    """A trigger that makes the database refuse the ticket 'BAD' with the given SQLSTATE condition."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION refuse_bad() RETURNS trigger AS $$
            BEGIN
                IF NEW.external_id = 'BAD' THEN RAISE {condition}; END IF;
                RETURN NEW;
            END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_bad BEFORE INSERT OR UPDATE ON tickets_ticket
                FOR EACH ROW EXECUTE FUNCTION refuse_bad();
            """
        )


def test_a_conflict_in_the_database_is_a_409_not_a_retry(postgres, agent, admin_user):
    refuse_with("unique_violation")
    client = APIClient()
    client.force_authenticate(admin_user)

    response = client.post("/api/v1/tickets/bulk/", {"records": [record("OK-1"), record("BAD")]}, format="json")

    assert response.status_code == 409
    assert "Retry-After" not in response
    assert response.json()["detail"].startswith("This write conflicts with stored data")
    assert Ticket.objects.count() == 0 and DirtyDay.objects.count() == 0


def test_a_value_the_database_cannot_hold_is_a_400_not_a_retry(postgres, agent, admin_user):
    refuse_with("numeric_value_out_of_range")
    client = APIClient()
    client.force_authenticate(admin_user)

    response = client.post("/api/v1/tickets/", record("BAD"), format="json")

    assert response.status_code == 400
    assert "Retry-After" not in response
    assert response.json() == {"detail": "A value does not fit what the database can store; nothing was written."}
    assert Ticket.objects.count() == 0
