"""The audit trail: one service records every change of a target, review, export and import."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from config.request_id import current_request_id

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value


def audit_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """A model's field values as JSON, for the before/after of an audit event."""
    return _jsonable(model_to_dict(instance, fields=fields))


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event (who, when, what, before/after) in the caller's transaction."""
    event = audit_event(
        actor=actor,
        action=action,
        target=target,
        object_type=object_type,
        object_repr=object_repr,
        before=before,
        after=after,
    )
    event.save()
    return event


def audit_records(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append many events built by `audit_event` in one insert (a batch write audits each record)."""
    return AuditEvent.objects.bulk_create(events)


def audit_event(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """One audit event, not yet saved (see `audit_record`, `audit_records`)."""
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor.get_username() if getattr(actor, "pk", None) else "system")[:150],
        action=action,
        object_type=object_type or (target._meta.label_lower if target is not None else ""),
        object_id=str(target.pk) if target is not None and target.pk is not None else "",
        object_repr=(object_repr or (str(target) if target is not None else ""))[:255],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=current_request_id() if current_request_id() != "-" else "",
    )
