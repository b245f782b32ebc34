"""A connection to one helpdesk account, and the history of its syncs."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .crypto import secrets_decrypt, secrets_encrypt


class HelpdeskKind(models.TextChoices):
    ZENDESK = "zendesk", "Zendesk Support"
    FRESHDESK = "freshdesk", "Freshdesk"


class Connection(models.Model):
    """One helpdesk account: where it is, how Pulse signs in (encrypted), how its groups map to teams,
    and how far its sync has read (the cursor, saved in the transaction of each written page)."""

    class SyncStatus(models.TextChoices):
        NEVER = "never", "Not synced yet"
        OK = "ok", "Up to date"
        FAILING = "failing", "Last sync failed"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=HelpdeskKind.choices)
    base_url = models.URLField(help_text="The helpdesk's address, e.g. https://acme.zendesk.com.")
    credentials_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    group_map = models.JSONField(
        default=dict, blank=True, help_text="Helpdesk group name → Pulse team slug (explicit rules win)."
    )
    match_groups_by_name = models.BooleanField(
        default=True, help_text="A group named like a Pulse team (its name or slug, any case) goes to that team."
    )
    external_id_prefix = models.CharField(
        max_length=20,
        blank=True,
        unique=True,  # two accounts' ticket 1 must never be one Pulse ticket (one account may have none)
        error_messages={
            "unique": "Another connection already uses this prefix (or none): give each helpdesk account its own, "
            "for example “fd-”, so their ticket ids never collide."
        },
        help_text="Put before every helpdesk id; empty keeps the ids of the CSV import (one account per prefix).",
    )
    history_days = models.PositiveIntegerField(default=90, help_text="Days of history the first sync reads.")
    is_active = models.BooleanField(default=True, help_text="Inactive connections are not polled.")
    # Where the ticket stream stands: Zendesk's after_cursor; Freshdesk's updated_since (ISO time).
    cursor = models.TextField(blank=True, editable=False)
    ratings_synced_until = models.DateTimeField(null=True, blank=True, editable=False)
    backfill_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEVER, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # One sync at a time: a lease taken by an UPDATE, renewed each page, expiring if its worker dies.
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    sync_requested = models.BooleanField(
        default=False, editable=False, help_text="A webhook or a click asked for a sync while one was running."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=HelpdeskKind.values), name="connection_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    # Credentials are decrypted only where a request to the helpdesk is made.
    @property
    def credentials(self) -> dict[str, str]:
        return secrets_decrypt(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, str]) -> None:
        self.credentials_encrypted = secrets_encrypt(values)

    @property
    def webhook_secret(self) -> str:
        return secrets_decrypt(self.webhook_secret_encrypted).get("secret", "")

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_encrypted = secrets_encrypt({"secret": secret}) if secret else ""

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.webhook_secret_encrypted)

    @property
    def is_syncing(self) -> bool:
        return self.lease_until is not None and self.lease_until > timezone.now()

    def history_start(self, now: dt.datetime) -> dt.datetime:
        return now - dt.timedelta(days=self.history_days)


class SyncRun(models.Model):
    """One sync of a connection: what triggered it, how far it read, and what it wrote or skipped."""

    class Trigger(models.TextChoices):
        BACKFILL = "backfill", "First sync (history)"
        POLL = "poll", "Scheduled poll"
        WEBHOOK = "webhook", "Webhook"
        MANUAL = "manual", "Sync now"

    class RunStatus(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed (what was read is kept; the next sync resumes)"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress through the helpdesk's timeline: from the run's start point to the time it started.
    reads_from = models.DateTimeField(null=True, blank=True)
    read_through = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0, help_text="Tickets read from the helpdesk.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    skipped_unmapped = models.PositiveIntegerField(
        default=0, help_text="Tickets of a helpdesk group no team is mapped to (not written)."
    )
    agents_unmatched = models.PositiveIntegerField(
        default=0, help_text="Tickets written without an agent: the assignee's e-mail is no Pulse agent's."
    )
    rejected = models.PositiveIntegerField(default=0, help_text="Tickets or ratings Pulse refused (see message).")
    responses = models.PositiveIntegerField(default=0, help_text="CSAT responses created or updated.")
    ratings_skipped = models.PositiveIntegerField(default=0, help_text="Ratings of tickets not in Pulse.")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["connection", "-started_at"], name="sync_run_connection_started")]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.connection_id} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.RunStatus.RUNNING

    @property
    def percent_done(self) -> int:
        """How far through the helpdesk's timeline the run has read (100 once it finished)."""
        if self.status == self.RunStatus.SUCCEEDED:
            return 100
        if self.reads_from is None or self.read_through is None or self.started_at <= self.reads_from:
            return 0
        span = (self.started_at - self.reads_from).total_seconds()
        done = (self.read_through - self.reads_from).total_seconds()
        return max(0, min(99, int(100 * done / span)))
