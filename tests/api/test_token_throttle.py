"""The token endpoint has its own, stricter throttle (password guessing)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture
def strict_token_rate(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import ScopedRateThrottle

    previous = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    keys = ["throttle_token_127.0.0.1", "throttle_anon_127.0.0.1"]
    cache.delete_many(keys)
    yield
    ScopedRateThrottle.THROTTLE_RATES = previous
    cache.delete_many(keys)


def test_token_requests_are_throttled(db, agent, strict_token_rate):
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"}, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
