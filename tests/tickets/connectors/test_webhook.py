"""The Zendesk webhook: signed and fresh → a sync within the request's commit; anything else → 403."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from tickets.connectors.models import SyncRun
from tickets.connectors.webhooks import webhook_signature
from tickets.models import Status, Ticket

from .conftest import ALICE, SUPPORT_EU

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Each test starts with no webhook calls counted for the test client's address."""
    cache.clear()


SECRET = "whsec-test-secret-42"
BODY = json.dumps({"ticket_id": 1, "event": "ticket.updated"}).encode()


def post(client, connection_id, *, body=BODY, secret=SECRET, sent_at=None, signature=None, headers=True):
    stamp = (sent_at or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    extra = {}
    if headers:
        extra = {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature
            or webhook_signature(secret=secret, timestamp=stamp, body=body),
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": stamp,
        }
    return client.post(f"/connectors/{connection_id}/webhook/", data=body, content_type="application/json", **extra)


def test_a_signed_webhook_syncs_the_change_at_once(
    client, zendesk, connection, pulse_agents, django_capture_on_commit_callbacks
):
    created = (timezone.now() - dt.timedelta(days=3)).replace(microsecond=0)
    zendesk.put_ticket(1, created_at=created, status="open", group_id=SUPPORT_EU, assignee_id=ALICE)
    connection.backfill_completed_at = timezone.now()  # history already read
    connection.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, connection.pk)
    assert response.status_code == 202 and response.content == b""
    assert Ticket.objects.get(external_id="1").status == Status.OPEN
    assert connection.runs.get().trigger == SyncRun.Trigger.WEBHOOK


@pytest.mark.parametrize(
    "case",
    ["bad signature", "other secret", "stale", "from the future", "unsigned", "body changed", "unknown connection"],
)
def test_unsigned_wrongly_signed_stale_or_unknown_calls_get_the_same_empty_403(
    client, connection, django_capture_on_commit_callbacks, case
):
    options = {
        "bad signature": {"signature": "bm90IGEgc2lnbmF0dXJl"},
        "other secret": {"secret": "guessed"},
        "stale": {"sent_at": timezone.now() - dt.timedelta(minutes=6)},
        "from the future": {"sent_at": timezone.now() + dt.timedelta(minutes=6)},
        "unsigned": {"headers": False},
        "body changed": {"signature": webhook_signature(secret=SECRET, timestamp="x", body=b"{}")},
        "unknown connection": {},
    }[case]
    target = connection.pk + 1000 if case == "unknown connection" else connection.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, target, **options)
    assert (response.status_code, response.content) == (403, b"")
    assert callbacks == [] and not SyncRun.objects.exists()


def test_the_webhook_takes_posts_only_and_is_rate_limited(client, connection, settings):
    assert client.get(f"/connectors/{connection.pk}/webhook/").status_code == 405
    settings.CONNECTOR_WEBHOOK_RATE_PER_MINUTE = 2
    codes = [post(client, connection.pk, secret="wrong").status_code for _ in range(3)]
    assert codes == [403, 403, 429]
