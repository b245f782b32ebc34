"""The connections pages: admins only (404 for everyone else), field errors, test button, credentials never shown."""

import json
import logging

import pytest

from accounts.models import AuditEvent
from tickets.connectors.crypto import ConnectorKeyError, secrets_decrypt, secrets_encrypt
from tickets.connectors.models import Connection, SyncRun
from tickets.connectors.sync import connection_sync

pytestmark = pytest.mark.django_db
SECRETS = ("zd-token-0123456789abcdef", "whsec-test-secret-42")


def pages(connection) -> list[str]:
    base = f"/connectors/{connection.pk}"
    return ["/connectors/", "/connectors/new/", f"{base}/", f"{base}/edit/"]


@pytest.mark.parametrize("who", ["leader", "hr", "agent"])
def test_everyone_but_admins_gets_404_on_every_page_and_action(client, connection, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in pages(connection):
        assert client.get(url).status_code == 404, url
    for action in ("test", "sync", "edit"):
        assert client.post(f"/connectors/{connection.pk}/{action}/").status_code == 404
    assert "/connectors/" not in client.get("/reviews/").content.decode()


def test_admin_adds_a_connection_with_field_errors_first(client, admin_user, team, zendesk, helpdesk_server):
    client.force_login(admin_user)
    assert 'href="/connectors/"' in client.get("/connectors/").content.decode()
    bad = client.post(
        "/connectors/new/",
        {
            "name": "Acme",
            "kind": "zendesk",
            "base_url": "http://acme.zendesk.com/agent",
            "history_days": 30,
            "group_rules": "Support EU = nope\nno equals sign",
        },
    )
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert set(errors) == {"base_url", "group_rules", "api_token", "email"}
    assert "no team with slug “nope”" in str(errors["group_rules"]) and not Connection.objects.exists()
    good = client.post(
        "/connectors/new/",
        {
            "name": "Acme",
            "kind": "zendesk",
            "base_url": helpdesk_server.url_for("/"),
            "email": zendesk.email,
            "api_token": zendesk.api_token,
            "history_days": 30,
            "group_rules": "Support EU = falcons",
            "match_groups_by_name": "on",
            "is_active": "on",
        },
    )
    connection = Connection.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/connectors/{connection.pk}/"
    assert (
        connection.group_map == {"Support EU": "falcons"} and connection.credentials["api_token"] == zendesk.api_token
    )


def test_test_connection_shows_who_pulse_is_and_where_each_group_goes(client, admin_user, connection):
    client.force_login(admin_user)
    page = client.post(f"/connectors/{connection.pk}/test/").content.decode()
    assert "Connected as Acme Admin (admin)." in page
    assert "Falcons" in page and "Owls" in page and "not mapped: its tickets are skipped" in page


def test_test_connection_reports_refused_credentials(client, admin_user, connection, zendesk):
    zendesk.api_token = "revoked"
    client.force_login(admin_user)
    page = client.post(f"/connectors/{connection.pk}/test/").content.decode()
    assert "refused the credentials (HTTP 401)" in page


def test_sync_now_runs_and_the_page_shows_the_history_with_counts(
    client, admin_user, connection, zendesk, pulse_agents, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    zendesk.put_ticket(1, created_at=timezone.now() - dt.timedelta(days=2), group_id=10, assignee_id=101)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/connectors/{connection.pk}/sync/").status_code == 302
    run = SyncRun.objects.get()
    assert (run.status, run.created) == (SyncRun.RunStatus.SUCCEEDED, 1)
    page = client.get(f"/connectors/{connection.pk}/").content.decode()
    assert "First sync (history)" in page and "1 in 1 page" in page


def test_credentials_never_appear_in_pages_audit_trail_logs_or_the_database_in_clear(
    client, admin_user, connection, zendesk, caplog
):
    client.force_login(admin_user)
    zendesk.api_token = "revoked"  # a failing sync logs and records its error
    with caplog.at_level(logging.DEBUG):
        connection_sync(connection_id=connection.pk)
        shown = [client.get(url).content.decode() for url in pages(connection)]
        shown.append(client.post(f"/connectors/{connection.pk}/test/").content.decode())
        edit = client.post(
            f"/connectors/{connection.pk}/edit/",
            {"name": "Acme renamed", "kind": "zendesk", "base_url": connection.base_url, "history_days": 30},
        )
    assert edit.status_code == 302  # blank credentials keep the saved ones
    connection.refresh_from_db()
    assert connection.name == "Acme renamed" and connection.credentials["api_token"] == SECRETS[0]
    assert "Saved — leave blank to keep it." in shown[3]
    trail = json.dumps(list(AuditEvent.objects.values("before", "after", "object_repr")))
    assert "connection.update" in set(AuditEvent.objects.values_list("action", flat=True))
    stored = json.dumps(list(Connection.objects.values()), default=str) + json.dumps(
        list(SyncRun.objects.values()), default=str
    )
    for secret in SECRETS:
        for where, text in (("pages", "".join(shown)), ("audit", trail), ("logs", caplog.text), ("rows", stored)):
            assert secret not in text, f"{secret} leaked into {where}"


def test_the_key_encrypts_rotates_and_its_absence_is_a_clear_error(settings):
    token = secrets_encrypt({"api_token": "s3cret"})
    old_key = settings.PULSE_CONNECTOR_KEY
    settings.PULSE_CONNECTOR_KEY = "1mNm6nq7cXcXR0Bx5bS1Yr2n9y7mKq3n2b6m0LhQn2E=," + old_key  # new key first
    assert secrets_decrypt(token) == {"api_token": "s3cret"}
    settings.PULSE_CONNECTOR_KEY = ""
    with pytest.raises(ConnectorKeyError, match="PULSE_CONNECTOR_KEY is not set"):
        secrets_decrypt(token)


def test_a_second_account_must_have_its_own_id_prefix_so_ticket_ids_never_collide(
    client, admin_user, connection, helpdesk_server
):
    client.force_login(admin_user)
    fields = {
        "name": "Acme Freshdesk",
        "kind": "freshdesk",
        "base_url": helpdesk_server.url_for("/"),
        "api_token": "fd-key",
        "history_days": 30,
        "match_groups_by_name": "on",
        "is_active": "on",
    }
    refused = client.post("/connectors/new/", fields)
    assert refused.status_code == 400 and Connection.objects.count() == 1
    assert "Another connection already uses this prefix" in str(refused.context["form"].errors["external_id_prefix"])
    assert client.post("/connectors/new/", {**fields, "external_id_prefix": "fd-"}).status_code == 302
    assert sorted(Connection.objects.values_list("external_id_prefix", flat=True)) == ["", "fd-"]
