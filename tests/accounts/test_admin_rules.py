"""The admin obeys the product's rules: target writes audited, reviews not deletable, users with history kept."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import AuditEvent, User
from accounts.services import token_obtain, user_deactivate, user_delete
from kpis.models import Scope, Target
from kpis.reviews.models import Review
from kpis.reviews.services import review_create
from kpis.services import target_save
from tests.factories import TicketFactory

JAN_1 = dt.date(2026, 1, 1)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def team_target(team, leader):
    return target_save(
        target=Target(kpi="csat", scope=Scope.TEAM, team=team, value=80, effective_from=JAN_1), set_by=leader
    )


def target_form(target: Target, **changes) -> dict:
    data = {
        "kpi": target.kpi,
        "statistic": target.statistic,
        "scope": target.scope,
        "team": target.team_id or "",
        "agent": target.agent_id or "",
        "channel": target.channel,
        "effective_from": target.effective_from.isoformat(),
        "effective_to": target.effective_to.isoformat() if target.effective_to else "",
        "value": target.value,
        "stretch": target.stretch if target.stretch is not None else "",
        "rationale": target.rationale,
        "set_by": target.set_by_id or "",
    }
    return {**data, **changes}


# Targets


def test_an_admin_change_of_a_target_is_audited(admin_client, team_target):
    response = admin_client.post(f"/admin/kpis/target/{team_target.pk}/change/", target_form(team_target, value=85))
    assert response.status_code == 302
    team_target.refresh_from_db()
    assert team_target.value == 85
    event = AuditEvent.objects.get(action="target.updated")
    assert (event.actor_label, event.object_id) == ("root", str(team_target.pk))
    assert (event.before["value"], event.after["value"]) == (80, 85)


def test_an_admin_create_of_a_target_is_audited(admin_client, team):
    form = {
        "kpi": "csat",
        "statistic": "mean",
        "scope": Scope.TEAM,
        "team": team.pk,
        "channel": "",
        "effective_from": "2026-02-01",
        "value": 90,
        "rationale": "Pilot",
    }
    assert admin_client.post("/admin/kpis/target/add/", form).status_code == 302
    target = Target.objects.get()
    event = AuditEvent.objects.get(action="target.created")
    assert (event.actor_label, event.object_id, event.after["value"]) == ("root", str(target.pk), 90)
    assert target.set_by.username == "root"


def test_a_refused_admin_change_writes_nothing(admin_client, team_target):
    # Effective_to before effective_from: the form answers a field error, the service is never reached.
    form = target_form(team_target, value=99, effective_to="2025-01-01")
    response = admin_client.post(f"/admin/kpis/target/{team_target.pk}/change/", form)
    assert response.status_code == 200
    team_target.refresh_from_db()
    assert team_target.value == 80
    assert not AuditEvent.objects.filter(action="target.updated").exists()


def test_an_admin_delete_of_a_target_is_audited(admin_client, team_target):
    response = admin_client.post(f"/admin/kpis/target/{team_target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Target.objects.exists()
    event = AuditEvent.objects.get(action="target.deleted")
    assert (event.actor_label, event.before["value"], event.after) == ("root", 80, None)


def test_the_bulk_delete_of_targets_is_audited_one_by_one(admin_client, team_target, other_team, leader):
    other = target_save(
        target=Target(kpi="csat", scope=Scope.TEAM, team=other_team, value=70, effective_from=JAN_1), set_by=leader
    )
    response = admin_client.post(
        "/admin/kpis/target/",
        {"action": "delete_selected", "_selected_action": [team_target.pk, other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Target.objects.exists()
    deleted = AuditEvent.objects.filter(action="target.deleted", actor_label="root")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted([str(team_target.pk), str(other.pk)])


# Reviews


@pytest.fixture
def review(agent, leader):
    return review_create(author=leader, agent=agent, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31))


def test_an_admin_cannot_delete_a_review(admin_client, review):
    assert admin_client.get(f"/admin/reviews/review/{review.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/reviews/review/{review.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()


def test_the_review_list_offers_no_bulk_delete(admin_client, review):
    page = admin_client.get("/admin/reviews/review/")
    assert page.status_code == 200
    assert "delete_selected" not in page.content.decode()
    admin_client.post(
        "/admin/reviews/review/", {"action": "delete_selected", "_selected_action": [review.pk], "post": "yes"}
    )
    assert Review.objects.filter(pk=review.pk).exists()


# Users with history


def test_deleting_a_user_with_audit_events_keeps_the_trail(postgres, admin_client, team_target, leader):
    leader_pk = leader.pk
    response = admin_client.post(f"/admin/accounts/user/{leader_pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=leader_pk).exists()
    event = AuditEvent.objects.get(action="target.created")
    assert (event.actor_id, event.actor_label) == (leader_pk, "lena")  # the row was never rewritten
    # Readers that join the user (as the review trail does) see no user, and show the label.
    assert AuditEvent.objects.select_related("actor").get(pk=event.pk).actor is None
    deleted = AuditEvent.objects.get(action="user.deleted")
    assert (deleted.actor_label, deleted.object_id, deleted.before["username"]) == ("root", str(leader_pk), "lena")
    team_target.refresh_from_db()
    assert team_target.set_by_id is None


def test_the_delete_service_keeps_the_trail(postgres, admin_user, team_target, leader):
    leader_pk = leader.pk
    user_delete(user=leader, actor=admin_user)
    assert not User.objects.filter(pk=leader_pk).exists()
    assert AuditEvent.objects.filter(actor_id=leader_pk, actor_label="lena").count() == 1
    # The trail of a deleted user still lists, with its label, in the admin.
    client = Client()
    client.force_login(admin_user)
    event = AuditEvent.objects.get(action="target.created")
    page = client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert "lena" in page.content.decode()


def test_deleting_an_agent_removes_their_targets_through_the_audited_service(admin_user, agent):
    target = target_save(
        target=Target(kpi="aht", scope=Scope.AGENT, agent=agent, value=400, effective_from=JAN_1), set_by=admin_user
    )
    user_delete(user=agent, actor=admin_user)
    assert not Target.objects.exists()
    assert AuditEvent.objects.filter(action="target.deleted", object_id=str(target.pk), actor_label="root").exists()


def test_a_user_with_records_in_their_name_is_not_deleted(admin_user, agent):
    TicketFactory(agent=agent, team=agent.team)
    with pytest.raises(ValidationError, match="Deactivate the account instead"):
        user_delete(user=agent, actor=admin_user)
    assert User.objects.filter(pk=agent.pk).exists()
    assert not AuditEvent.objects.filter(action="user.deleted").exists()


def test_the_admin_suggests_deactivation_when_a_user_cant_be_deleted(admin_client, agent, review, leader):
    for user in (agent, leader):  # records as agent, reviews as author
        page = admin_client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
        assert page.status_code == 200
        assert "Deactivate selected users" in page.content.decode()
        assert User.objects.filter(pk=user.pk).exists()
    assert not AuditEvent.objects.filter(action="user.deleted").exists()


def test_the_deactivate_action_keeps_the_user_and_ends_access(admin_client, agent, leader, review):
    token_obtain(user=agent)
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [agent.pk, leader.pk]}, follow=True
    )
    assert "2 user(s) deactivated" in response.content.decode()
    assert list(User.objects.filter(pk__in=[agent.pk, leader.pk]).values_list("is_active", flat=True)) == [False] * 2
    assert not Token.objects.filter(user=agent).exists()
    assert Review.objects.filter(pk=review.pk, author=leader, agent=agent).exists()
    event = AuditEvent.objects.get(action="user.deactivated", object_id=str(agent.pk))
    assert (event.actor_label, event.before["is_active"], event.after["is_active"]) == ("root", True, False)


def test_an_admin_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [admin_user.pk]}, follow=True
    )
    assert "You can&#x27;t deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active
    with pytest.raises(ValidationError):
        user_deactivate(user=admin_user, actor=admin_user)
