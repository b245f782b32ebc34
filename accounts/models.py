"""Users, their roles, and the teams they work in."""

import zoneinfo
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    LEADER = "leader", "CS leader"
    HR = "hr", "HR partner"


def validate_timezone(value: str) -> None:
    """Accept only IANA time-zone names, e.g. Europe/Paris."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone (for example Europe/Paris).", code="invalid")


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA time zone; it sets where a team's day starts and ends for its KPIs.",
    )
    leaders = models.ManyToManyField(
        "accounts.User",
        related_name="led_teams",
        blank=True,
        limit_choices_to={"role": Role.LEADER},
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT, db_index=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="agents",
        null=True,
        blank=True,
        help_text="The team an agent belongs to now (agents only).",
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message="A user with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # Django keeps the raw password in `_password` only after set_password() and clears it in
        # save(); a re-hash at login clears it before saving. So this is the one moment a password
        # really changes, whatever changed it (password page, admin, reset, `changepassword`).
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from .services import user_tokens_revoke  # services import this module

            user_tokens_revoke(user=self, actor=None, reason="password changed")

    def clean(self) -> None:
        super().clean()
        if self.role == Role.AGENT and self.team_id is None and not self.is_staff:
            raise ValidationError({"team": "An agent must belong to a team."})
        if self.role != Role.AGENT and self.team_id is not None:
            raise ValidationError({"team": "Only agents belong to a team; leaders lead teams instead."})


class AuditEvent(models.Model):
    """An append-only record of who changed, exported or imported what, and when."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and no action on delete: the trail is append-only (a trigger refuses
    # UPDATE on PostgreSQL), so deleting a user leaves `actor_id` as it was and `actor_label` says who.
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")
