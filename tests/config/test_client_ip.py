"""The client address behind the configured number of trusted proxies, for the lockout and every throttle."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.settings import api_settings

from config.client_ip import client_ip
from tests.factories import AgentFactory

PROXY = "10.0.0.2"  # the TLS proxy in front of gunicorn: REMOTE_ADDR of every proxied request
CLIENT_A = "198.51.100.10"
CLIENT_B = "198.51.100.20"


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize("forwarded_for", [None, "", CLIENT_A, f"{CLIENT_A}, {CLIENT_B}", "garbage"])
def test_without_trusted_proxies_the_address_is_the_socket_peer(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("192.0.2.7", forwarded_for)) == "192.0.2.7"


def test_without_trusted_proxies_other_client_headers_are_ignored_too(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.7", HTTP_X_REAL_IP=CLIENT_A, HTTP_CLIENT_IP=CLIENT_A, HTTP_FORWARDED=f"for={CLIENT_A}"
    )
    assert client_ip(request) == "192.0.2.7"


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (1, CLIENT_A, CLIENT_A),
        # A client-sent entry sits left of what the proxy appended and is ignored.
        (1, f"203.0.113.66, {CLIENT_A}", CLIENT_A),
        (1, f"203.0.113.66,203.0.113.67 ,  {CLIENT_A}", CLIENT_A),
        # An unclosed quote must not swallow the entry the proxy appended (ipware would parse it as one token).
        (1, f'203.0.113.66, for=", {CLIENT_A}', CLIENT_A),
        (1, f"garbage, {CLIENT_A}", CLIENT_A),
        # Two proxies (load balancer, then nginx): the client is the second entry from the right.
        (2, f"203.0.113.66, {CLIENT_A}, 10.0.0.1", CLIENT_A),
        (2, f"{CLIENT_A}, 10.0.0.1", CLIENT_A),
        # Fewer entries than proxies: all were written by trusted proxies; the first one is the client.
        (2, CLIENT_A, CLIENT_A),
        # Addresses are normalised: ports, bracketed IPv6, IPv4-mapped IPv6.
        (1, f"{CLIENT_A}:51234", CLIENT_A),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, f"::ffff:{CLIENT_A}", CLIENT_A),
    ],
)
def test_behind_trusted_proxies_the_client_is_what_the_outermost_proxy_wrote(settings, count, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(PROXY, forwarded_for)) == expected


@pytest.mark.parametrize("forwarded_for", [None, "", f"{CLIENT_A}, not-an-address", f"{CLIENT_A}, 0.0.0.0"])
def test_behind_a_proxy_without_a_usable_entry_the_peer_is_used(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, forwarded_for)) == PROXY


def drf_views(resolver=None):
    """Every DRF view class reachable from the URL conf (routers and plain APIViews)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from drf_views(pattern)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield pattern.callback.cls


@pytest.mark.parametrize("count", [0, 1])
def test_every_api_throttle_identifies_callers_by_client_ip(settings, count):
    settings.TRUSTED_PROXY_COUNT = count
    request = Request(request_from(PROXY, f"203.0.113.66, {CLIENT_A}"))
    expected = client_ip(request)
    assert expected == (PROXY if count == 0 else CLIENT_A)
    throttle_classes = {throttle for view in drf_views() for throttle in view.throttle_classes}
    throttle_classes |= set(api_settings.DEFAULT_THROTTLE_CLASSES)
    assert len(throttle_classes) >= 3  # anon, user and the token endpoint's scoped throttle
    for throttle_class in throttle_classes:
        assert throttle_class().get_ident(request) == expected, throttle_class


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_a_login_lockout_holds_one_client_not_everyone(client, db):
    AgentFactory(username="target", password="pass-word-123")
    statuses = [
        client.post(
            reverse("login"),
            {"username": "target", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=CLIENT_A,
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post(
        reverse("login"),
        {"username": "target", "password": "pass-word-123"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT_A,
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    colleague = client.post(
        reverse("login"),
        {"username": "target", "password": "pass-word-123"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT_B,
    )
    assert colleague.status_code == 302
    assert "_auth_user_id" in client.session
