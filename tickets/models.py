"""Helpdesk tickets, as the helpdesk knows them (its `external_id`)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Role


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


SOLVED_STATUSES = (Status.SOLVED, Status.CLOSED)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class BusinessSecondsSource(models.TextChoices):
    NONE = "", "Not computed"
    PULSE = "pulse", "Pulse, from the team's schedule"
    HELPDESK = "helpdesk", "The helpdesk's own business-hours figures"


class Ticket(models.Model):
    external_id = models.CharField(max_length=255, unique=True, help_text="The helpdesk's id for this ticket.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    category = models.CharField(max_length=100, blank=True, help_text="Case type.")
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    agent = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text="The team that owned the ticket when it was handled; kept if the agent moves.",
    )
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    handle_time_seconds = models.IntegerField(
        null=True, blank=True, help_text="Talk + hold + after-contact work, in seconds."
    )
    agent_replies = models.IntegerField(default=0, help_text="Agent interactions until solved.")
    reopened_count = models.IntegerField(default=0)
    # Business-hours durations (issue "Time KPIs as leaders measure them"): seconds within the team's opening
    # hours from created_at to first_response_at and to solved_at. Computed at ingestion from the team's
    # schedule (source "pulse"), or kept as the helpdesk gave them (source "helpdesk").
    first_response_business_seconds = models.IntegerField(
        null=True, blank=True, help_text="Seconds within business hours from created to first response."
    )
    resolution_business_seconds = models.IntegerField(
        null=True, blank=True, help_text="Seconds within business hours from created to solved."
    )
    business_seconds_source = models.CharField(
        max_length=16,
        choices=BusinessSecondsSource.choices,
        blank=True,
        default="",
        help_text="Who computed the business-hours durations: Pulse from the team's schedule, or the helpdesk.",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="The account (requester's organisation) the ticket was for.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="ticket_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="ticket_priority_valid"),
            models.CheckConstraint(
                condition=Q(solved_at__isnull=True) | Q(solved_at__gte=F("created_at")),
                name="ticket_solved_not_before_created",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=F("created_at")),
                name="ticket_first_response_not_before_created",
            ),
            models.CheckConstraint(
                condition=Q(handle_time_seconds__isnull=True) | Q(handle_time_seconds__gte=0),
                name="ticket_handle_time_non_negative",
            ),
            models.CheckConstraint(condition=Q(agent_replies__gte=0), name="ticket_agent_replies_non_negative"),
            models.CheckConstraint(condition=Q(reopened_count__gte=0), name="ticket_reopened_non_negative"),
            models.CheckConstraint(
                condition=Q(first_response_business_seconds__isnull=True) | Q(first_response_business_seconds__gte=0),
                name="ticket_first_response_business_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(resolution_business_seconds__isnull=True) | Q(resolution_business_seconds__gte=0),
                name="ticket_resolution_business_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "created_at"], name="ticket_team_created"),
            models.Index(fields=["team", "solved_at"], name="ticket_team_solved"),
            models.Index(fields=["team", "first_response_at"], name="ticket_team_first_response"),
            models.Index(fields=["agent", "created_at"], name="ticket_agent_created"),
            models.Index(fields=["agent", "solved_at"], name="ticket_agent_solved"),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.external_id}"

    def clean(self) -> None:
        """Field-level errors for the rules the database also enforces."""
        errors: dict[str, str] = {}
        for name in ("created_at", "first_response_at", "solved_at"):
            value = getattr(self, name)
            if isinstance(value, datetime.datetime) and timezone.is_naive(value):
                errors[name] = "Give a time-zone offset (ISO 8601, e.g. 2026-01-31T09:00:00+01:00)."
        if "created_at" not in errors and isinstance(self.created_at, datetime.datetime):
            for name in ("first_response_at", "solved_at"):
                value = getattr(self, name)
                if name not in errors and isinstance(value, datetime.datetime) and value < self.created_at:
                    errors[name] = f"{name} cannot be before created_at."
        if isinstance(self.handle_time_seconds, int) and self.handle_time_seconds < 0:
            errors["handle_time_seconds"] = "Handle time cannot be negative."
        if isinstance(self.agent_replies, int) and self.agent_replies < 0:
            errors["agent_replies"] = "Agent replies cannot be negative."
        if isinstance(self.reopened_count, int) and self.reopened_count < 0:
            errors["reopened_count"] = "Reopened count cannot be negative."
        if self.agent_id is not None and self.agent is not None and self.agent.role != Role.AGENT:
            errors["agent"] = "A ticket's assignee must be an agent."
        if errors:
            raise ValidationError(errors)


class ImportRun(models.Model):
    """One CSV import started from the imports page: its file, options, progress and result."""

    class Kind(models.TextChoices):
        TICKETS = "tickets", "Tickets"
        SURVEYS = "surveys", "Survey responses"
        CUSTOMERS = "customers", "Customers"

    class RunStatus(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        PARTIAL = "partial", "Stopped part-way (earlier rows kept)"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_runs"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    profile = models.CharField(max_length=32, blank=True, help_text="A built-in profile; empty with a mapping file.")
    mapping_file = models.FileField(upload_to="imports/mappings/", blank=True)
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255, blank=True)
    create_missing = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    # All or nothing: one refused row and the whole file is rolled back (the shell's --strict).
    strict = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, blank=True, help_text="Overrides the profile's time zone.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    message = models.TextField(blank=True, help_text="Why the run stopped or failed, what is kept, how to resume.")
    stopped_at_line = models.PositiveIntegerField(
        null=True, blank=True, help_text="The line of the file the run stopped at, when it stopped part-way."
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    errors_file = models.FileField(upload_to="imports/errors/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the uploaded files were deleted (after the retention period)."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["tickets", "surveys", "customers"]), name="import_run_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.kind} ({self.get_status_display()})"

    @property
    def rows_imported(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_unchanged

    @property
    def is_finished(self) -> bool:
        return self.status in (self.RunStatus.SUCCEEDED, self.RunStatus.PARTIAL, self.RunStatus.FAILED)

    @property
    def percent_done(self) -> int:
        if not self.rows_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


# The helpdesk connectors' models live in their package; importing them here registers them with the app.
from .connectors.models import Connection, SyncRun  # noqa: E402, F401
