"""The audit trail: target changes recorded with before/after; events are append-only."""

import datetime as dt

import pytest
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
    with pytest.raises(Exception):  # noqa: B017 - ValidationError; what matters is nothing was written
        target_save(
            target=Target(kpi="volume", scope=Scope.ORG, value=1, effective_from=dt.date(2026, 1, 1)), set_by=leader
        )
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
