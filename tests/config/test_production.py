"""Health probes, request ids in logs, security headers and brute-force protection."""

import json
import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import AgentFactory


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database_and_redis(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "checks": {"database": "ok"}})


def test_readyz_is_503_when_redis_is_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("ConnectionError")


def test_every_response_carries_a_request_id_and_logs_include_it(client, db, caplog):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234")
    assert response["X-Request-ID"] == "lb-1234"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and generated != "bad id with spaces"

    from config.request_id import RequestIdFilter

    record = logging.LogRecord("pulse", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"  # outside a request


def test_json_log_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    from config.request_id import RequestIdFilter

    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    record = logging.LogRecord("pulse.test", logging.WARNING, __file__, 1, "disk %s", ("full",), None)
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert (line["levelname"], line["name"], line["message"], line["request_id"]) == (
        "WARNING",
        "pulse.test",
        "disk full",
        "-",
    )


def test_pages_send_a_content_security_policy_without_inline_scripts(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(AXES_ENABLED=True)
def test_login_is_locked_after_repeated_failures(client, db):
    AgentFactory(username="target", password="pass-word-123")
    statuses = [
        client.post(reverse("login"), {"username": "target", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form with its error, then locked at the 5th failure
    locked = client.post(reverse("login"), {"username": "target", "password": "pass-word-123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_get_only(client, db, path):
    assert client.post(path).status_code == 405
