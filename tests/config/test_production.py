"""Health probes, request ids in logs, security headers and brute-force protection."""

import contextlib
import copy
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import load_backend
from django.test import override_settings
from django.urls import reverse

from tests.factories import AdminFactory, AgentFactory


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_answers_ok_and_nothing_more_to_anonymous_callers(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_shows_staff_each_check(client, db, settings, redis_url):
    client.force_login(AdminFactory())
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
    )


@pytest.fixture
def unreachable_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there


@pytest.fixture
def unreachable_database(postgres, monkeypatch):
    """The readiness check's connection points at a port where nothing listens (the real one keeps serving)."""
    settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": "9"}
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="readyz-broken")
    monkeypatch.setattr("config.health.connection", broken)
    yield
    broken.close()


@pytest.mark.parametrize("failing", ["unreachable_redis", "unreachable_database"])
def test_readyz_tells_anonymous_callers_only_that_it_is_unavailable(client, db, settings, request, failing):
    if failing == "unreachable_database":
        settings.REDIS_URL = ""
    request.getfixturevalue(failing)
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})


def test_readyz_tells_signed_in_non_staff_nothing_more(client, db, unreachable_redis):
    client.force_login(AgentFactory())
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})


def test_readyz_shows_staff_why_redis_is_unavailable(client, db, unreachable_redis):
    client.force_login(AdminFactory())
    response = client.get("/readyz")
    body = response.json()
    assert (response.status_code, body["status"], body["checks"]["database"]) == (503, "unavailable", "ok")
    assert body["checks"]["redis"].startswith("ConnectionError")


def test_readyz_shows_staff_why_the_database_is_unavailable(client, db, settings, unreachable_database):
    settings.REDIS_URL = ""
    client.force_login(AdminFactory())
    response = client.get("/readyz")
    body = response.json()
    assert (response.status_code, body["status"]) == (503, "unavailable")
    assert body["checks"]["database"].startswith("OperationalError")
    assert "port 9" in body["checks"]["database"]


def test_readyz_logs_the_failure_for_operators(client, db, unreachable_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="config.health"):
        client.get("/readyz")
    assert any("redis" in record.getMessage() and "ConnectionError" in record.getMessage() for record in caplog.records)


def test_every_response_carries_a_request_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234")
    assert response["X-Request-ID"] == "lb-1234"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and generated != "bad id with spaces"


@contextlib.contextmanager
def pulse_logging(log_format: str):
    """Pulse's own LOGGING (settings), in the given format, writing to a string instead of stderr."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter=log_format, stream=stream)
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_json_log_lines_of_a_request_carry_its_id(client, db):
    with pulse_logging("json") as stream:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-1234")  # django.request logs the 404
        logging.getLogger("pulse.test").warning("outside any request")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert (not_found["level"], not_found["request_id"]) == ("WARNING", "lb-1234")
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert {"time", "level", "logger", "request_id", "message"} <= set(not_found)
    outside = next(line for line in lines if line["logger"] == "pulse.test")
    assert (outside["message"], outside["request_id"]) == ("outside any request", "-")


def test_plain_log_lines_of_a_request_carry_its_id(client, db):
    with pulse_logging("plain") as stream:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-5678")

    line = next(line for line in stream.getvalue().splitlines() if "django.request" in line)
    assert line.startswith("WARNING ") and line.endswith("django.request [lb-5678] Not Found: /no-such-page/")


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


def test_pages_and_api_answers_are_compressed_for_clients_that_accept_it(client, db):
    import gzip

    from tests.factories import AgentFactory as Agent

    client.force_login(Agent(team=None))
    for path, expected in (("/reviews/", b"<html"), ("/api/v1/kpis/", b"Customer Satisfaction")):
        plain = client.get(path)
        compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip")

        assert compressed.status_code == plain.status_code == 200, path
        assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
        body = gzip.decompress(compressed.content)
        assert expected in body and len(compressed.content) < len(body)
        assert "Content-Encoding" not in plain
