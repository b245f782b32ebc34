"""Customer survey responses: CSAT (1–5), CES (1–7), NPS (0–10)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role


class Kind(models.TextChoices):
    CSAT = "csat", "CSAT (1–5)"
    CES = "ces", "CES (1–7)"
    NPS = "nps", "NPS (0–10)"


# The one place the score ranges live: (lowest, highest) per kind.
SCORE_RANGES: dict[str, tuple[int, int]] = {Kind.CSAT: (1, 5), Kind.CES: (1, 7), Kind.NPS: (0, 10)}


def _score_range_condition() -> Q:
    condition = Q()
    for kind, (low, high) in SCORE_RANGES.items():
        condition |= Q(kind=kind, score__gte=low, score__lte=high)
    return condition


class SurveyResponse(models.Model):
    external_id = models.CharField(max_length=255, unique=True, help_text="The survey tool's id.")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    agent = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="survey_responses"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="survey_responses")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        help_text="The account the respondent belongs to.",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    score = models.IntegerField()
    comment = models.TextField(blank=True)
    responded_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-responded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="survey_kind_valid"),
            models.CheckConstraint(condition=_score_range_condition(), name="survey_score_in_range_for_kind"),
        ]
        indexes = [
            models.Index(fields=["team", "responded_at"], name="survey_team_responded"),
            models.Index(fields=["agent", "responded_at"], name="survey_agent_responded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score} ({self.external_id})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if isinstance(self.responded_at, datetime.datetime) and timezone.is_naive(self.responded_at):
            errors["responded_at"] = "Give a time-zone offset (ISO 8601, e.g. 2026-01-31T09:00:00+01:00)."
        score_range = SCORE_RANGES.get(self.kind)
        if score_range is not None and isinstance(self.score, int):
            low, high = score_range
            if not low <= self.score <= high:
                errors["score"] = f"A {self.kind.upper()} score must be between {low} and {high}."
        if self.agent_id is not None and self.agent is not None and self.agent.role != Role.AGENT:
            errors["agent"] = "A survey response's agent must be an agent."
        if errors:
            raise ValidationError(errors)
