"""Writes and actions on connections: save (credentials encrypted, audited without them), test, sync."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from accounts.audit import audit_record

from .crypto import ConnectorKeyError
from .http import HelpdeskError
from .models import Connection, SyncRun

# What the audit trail records of a connection: never its credentials or webhook secret.
AUDITED_FIELDS = (
    "name",
    "kind",
    "base_url",
    "group_map",
    "match_groups_by_name",
    "external_id_prefix",
    "history_days",
    "is_active",
)


def _audited(connection: Connection) -> dict:
    values = {name: getattr(connection, name) for name in AUDITED_FIELDS}
    values.update(has_credentials=connection.has_credentials, has_webhook_secret=connection.has_webhook_secret)
    return values


@transaction.atomic
def connection_save(
    *,
    connection: Connection,
    actor,
    email: str = "",
    api_token: str = "",
    webhook_secret: str = "",
) -> Connection:
    """Create or update a connection; blank credentials keep the saved ones. Audited (credentials never)."""
    before = _audited(Connection.objects.get(pk=connection.pk)) if connection.pk else None
    if email or api_token:
        saved = connection.credentials if connection.has_credentials else {}
        connection.set_credentials(
            {"email": email or saved.get("email", ""), "api_token": api_token or saved.get("api_token", "")}
        )
    if webhook_secret:
        connection.set_webhook_secret(webhook_secret)
    connection.full_clean()
    address_changed = before is not None and before["base_url"] != connection.base_url
    if address_changed:  # another account: its cursor means nothing here
        connection.cursor, connection.backfill_completed_at, connection.ratings_synced_until = "", None, None
    connection.save()
    audit_record(
        actor=actor,
        action="connection.create" if before is None else "connection.update",
        target=connection,
        before=before,
        after=_audited(connection),
    )
    return connection


@dataclass
class CheckResult:
    ok: bool
    message: str
    groups: list[tuple[str, str | None]] = field(default_factory=list)  # (helpdesk group, Pulse team or None)


def connection_check(*, connection: Connection) -> CheckResult:
    """Call the helpdesk with the saved credentials: who Pulse is signed in as, and where each group goes."""
    from .sync import TeamRules, helpdesk_for

    try:
        found = helpdesk_for(connection, sleep=lambda seconds: None).check()
    except (HelpdeskError, ConnectorKeyError) as error:
        return CheckResult(ok=False, message=str(getattr(error, "message", error)))
    rules = TeamRules(connection)
    groups = [(name, (team.name if (team := rules.team_for(name)) else None)) for name in found.groups]
    return CheckResult(ok=True, message=f"Connected as {found.account}.", groups=groups)


def connection_sync_request(*, connection: Connection, trigger: str = SyncRun.Trigger.MANUAL) -> None:
    """Enqueue a sync after the caller's transaction commits (a running sync goes round once more)."""
    from .tasks import connection_sync_task

    transaction.on_commit(lambda: connection_sync_task.delay(connection.pk, trigger))
