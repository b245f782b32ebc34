"""Repeated wrong passwords on the token endpoint lock the username out (django-axes), like the login page,
per username and client address (config.client_ip), whatever the client sends in X-Forwarded-For."""

from axes.models import AccessAttempt
from django.test import override_settings
from rest_framework.authtoken.models import Token
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


PROXY = "10.0.0.2"  # the TLS proxy: every proxied request arrives from it
CLIENT_A = "198.51.100.10"
CLIENT_B = "198.51.100.20"
RIGHT = {"username": "alice", "password": "pass-word-123"}
GUESS = {"username": "alice", "password": "guess"}


def post_token(data, *, remote_addr=PROXY, forwarded_for=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return APIClient().post("/api/v1/auth/token/", data, format="json", **headers)


def locked_addresses() -> set[str]:
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_a_lockout_holds_the_guessing_client_not_everyone(agent):
    statuses = [post_token(GUESS, forwarded_for=CLIENT_A).status_code for _ in range(5)]
    locked = post_token(RIGHT, forwarded_for=CLIENT_A)
    assert statuses == [400] * 5
    assert (locked.status_code, "token" in locked.json()) == (400, False)
    assert locked_addresses() == {CLIENT_A}
    colleague = post_token(RIGHT, forwarded_for=CLIENT_B)  # same proxy address, another client
    assert colleague.status_code == 200
    assert colleague.json()["token"]


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_a_client_sent_forwarded_for_does_not_escape_the_lockout(agent):
    statuses = [post_token(GUESS, remote_addr=CLIENT_A, forwarded_for=f"203.0.113.{i}").status_code for i in range(5)]
    fresh_header = post_token(RIGHT, remote_addr=CLIENT_A, forwarded_for="203.0.113.99")
    assert statuses == [400] * 5
    assert (fresh_header.status_code, "token" in fresh_header.json()) == (400, False)
    assert locked_addresses() == {CLIENT_A}
    assert not Token.objects.filter(user=agent).exists()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=1)
def test_a_spoofed_forwarded_chain_counts_only_the_address_the_proxy_appended(agent):
    # The attacker at CLIENT_B claims to be CLIENT_A; the proxy appends CLIENT_B, which is what counts.
    statuses = [post_token(GUESS, forwarded_for=f"{CLIENT_A}, {CLIENT_B}").status_code for _ in range(5)]
    assert statuses == [400] * 5
    assert locked_addresses() == {CLIENT_B}
    another_lie = post_token(RIGHT, forwarded_for=f"203.0.113.7, {CLIENT_B}")
    assert (another_lie.status_code, "token" in another_lie.json()) == (400, False)
    victim = post_token(RIGHT, forwarded_for=CLIENT_A)  # the address the attacker named is not locked
    assert victim.status_code == 200
