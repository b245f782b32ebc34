"""API tokens rotate and revoke through the API; only the caller's own token, never someone else's."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.services import token_obtain

ROTATE = "/api/v1/auth/token/rotate/"
TOKEN = "/api/v1/auth/token/"


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def me_status(key: str) -> int:
    return with_token(key).get("/api/v1/users/me/").status_code


def test_rotate_answers_a_new_token_and_retires_the_old(agent):
    old = token_obtain(user=agent).key
    response = with_token(old).post(ROTATE)
    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old and Token.objects.get(user=agent).key == new
    assert (me_status(old), me_status(new)) == (401, 200)
    assert AuditEvent.objects.filter(action="token.rotated", object_id=str(agent.pk), actor_label="alice").exists()


def test_rotate_with_a_session_creates_the_first_token(agent):
    client = APIClient()
    client.force_login(agent)
    response = client.post(ROTATE)
    assert response.status_code == 201
    assert me_status(response.json()["token"]) == 200
    assert AuditEvent.objects.filter(action="token.created", object_id=str(agent.pk)).count() == 1


def test_delete_revokes_the_callers_token(agent):
    key = token_obtain(user=agent).key
    response = with_token(key).delete(TOKEN)
    assert response.status_code == 204
    assert not Token.objects.filter(user=agent).exists()
    assert me_status(key) == 401
    assert AuditEvent.objects.filter(action="token.revoked", object_id=str(agent.pk)).count() == 1


def test_anonymous_callers_can_neither_rotate_nor_revoke(agent):
    key = token_obtain(user=agent).key
    assert APIClient().post(ROTATE).status_code == 401
    assert APIClient().delete(TOKEN).status_code == 401
    assert with_token("0" * 40).delete(TOKEN).status_code == 401
    assert Token.objects.get(user=agent).key == key
    assert not AuditEvent.objects.filter(action__in=["token.rotated", "token.revoked"]).exists()


def test_a_caller_touches_only_their_own_token(agent, other_agent):
    alices = token_obtain(user=agent).key
    bobs = token_obtain(user=other_agent).key
    bob = with_token(bobs)
    assert bob.post(ROTATE, {"user": agent.pk, "username": "alice"}, format="json").status_code == 201
    bobs_new = Token.objects.get(user=other_agent).key
    assert with_token(bobs_new).delete(TOKEN, {"user": agent.pk}, format="json").status_code == 204
    assert Token.objects.get(user=agent).key == alices
    assert me_status(alices) == 200
    assert not AuditEvent.objects.filter(
        action__in=["token.rotated", "token.revoked"], object_id=str(agent.pk)
    ).exists()


def test_a_session_delete_without_csrf_is_refused(agent):
    key = token_obtain(user=agent).key
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.delete(TOKEN).status_code == 403
    assert client.post(ROTATE).status_code == 403
    assert Token.objects.get(user=agent).key == key


def test_the_password_exchange_audits_a_new_token_once(agent):
    client = APIClient()
    credentials = {"username": "alice", "password": "pass-word-123"}
    first = client.post(TOKEN, credentials, format="json").json()["token"]
    second = client.post(TOKEN, credentials, format="json").json()["token"]
    assert first == second
    assert AuditEvent.objects.filter(action="token.created", object_id=str(agent.pk)).count() == 1


def test_a_deactivated_users_token_stops_working(agent, admin_user):
    from accounts.services import user_deactivate

    key = token_obtain(user=agent).key
    assert user_deactivate(user=agent, actor=admin_user) is True
    assert me_status(key) == 401
    assert not Token.objects.filter(user=agent).exists()
