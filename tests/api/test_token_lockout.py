"""Repeated wrong passwords on the token endpoint lock the username out (django-axes), like the login page."""

from django.test import override_settings
from rest_framework.test import APIClient


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_the_token_endpoint_locks_out_password_guessing(agent):
    client = APIClient(REMOTE_ADDR="127.0.0.66")
    guess = {"username": "alice", "password": "guess"}
    statuses = [client.post("/api/v1/auth/token/", guess, format="json").status_code for _ in range(5)]
    right = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pass-word-123"}, format="json")
    assert statuses == [400] * 5
    assert right.status_code == 400  # locked out: the right password no longer gets a token
    assert "token" not in right.json()
    other = APIClient(REMOTE_ADDR="127.0.0.67")  # lockout is per username and address
    assert other.post("/api/v1/auth/token/", {"username": "alice", "password": "pass-word-123"}).status_code == 200
