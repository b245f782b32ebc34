"""Coaching reviews (SPEC §6): a leader's review of one agent over a period, its SMART goals,
the KPI-pitfalls checklist, the frozen KPI summary, amendments, the audit trail and in-app
notifications. Workflows live in `services.py`; who may see what in `accounts/scoping.py`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from kpis.formatting import NO_VALUE, format_date, format_period, format_target
from kpis.models import FiniteFloatField, Statistic, target_comparison_text
from kpis.registry import KPIS

GOAL_KPI_CHOICES = [(code, kpi.name) for code, kpi in KPIS.items() if kpi.has_target]
PITFALL_NUMBERS = range(1, 6)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SHARED = "shared", "Shared"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class ReviewAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Edited"
    GOAL_ADDED = "goal_added", "Goal added"
    GOAL_UPDATED = "goal_updated", "Goal edited"
    GOAL_REMOVED = "goal_removed", "Goal removed"
    PITFALL_CONFIRMED = "pitfall_confirmed", "Pitfall answered"
    SHARED = "shared", "Shared"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    AMENDED = "amended", "Amended"


class Review(models.Model):
    """One coaching review of an agent for a period, by a leader (its author)."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    # The agent's team when the review was started: HR filters by it even after the agent moves.
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_authored")
    period_start = models.DateField("period start")
    period_end = models.DateField("period end", help_text="Inclusive.")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    strengths = models.TextField(blank=True, help_text="What the agent does well, with examples.")
    improvement_areas = models.TextField(
        "improvement areas", blank=True, help_text="What to work on next, and why it matters."
    )
    notes = models.TextField(blank=True, help_text="Anything else the agent should read.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_comment = models.TextField("acknowledgement comment", blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="review_period_ordered"),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.DRAFT) | Q(shared_at__isnull=False), name="review_shared_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="review_acknowledged_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="review_team_status"),
            models.Index(fields=["agent", "status"], name="review_agent_status"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.agent} for {format_period(self.period_start, self.period_end)}"

    def get_absolute_url(self) -> str:
        return reverse("review_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == ReviewStatus.DRAFT

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period ends before it starts."
        if self.agent_id and self.agent.role != "agent":
            errors["agent"] = "Reviews are written for agents only."
        if errors:
            raise ValidationError(errors)


class ReviewKpi(models.Model):
    """One KPI of a shared review's summary, frozen at share time (later snapshots never change it)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="kpi_summary")
    kpi = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField()
    value = models.FloatField(null=True)
    numerator = models.FloatField()
    denominator = models.BigIntegerField()
    sample_size = models.BigIntegerField()
    low_confidence = models.BooleanField()
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    target_value = models.FloatField(null=True)
    stretch_value = models.FloatField(null=True)
    status = models.CharField(max_length=16)
    previous_value = models.FloatField(null=True)
    change = models.FloatField(null=True)
    trend = models.CharField(max_length=8, blank=True)
    # A time KPI: the median and p90 of its records' durations in seconds (merged from the daily distributions)
    # and the records they rest on, frozen with the figures; null for other KPIs and in summaries frozen before
    # distributions were stored (they render without them).
    median_seconds = models.FloatField(null=True, blank=True)
    p90_seconds = models.FloatField(null=True, blank=True)
    distribution_count = models.BigIntegerField(null=True, blank=True)
    # The statistic the target judged (`kpis.models.Statistic`); empty in older summaries: the mean.
    target_statistic = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["review", "position"]
        constraints = [models.UniqueConstraint(fields=["review", "kpi"], name="review_kpi_unique")]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value}"

    @property
    def name(self) -> str:
        return KPIS[self.kpi].name

    @property
    def has_quantiles(self) -> bool:
        """Whether the summary froze a median and p90 (time KPIs, shared since distributions are stored)."""
        return self.distribution_count is not None

    @property
    def target_label(self) -> str:
        """The frozen target as a comparison naming a median or p90: "≤ 5 min", "median ≤ 1 h"; "—" without one."""
        if self.target_value is None:
            return NO_VALUE
        return target_comparison_text(self.kpi, self.target_value, self.target_statistic or Statistic.MEAN)


class Goal(models.Model):
    """A SMART goal of a review: a KPI and a target value to reach by a due date, and what it means."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="goals")
    kpi = models.CharField(
        "KPI", max_length=32, choices=GOAL_KPI_CHOICES, blank=True, help_text="Leave empty for a goal without a KPI."
    )
    target_value = FiniteFloatField("target value", null=True, blank=True)
    due_date = models.DateField("due date")
    description = models.TextField(help_text="Specific and measurable: what the agent will do, and how.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        if self.kpi and self.target_value is not None:
            return f"{KPIS[self.kpi].name} {self.target_label} by {format_date(self.due_date)}"
        return f"{self.description[:60]} by {format_date(self.due_date)}"

    @property
    def is_tracked(self) -> bool:
        return bool(self.kpi) and self.target_value is not None

    @property
    def target_label(self) -> str:
        """“≥ 85.0 %” / “≤ 5 min”: the value in its unit, in the direction the goal must be met in."""
        return format_target(self.kpi, self.target_value) if self.is_tracked else ""

    def clean(self) -> None:
        errors = {}
        if self.kpi and self.target_value is None:
            errors["target_value"] = "Give the target value this KPI should reach."
        if self.target_value is not None and not self.kpi:
            errors["kpi"] = "Choose the KPI this target value is for."
        kpi = KPIS.get(self.kpi) if self.kpi else None
        if kpi is not None and (error := kpi.target_errors(self.target_value).get("value")):
            errors["target_value"] = error  # the same scale as a target's (the registry's)
        if self.review_id and self.due_date and self.due_date <= self.review.period_end:
            errors["due_date"] = (
                f"A goal is due after the reviewed period, which ends on {format_date(self.review.period_end)}."
            )
        if errors:
            raise ValidationError(errors)


class ReviewPitfall(models.Model):
    """One of the five KPI pitfalls for a review: its automatic signal (frozen at share time),
    and the author's confirmation with a note."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pitfalls")
    number = models.PositiveSmallIntegerField(choices=[(n, f"Pitfall {n}") for n in PITFALL_NUMBERS])
    title = models.CharField(max_length=200)
    # Frozen at share time; empty while the review is a draft (pages then show the live signal).
    triggered = models.BooleanField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    advice = models.TextField(blank=True)
    confirmed = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="review_pitfall_unique"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=5), name="review_pitfall_number_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class ReviewAmendment(models.Model):
    """A correction to a shared review, recorded beside it; the original text is never changed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} of review {self.review_id}"


class ReviewEvent(models.Model):
    """The audit trail: every change of a review, with who and when."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=ReviewAction.choices)
    from_status = models.CharField(max_length=16, choices=ReviewStatus.choices)
    to_status = models.CharField(max_length=16, choices=ReviewStatus.choices)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class NotificationKind(models.TextChoices):
    REVIEW_SHARED = "review_shared", "Review shared with you"
    REVIEW_ACKNOWLEDGED = "review_acknowledged", "Review acknowledged"
    REVIEW_AMENDED = "review_amended", "Review amended"


class Notification(models.Model):
    """An in-app notice for one user about one review; read when the user opens the review."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.message
