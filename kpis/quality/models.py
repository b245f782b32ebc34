"""Conversation quality reviews (issue #19): rubrics and their versions, reviewers, reviews of tickets
with one score per category, weekly sampled assignments, calibration sessions and disputes.

Writes live in `services.py`, reads in `selectors.py`, the scoring rules in `scoring.py`, and who may
see or do what in `accounts/scoping.py`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from kpis.formatting import format_date


class RatingScale(models.TextChoices):
    BINARY = "binary", "Yes / no"
    THREE = "3", "3-point"
    FOUR = "4", "4-point"
    FIVE = "5", "5-point"


# The number of ratings on each scale (ratings run 1..k; binary: 1 = no, 2 = yes).
SCALE_POINTS: dict[str, int] = {RatingScale.BINARY: 2, RatingScale.THREE: 3, RatingScale.FOUR: 4, RatingScale.FIVE: 5}


def rating_choices(scale: str) -> list[tuple[int, str]]:
    if scale == RatingScale.BINARY:
        return [(1, "No"), (2, "Yes")]
    return [(r, f"{r} of {SCALE_POINTS[scale]}") for r in range(1, SCALE_POINTS[scale] + 1)]


class Rubric(models.Model):
    """A named rubric of a team (leaders) or of the whole organisation (team empty; admins)."""

    name = models.CharField(max_length=120)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rubrics",
        help_text="Empty: an org-wide rubric (admins).",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"],
                name="rubric_name_unique_per_team",
                violation_error_message="This team already has a rubric of this name.",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(team__isnull=True),
                name="rubric_name_unique_org",
                violation_error_message="An org-wide rubric of this name exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("quality:rubric_detail", kwargs={"pk": self.pk})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class RubricVersion(models.Model):
    """One version of a rubric: edited while a draft, immutable once published, later superseded."""

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["rubric", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "number"], name="rubric_version_number_unique"),
            models.UniqueConstraint(fields=["rubric"], condition=Q(status="draft"), name="rubric_one_draft_version"),
            models.UniqueConstraint(
                fields=["rubric"], condition=Q(status="published"), name="rubric_one_published_version"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="rubric_version_published_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rubric} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class RubricCategory(models.Model):
    """A weighted category of a rubric version, rated on its scale; a critical one can auto-fail a review."""

    version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="categories")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="What a reviewer looks for; what each rating means.")
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Points possible of this category (1–100).",
    )
    scale = models.CharField(max_length=8, choices=RatingScale.choices, default=RatingScale.FIVE)
    allows_not_applicable = models.BooleanField(
        "N/A allowed", default=False, help_text="A reviewer may mark it not applicable (left out of the points)."
    )
    is_critical = models.BooleanField(
        "critical", default=False, help_text="Its lowest rating sets the whole review to 0 (an auto-fail)."
    )

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="rubric_category_name_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="rubric_category_weight_1_100"),
            models.CheckConstraint(condition=Q(scale__in=RatingScale.values), name="rubric_category_scale_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def points(self) -> int:
        return SCALE_POINTS[self.scale]

    def rating_choices(self) -> list[tuple[int, str]]:
        return rating_choices(self.scale)


class ReviewerRole(models.Model):
    """A user who reviews the tickets of a team without leading it (a QA specialist, a senior agent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_roles")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="reviewer_roles")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="reviewer_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} reviews {self.team}"


class QualityReviewKind(models.TextChoices):
    REVIEW = "review", "Review"  # counts in IQS, read by the agent once submitted
    CALIBRATION = "calibration", "Calibration score"  # a reviewer's blind score in a session
    REFERENCE = "reference", "Calibration reference"  # the score the leader settles in a session


class QualityReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SUPERSEDED = "superseded", "Re-scored"  # replaced by a re-score after an accepted dispute


class QualityReview(models.Model):
    """A reviewer's scores of one ticket against one rubric version (kept for good: a new rubric
    version never changes an old score)."""

    kind = models.CharField(max_length=16, choices=QualityReviewKind.choices, default=QualityReviewKind.REVIEW)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="quality_reviews")
    # The ticket's agent and team when reviewed: figures keep them even if the ticket is reassigned.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_reviews")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="quality_reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_reviews_written"
    )
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=16, choices=QualityReviewStatus.choices, default=QualityReviewStatus.DRAFT)
    # The ticket's solved day in its team's time zone: the day IQS counts this review on.
    work_day = models.DateField(db_index=True)
    points_earned = models.FloatField(default=0)
    points_possible = models.FloatField(default=0)
    auto_failed = models.BooleanField(default=False)
    # Kept by the dispute services: true while a dispute of this review is open, so the IQS snapshots count
    # the disputed reviews in a period (every IQS figure says "n disputed" until settled).
    under_dispute = models.BooleanField(default=False, editable=False)
    summary = models.TextField(blank=True, help_text="An overall comment for the agent.")
    assignment_item = models.ForeignKey(
        "AssignmentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    calibration = models.ForeignKey(
        "CalibrationSession", on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by",
        help_text="The score this re-score replaced after an accepted dispute.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-work_day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="quality_review_submitted_has_date"
            ),
            models.CheckConstraint(
                condition=Q(points_earned__gte=0) & Q(points_earned__lte=models.F("points_possible")),
                name="quality_review_points_in_range",
            ),
            models.CheckConstraint(
                condition=Q(kind="review", calibration__isnull=True) | Q(~Q(kind="review"), calibration__isnull=False),
                name="quality_review_calibration_matches_kind",
            ),
            # One live review of a ticket per reviewer (a re-score supersedes the old one).
            models.UniqueConstraint(
                fields=["ticket", "reviewer"],
                condition=Q(kind="review") & ~Q(status="superseded"),
                name="quality_review_one_per_ticket_reviewer",
            ),
            models.UniqueConstraint(
                fields=["calibration", "ticket", "reviewer", "kind"],
                condition=~Q(kind="review"),
                name="quality_calibration_score_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "work_day"], name="quality_review_agent_day"),
            models.Index(fields=["team", "work_day"], name="quality_review_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.ticket} by {self.reviewer}"

    def get_absolute_url(self) -> str:
        return reverse("quality:review_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == QualityReviewStatus.DRAFT

    @property
    def percent(self) -> float | None:
        if not self.points_possible:
            return None
        return self.points_earned * 100 / self.points_possible


class QualityScore(models.Model):
    """One category's rating (empty: not applicable) and comment in a review."""

    review = models.ForeignKey(QualityReview, on_delete=models.CASCADE, related_name="scores")
    category = models.ForeignKey(RubricCategory, on_delete=models.PROTECT, related_name="scores")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: not applicable.")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "category__position", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "category"], name="quality_score_one_per_category"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="quality_score_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {'N/A' if self.rating is None else self.rating}"

    def clean(self) -> None:
        if self.category_id is None:
            return
        category = self.category
        if self.rating is None and not category.allows_not_applicable:
            raise ValidationError({"rating": f"Rate “{category.name}”: it cannot be marked not applicable."})
        if self.rating is not None and not 1 <= self.rating <= category.points:
            raise ValidationError({"rating": f"“{category.name}” is rated 1 to {category.points}."})


class Stratum(models.TextChoices):
    RANDOM = "random", "Random"
    LOW_CSAT = "low_csat", "Low CSAT"
    REOPENED = "reopened", "Reopened"
    LONG_HANDLE_TIME = "long_handle_time", "Long handle time"


# The strata a leader may ask for (random fills the rest).
OPTIONAL_STRATA = (Stratum.LOW_CSAT, Stratum.REOPENED, Stratum.LONG_HANDLE_TIME)


class Assignment(models.Model):
    """A recorded weekly draw of tickets to review for a team: its parameters and seed reproduce it."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="quality_assignments")
    week_start = models.DateField(help_text="The Monday of the week whose solved tickets were drawn (team's days).")
    per_agent = models.PositiveSmallIntegerField(help_text="Tickets drawn per agent.")
    strata = models.JSONField(default=list, blank=True, help_text="Strata drawn first, one ticket each.")
    seed = models.BigIntegerField(help_text="The random seed: the same seed and data give the same draw.")
    parameters = models.JSONField(default=dict, blank=True, help_text="Thresholds the strata used.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start", "team"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "week_start"],
                name="quality_assignment_one_per_team_week",
                violation_error_message="This team's week is drawn already.",
            ),
            models.CheckConstraint(
                condition=Q(per_agent__gte=1, per_agent__lte=50), name="quality_assignment_per_agent_1_50"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} week of {format_date(self.week_start)}"

    def get_absolute_url(self) -> str:
        return reverse("quality:assignment_detail", kwargs={"pk": self.pk})


class AssignmentItem(models.Model):
    """One drawn ticket of an assignment, with the stratum it was drawn from."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="quality_assignment_items")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=20, choices=Stratum.choices)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["assignment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "ticket"], name="quality_assignment_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket} ({self.get_stratum_display()})"


class CalibrationSession(models.Model):
    """A leader's calibration: several reviewers score the same tickets blind; the leader settles references."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="calibrations")
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="calibrations")
    title = models.CharField(max_length=160)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    tickets = models.ManyToManyField("tickets.Ticket", related_name="calibrations")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibrations")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quality:calibration_detail", kwargs={"pk": self.pk})


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted (re-scored)"
    REJECTED = "rejected", "Rejected"


class Dispute(models.Model):
    """An agent's dispute of a submitted review; a leader other than the reviewer settles it."""

    review = models.ForeignKey(QualityReview, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, help_text="Why the score was changed or kept.")
    rescore = models.OneToOneField(
        QualityReview, on_delete=models.PROTECT, null=True, blank=True, related_name="dispute_rescored"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=Q(status="open"), name="quality_one_open_dispute"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(settled_at__isnull=False, settled_by__isnull=False),
                name="quality_dispute_settled_has_who_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(rescore__isnull=False), name="quality_dispute_accepted_has_rescore"
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.review} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("quality:review_detail", kwargs={"pk": self.review_id})

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN
