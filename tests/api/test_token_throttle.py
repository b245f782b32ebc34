"""The token endpoint has its own, stricter throttle (password guessing), keyed on the client address."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

PROXY = "10.0.0.2"  # the TLS proxy: every proxied request arrives from it
CLIENT_A = "198.51.100.10"
CLIENT_B = "198.51.100.20"
ADDRESSES = ["127.0.0.1", PROXY, CLIENT_A, CLIENT_B] + [f"203.0.113.{i}" for i in range(5)]
GUESS = {"username": "alice", "password": "wrong"}


@pytest.fixture
def strict_token_rate(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import ScopedRateThrottle

    previous = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    keys = [f"throttle_{scope}_{address}" for scope in ("token", "anon") for address in ADDRESSES]
    cache.delete_many(keys)
    yield
    ScopedRateThrottle.THROTTLE_RATES = previous
    cache.delete_many(keys)


def post_token(*, remote_addr="127.0.0.1", forwarded_for=None) -> int:
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return APIClient().post("/api/v1/auth/token/", GUESS, format="json", **headers).status_code


def test_token_requests_are_throttled(db, agent, strict_token_rate):
    assert [post_token() for _ in range(4)] == [400, 400, 400, 429]


def test_without_a_trusted_proxy_a_new_forwarded_for_per_request_is_still_throttled(
    db, agent, strict_token_rate, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [post_token(forwarded_for=f"203.0.113.{i}") for i in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert cache.get("throttle_token_203.0.113.0") is None  # the header never became an identity


def test_behind_the_proxy_each_client_has_its_own_budget(db, agent, strict_token_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client at CLIENT_A prepends a new lie each time; the proxy appends CLIENT_A, which is what counts.
    statuses = [post_token(remote_addr=PROXY, forwarded_for=f"203.0.113.{i}, {CLIENT_A}") for i in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert post_token(remote_addr=PROXY, forwarded_for=CLIENT_B) == 400  # another client behind the same proxy
    assert cache.get(f"throttle_token_{PROXY}") is None
