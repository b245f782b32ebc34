"""A weekly schedule per team (or the one org default), its opening intervals and its holidays."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Schedule(models.Model):
    """Opening hours of a team (read in the team's time zone), or the org default (team NULL).

    The org default applies to every team without a schedule of its own, read in that team's own zone.
    """

    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
        help_text="Empty: the org default, used by every team without a schedule of its own.",
    )
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="ISO 3166-1 alpha-2 code of the country whose holidays were imported."
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="Subdivision (state, region) code of the imported holidays, if any."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name"]
        constraints = [
            # One schedule per team, and one org default (team NULL counts as the key 0).
            models.UniqueConstraint(
                Coalesce("team", Value(0)),
                name="schedule_one_per_team_and_one_default",
                violation_error_message="This team already has a schedule.",
            ),
        ]

    def __str__(self) -> str:
        return f"Schedule of {self.team}" if self.team_id else "Org default schedule"

    def get_absolute_url(self) -> str:
        if self.team_id is None:
            return reverse("schedules:default")
        return reverse("schedules:team", args=[self.team.slug])

    @property
    def is_org_default(self) -> bool:
        return self.team_id is None


class ScheduleInterval(models.Model):
    """One opening interval on a weekday, in local wall-clock minutes after midnight (end 1440 = 24:00)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAYS)), help_text="0 = Monday.")
    start_minute = models.PositiveSmallIntegerField(help_text="Opening, minutes after local midnight (0–1439).")
    end_minute = models.PositiveSmallIntegerField(help_text="Closing, minutes after local midnight (1–1440).")

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="schedule_interval_weekday"),
            models.CheckConstraint(
                condition=Q(start_minute__gte=0, end_minute__lte=1440, start_minute__lt=models.F("end_minute")),
                name="schedule_interval_ordered",
            ),
            models.UniqueConstraint(fields=["schedule", "weekday", "start_minute"], name="schedule_interval_unique"),
        ]

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {minute_label(self.start_minute)}–{minute_label(self.end_minute)}"


class HolidaySource(models.TextChoices):
    IMPORTED = "imported", "Imported (country holidays)"
    MANUAL = "manual", "Added by a leader"


class Holiday(models.Model):
    """A local date on which the schedule is closed all day."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=HolidaySource.choices, default=HolidaySource.MANUAL)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "date"],
                name="holiday_one_per_schedule_date",
                violation_error_message="This date is already a holiday.",
            ),
            models.CheckConstraint(condition=Q(source__in=HolidaySource.values), name="holiday_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


def minute_label(minute: int) -> str:
    """540 → "09:00", 1440 → "24:00"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
