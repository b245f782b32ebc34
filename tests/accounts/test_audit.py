"""The audit trail: target changes recorded with before/after; events are append-only."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from accounts.models import AuditEvent
from kpis.models import Scope, Target
from kpis.services import target_delete, target_save


def test_target_create_update_delete_are_audited(team, leader):
    target = target_save(
        target=Target(kpi="csat", scope=Scope.TEAM, team=team, value=80, effective_from=dt.date(2026, 1, 1)),
        set_by=leader,
    )
    target.value = 85
    target_save(target=target, set_by=leader)
    target_delete(target=target, actor=leader)
    events = list(AuditEvent.objects.order_by("pk"))
    assert [e.action for e in events] == ["target.created", "target.updated", "target.deleted"]
    assert all(e.actor == leader and e.actor_label == "lena" for e in events)
    assert events[0].before is None and events[0].after["value"] == 80
    assert (events[1].before["value"], events[1].after["value"]) == (80, 85)
    assert events[1].after["effective_from"] == "2026-01-01"
    assert events[2].before["team"] == team.pk and events[2].after is None


def test_refused_target_writes_no_audit_event(team, leader):
    with pytest.raises(ValidationError) as refused:  # volume is counted, never targeted
        target_save(
            target=Target(kpi="volume", scope=Scope.ORG, value=1, effective_from=dt.date(2026, 1, 1)), set_by=leader
        )
    assert list(refused.value.message_dict) == ["kpi"]
    assert AuditEvent.objects.count() == 0


def test_audit_events_are_append_only(team, leader):
    target_save(target=Target(kpi="csat", scope=Scope.ORG, value=80, effective_from=dt.date(2026, 1, 1)), set_by=leader)
    event = AuditEvent.objects.get()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_database_refuses_updates_of_the_audit_trail(postgres, team, leader):
    target_save(target=Target(kpi="csat", scope=Scope.ORG, value=80, effective_from=dt.date(2026, 1, 1)), set_by=leader)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    assert AuditEvent.objects.get().action == "target.created"


def test_review_changes_exports_and_imports_are_audited(client, team, agent, leader, hr, tmp_path):
    from kpis.reviews.services import review_create, review_update
    from tickets.importing.profiles import profile_load
    from tickets.importing.service import rows_import

    review = review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    review_update(review=review, actor=leader, strengths="Calm on the phone")
    created, updated = AuditEvent.objects.filter(object_type="reviews.review").order_by("pk")
    assert (created.action, updated.action) == ("review.created", "review.updated")
    assert (updated.before["strengths"], updated.after["strengths"]) == ("", "Calm on the phone")

    client.force_login(hr)
    assert client.get("/reviews/export/?format=csv").status_code == 200
    export = AuditEvent.objects.get(action="reviews.export.csv")
    assert (export.actor, export.after["reviews"]) == (hr, 0)

    csv_file = tmp_path / "surveys.csv"
    csv_file.write_text(
        "external_id,agent_email,kind,score,responded_at\nS-1,alice@example.com,csat,5,2026-03-02T10:00:00+00:00\n"
    )
    rows_import(path=csv_file, profile=profile_load(name_or_path="pulse", kind="surveys"), actor=leader)
    imported = AuditEvent.objects.get(action="import.surveys")
    assert (imported.actor, imported.after["created"], imported.after["failed"]) == (leader, 1, 0)
