"""The API token page: create, rotate and revoke a token; a password change revokes it."""

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.services import token_obtain

PAGE = "/accounts/token/"


def api_status(key: str) -> int:
    """The status of an API read made with `key`."""
    return APIClient().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def token_events(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__startswith="token.", object_id=str(user.pk)).order_by("pk"))


def test_the_page_needs_a_sign_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Client().post(PAGE, {"action": "rotate"}).status_code == 302
    assert Token.objects.count() == 0


def test_the_page_creates_a_token_and_shows_it_once(client, agent):
    client.force_login(agent)
    assert "You have no API token." in client.get(PAGE).content.decode()

    created = client.post(PAGE, {"action": "rotate"})
    key = Token.objects.get(user=agent).key
    assert created.status_code == 200
    assert key in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert api_status(key) == 200

    later = client.get(PAGE).content.decode()
    assert key not in later  # never shown again
    assert "You have a token, created" in later
    [event] = token_events(agent)
    assert (event.action, event.actor_label) == ("token.created", "alice")
    assert key not in str(event.after)  # the trail records that a token changed, never the key


def test_rotating_on_the_page_retires_the_old_token(client, agent):
    old = token_obtain(user=agent).key
    client.force_login(agent)
    response = client.post(PAGE, {"action": "rotate"})
    new = Token.objects.get(user=agent).key
    assert new != old
    assert new in response.content.decode() and old not in response.content.decode()
    assert (api_status(old), api_status(new)) == (401, 200)
    assert [e.action for e in token_events(agent)] == ["token.created", "token.rotated"]


def test_revoking_on_the_page_ends_the_token(client, agent):
    key = token_obtain(user=agent).key
    client.force_login(agent)
    response = client.post(PAGE, {"action": "revoke"}, follow=True)
    assert "Your API token was revoked" in response.content.decode()
    assert not Token.objects.filter(user=agent).exists()
    assert api_status(key) == 401
    assert [e.action for e in token_events(agent)] == ["token.created", "token.revoked"]


def test_an_unknown_action_changes_nothing(client, agent):
    key = token_obtain(user=agent).key
    client.force_login(agent)
    response = client.post(PAGE, {"action": "show"}, follow=True)
    assert "Choose create, rotate or revoke." in response.content.decode()
    assert Token.objects.get(user=agent).key == key


def test_the_page_refuses_a_post_without_csrf(agent):
    key = token_obtain(user=agent).key
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(PAGE, {"action": "rotate"}).status_code == 403
    assert client.post(PAGE, {"action": "revoke"}).status_code == 403
    assert Token.objects.get(user=agent).key == key


def test_the_page_only_ever_touches_the_signed_in_users_token(client, agent, other_agent):
    bobs = token_obtain(user=other_agent).key
    client.force_login(agent)
    client.post(PAGE, {"action": "revoke", "user": other_agent.pk})
    client.post(PAGE, {"action": "rotate", "user": other_agent.pk})
    assert Token.objects.get(user=other_agent).key == bobs
    assert api_status(bobs) == 200


def test_a_password_change_on_the_page_revokes_the_token(client, agent):
    key = token_obtain(user=agent).key
    client.force_login(agent)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pass-word-123",
            "new_password1": "a-new-long-secret-9",
            "new_password2": "a-new-long-secret-9",
        },
    )
    assert response.status_code == 302
    assert api_status(key) == 401
    assert not Token.objects.filter(user=agent).exists()
    revoked = token_events(agent)[-1]
    assert (revoked.action, revoked.after["reason"]) == ("token.revoked", "password changed")


def test_a_refused_password_change_keeps_the_token(client, agent):
    key = token_obtain(user=agent).key
    client.force_login(agent)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"},
    )
    assert response.status_code == 200
    assert api_status(key) == 200


def test_the_admins_set_password_revokes_the_users_token(client, agent, admin_user):
    key = token_obtain(user=agent).key
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{agent.pk}/password/",
        {"password1": "a-new-long-secret-9", "password2": "a-new-long-secret-9"},
    )
    assert response.status_code == 302
    assert api_status(key) == 401


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
)
def test_a_rehash_at_sign_in_is_not_a_password_change(agent):
    # The stored MD5 hash is upgraded to PBKDF2 at the next sign-in: the password is the same.
    key = token_obtain(user=agent).key
    old_hash = agent.password
    assert Client().login(username="alice", password="pass-word-123")
    agent.refresh_from_db()
    assert agent.password != old_hash and agent.password.startswith("pbkdf2_sha256$")
    assert api_status(key) == 200


@pytest.mark.parametrize("path", ["/", "/accounts/password/"])
def test_the_token_page_is_linked(client, leader, path):
    client.force_login(leader)
    response = client.get(path, follow=True)
    assert f'href="{PAGE}"' in response.content.decode()
