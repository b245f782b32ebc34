"""Targets, daily KPI snapshots and the bookkeeping that keeps them fresh."""

from __future__ import annotations

import datetime as dt
import json
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role
from tickets.models import Channel

from .formatting import format_target
from .registry import KPI_CHOICES, KPIS, Direction, Kpi


class Scope(models.TextChoices):
    AGENT = "agent", "Agent"
    TEAM = "team", "Team"
    ORG = "org", "Organisation"


class TargetStatus(models.TextChoices):
    EXCELLENT = "excellent", "Excellent"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    NO_DATA = "no_data", "No data"
    NO_TARGET = "no_target", "No target"


CHANNEL_CHOICES_OR_ALL = [("", "All channels"), *Channel.choices]


def _scope_subject_condition() -> Q:
    return (
        Q(scope=Scope.ORG, team__isnull=True, agent__isnull=True)
        | Q(scope=Scope.TEAM, team__isnull=False, agent__isnull=True)
        | Q(scope=Scope.AGENT, agent__isnull=False)
    )


class FiniteFloatField(models.FloatField):
    """A float a person sets (a target, a goal): NaN, ±infinity and out-of-range ints are field errors.

    Django's FloatField accepts NaN and lets float(10**400) raise OverflowError. Validation only:
    the column is a plain FloatField, so `deconstruct` names that and migrations see no change.
    """

    default_error_messages = {"not_finite": "Give a finite number."}
    # Only None is "no value": Django skips validating a blank "" and the save then fails.
    empty_values = [None]

    def to_python(self, value):
        try:
            number = super().to_python(value)
        except OverflowError:
            raise ValidationError(self.error_messages["not_finite"], code="not_finite") from None
        if number is not None and not math.isfinite(number):
            raise ValidationError(self.error_messages["not_finite"], code="not_finite")
        return number

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.FloatField", args, kwargs


def _within_scale(kpi: Kpi, field: str) -> Q:
    bounds = Q()
    if kpi.lower_bound is not None:
        bounds &= Q(**{f"{field}__{'gte' if kpi.lower_inclusive else 'gt'}": kpi.lower_bound})
    if kpi.upper_bound is not None:
        bounds &= Q(**{f"{field}__{'lte' if kpi.upper_inclusive else 'lt'}": kpi.upper_bound})
    return bounds


def _target_on_scale_condition() -> Q:
    """The database's copy of the registry's scales: a target's value and stretch on its KPI's scale,
    the stretch on the better side of the value, and no target for a KPI that takes none."""
    condition = Q()
    for kpi in KPIS.values():
        if not kpi.has_target:
            continue
        better = (
            Q(stretch__gte=models.F("value"))
            if kpi.direction == Direction.HIGHER
            else Q(stretch__lte=models.F("value"))
        )
        stretch = Q(stretch__isnull=True) | (_within_scale(kpi, "stretch") & better)
        condition |= Q(kpi=kpi.code) & _within_scale(kpi, "value") & stretch
    return condition


# SPEC §4: which target applies, most specific first — (scope, the channel's own target?).
TARGET_PRECEDENCE: tuple[tuple[str, bool], ...] = (
    (Scope.AGENT, True),
    (Scope.AGENT, False),
    (Scope.TEAM, True),
    (Scope.TEAM, False),
    (Scope.ORG, True),
    (Scope.ORG, False),
)


def in_force_between(date_from, date_to) -> Q:
    """Targets in force on at least one day of [date_from, date_to] (one day: from = to). The one
    definition of "in force"; `date_from`/`date_to` may be dates or SQL expressions (a column)."""
    return Q(effective_from__lte=date_to) & (Q(effective_to__isnull=True) | Q(effective_to__gte=date_from))


class Statistic(models.TextChoices):
    """Which figure of a KPI a target is set on: the mean (every KPI), or for a time KPI its median or p90."""

    MEAN = "mean", "Mean"
    MEDIAN = "median", "Median"
    P90 = "p90", "90th percentile"


# How a target names its statistic before the comparison ("median ≤ 1 h"); a mean target reads as before.
STATISTIC_PREFIXES = {Statistic.MEAN: "", Statistic.MEDIAN: "median", Statistic.P90: "p90"}


def target_comparison_text(kpi_code: str, value, statistic: str = Statistic.MEAN) -> str:
    """A target's comparison with its statistic named unless it is the mean: "≤ 5 min", "median ≤ 1 h"."""
    text = format_target(kpi_code, value)
    prefix = STATISTIC_PREFIXES.get(statistic, "")
    return f"{prefix} {text}" if prefix and text else text


def statistic_error(kpi: Kpi, statistic: str) -> str | None:
    """Why a target on `kpi` cannot be set on `statistic`; None when it can (a median or p90 needs a KPI whose
    records' durations are stored as a distribution)."""
    if statistic in (Statistic.MEDIAN, Statistic.P90) and not kpi.has_distribution:
        return f"{kpi.name} has no distribution of durations: only its mean takes a target."
    return None


class TargetQuerySet(models.QuerySet):
    def in_force(self, day) -> TargetQuerySet:
        """Targets in force on `day`."""
        return self.filter(in_force_between(day, day))

    def intersecting(self, date_from, date_to) -> TargetQuerySet:
        """Targets in force on at least one day of [date_from, date_to]."""
        return self.filter(in_force_between(date_from, date_to))

    def by_precedence(self, channel) -> TargetQuerySet:
        """Most specific first (TARGET_PRECEDENCE), for a subject and `channel` ('' or a column)."""
        rank = models.Case(
            *(
                models.When(
                    Q(scope=scope) & (~Q(channel="") if channel_specific else Q(channel="")),
                    then=models.Value(position),
                )
                for position, (scope, channel_specific) in enumerate(TARGET_PRECEDENCE)
            ),
            output_field=models.IntegerField(),
        )
        return self.filter(Q(channel="") | Q(channel=channel)).order_by(rank)


class Target(models.Model):
    """The goal for one KPI: org-wide, for a team or for one agent, optionally per channel."""

    # What a leader sets (forms, API and the audit trail share this list).
    EDITABLE_FIELDS = (
        "kpi",
        "statistic",
        "scope",
        "team",
        "agent",
        "channel",
        "effective_from",
        "effective_to",
        "value",
        "stretch",
        "rationale",
    )

    kpi = models.CharField(max_length=32, choices=KPI_CHOICES)
    statistic = models.CharField(
        max_length=8,
        choices=Statistic.choices,
        default=Statistic.MEAN,
        help_text="The figure the target is on: the mean, or for a time KPI its median or 90th percentile.",
    )
    scope = models.CharField(max_length=8, choices=Scope.choices)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="targets")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="targets"
    )
    channel = models.CharField(max_length=16, choices=CHANNEL_CHOICES_OR_ALL, blank=True, default="")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty means open-ended.")
    value = FiniteFloatField()
    stretch = FiniteFloatField(null=True, blank=True, help_text="The excellent level, beyond the target.")
    rationale = models.TextField(blank=True, help_text="The business objective this target serves.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["kpi", "scope", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=_scope_subject_condition(), name="target_scope_subject"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="target_dates_ordered",
            ),
            models.CheckConstraint(
                condition=_target_on_scale_condition(),
                name="target_value_on_kpi_scale",
                violation_error_message="The target value or stretch lies off its KPI's scale.",
            ),
        ]
        indexes = [models.Index(fields=["kpi", "effective_from"], name="target_kpi_from")]

    def __str__(self) -> str:
        subject = {Scope.ORG: "org", Scope.TEAM: str(self.team), Scope.AGENT: str(self.agent)}[self.scope]
        channel = f" on {self.channel}" if self.channel else ""
        return f"{KPIS[self.kpi].name} {subject}{channel}: {self.target_text}"

    @property
    def target_text(self) -> str:
        """The comparison the target asks for, naming a median or p90: "≥ 80.0 %", "median ≤ 1 h"."""
        return target_comparison_text(self.kpi, self.value, self.statistic)

    @property
    def subject_label(self) -> str:
        if self.scope == Scope.AGENT:
            return str(self.agent)
        if self.scope == Scope.TEAM:
            return str(self.team)
        return "Whole organisation"

    def in_force_on(self, day) -> bool:
        """Whether this target is in force on `day` (the in-memory reading of `in_force_between`)."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def overlapping(self) -> TargetQuerySet:
        """Targets of the same KPI, subject and channel whose dates intersect this one's."""
        qs = Target.objects.filter(kpi=self.kpi, scope=self.scope, channel=self.channel)
        if self.scope == Scope.AGENT:
            qs = qs.filter(agent_id=self.agent_id)
        elif self.scope == Scope.TEAM:
            qs = qs.filter(team_id=self.team_id)
        # Open-ended: as far as any target can reach.
        qs = qs.intersecting(self.effective_from, self.effective_to or dt.date.max)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        return qs

    def clean(self) -> None:
        errors: dict[str, str] = {}
        kpi = KPIS.get(self.kpi)
        if kpi is not None and not kpi.has_target:
            errors["kpi"] = f"{kpi.name} is a volume count; it takes no target."
        if self.scope == Scope.ORG and (self.team_id or self.agent_id):
            errors["scope"] = "An org-wide target names no team and no agent."
        if self.scope == Scope.TEAM:
            if not self.team_id:
                errors["team"] = "Choose the team this target is for."
            if self.agent_id:
                errors["agent"] = "A team target names no agent."
        if self.scope == Scope.AGENT:
            if not self.agent_id:
                errors["agent"] = "Choose the agent this target is for."
            elif self.agent.role != Role.AGENT:
                errors["agent"] = "Targets are set for agents only."
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = "The end date cannot be before the start date."
        if kpi is not None and kpi.has_target:
            # The registry holds each KPI's scale; forms, API, admin and goals all get these errors.
            errors.update(kpi.target_errors(self.value, self.stretch))
            if error := statistic_error(kpi, self.statistic):
                errors["statistic"] = error
            elif self.scope == Scope.AGENT and self.channel and self.statistic in (Statistic.MEDIAN, Statistic.P90):
                # kpis.distributions.quantiles_kept: an agent's distributions are kept over all channels only.
                errors["statistic"] = (
                    "An agent's median and p90 are kept over all channels only: leave the channel empty, "
                    "or set this target on the mean."
                )
        if not errors and self.effective_from and self.scope:
            clash = self.overlapping().first()
            if clash is not None:
                until = clash.effective_to.isoformat() if clash.effective_to else "open-ended"
                errors["effective_from"] = (
                    f"Overlaps the existing target {clash} in force from "
                    f"{clash.effective_from.isoformat()} to {until}; end that one first or change the dates."
                )
        if errors:
            raise ValidationError(errors)


class Snapshot(models.Model):
    """One KPI for one subject (agent, team or org), one local day and one channel ('' = all)."""

    date = models.DateField()
    kpi = models.CharField(max_length=32, choices=KPI_CHOICES)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    # Snapshots are derived rows, rewritten in bulk: their foreign keys carry no database constraint
    # and no index of their own (the composite indexes below serve every read), which keeps a full
    # recompute cheap. Deleting a team, user or target is still cascaded by Django.
    # For agent rows, `team` is the team whose records (and time zone) produced the row.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, related_name="+", db_constraint=False, db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    channel = models.CharField(max_length=16, blank=True, default="")
    value = models.FloatField(null=True)
    numerator = models.FloatField()
    denominator = models.BigIntegerField()
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    low_confidence = models.BooleanField(default=False)
    target = models.ForeignKey(
        Target, on_delete=models.SET_NULL, null=True, related_name="+", db_constraint=False, db_index=False
    )
    target_value = models.FloatField(null=True)
    stretch_value = models.FloatField(null=True)
    status = models.CharField(max_length=16, choices=TargetStatus.choices)
    definitions_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "kpi"]
        constraints = [
            models.CheckConstraint(condition=_scope_subject_condition(), name="snapshot_scope_subject"),
            models.CheckConstraint(
                condition=~Q(scope=Scope.AGENT) | Q(team__isnull=False), name="snapshot_agent_row_has_team"
            ),
            # SQL treats NULLs as distinct, so each scope gets its own conditional unique key.
            models.UniqueConstraint(
                fields=["date", "kpi", "agent", "team", "channel"],
                condition=Q(scope=Scope.AGENT),
                name="snapshot_unique_agent_row",
            ),
            models.UniqueConstraint(
                fields=["date", "kpi", "team", "channel"],
                condition=Q(scope=Scope.TEAM),
                name="snapshot_unique_team_row",
            ),
            models.UniqueConstraint(
                fields=["date", "kpi", "channel"], condition=Q(scope=Scope.ORG), name="snapshot_unique_org_row"
            ),
        ]
        # Covering indexes for the pages' period sums: the subject, then the channel ('' is the all-channels
        # row every page reads), then the day, with what the sums read carried in the index, so a period
        # is one tight index-only range (EXPLAIN in docs/performance.md). Short deletes of a refresh use
        # the unique keys, which lead with the date.
        indexes = [
            models.Index(
                fields=["scope", "team", "channel", "date"],
                include=["agent", "kpi", "numerator", "denominator", "computed_at"],
                name="snapshot_team_channel_date",
            ),
            models.Index(
                fields=["scope", "agent", "channel", "date"],
                include=["kpi", "numerator", "denominator", "computed_at"],
                name="snapshot_agent_channel_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.scope} {self.date} {self.channel or 'all'}: {self.value}"


class CategorySnapshot(models.Model):
    """A team's numerator and denominator of one KPI for one ticket category on one local day.

    The team dashboard's "by category" table sums these instead of reading records. They are written
    with the team's snapshots (same window, lock and transaction); `category` '' gathers tickets without
    one and survey responses without a ticket. Team level only, with no value or status: a period's
    figures are rolled up from the sums like every other figure.
    """

    date = models.DateField()
    # A derived row like Snapshot: no database constraint, and the unique key below leads with the team.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    category = models.CharField(max_length=100, blank=True, default="")
    kpi = models.CharField(max_length=32, choices=KPI_CHOICES)
    numerator = models.FloatField()
    denominator = models.BigIntegerField()

    class Meta:
        ordering = ["date", "category", "kpi"]
        constraints = [
            # (team, date) first: the one index serves the window replace and the period reads.
            models.UniqueConstraint(fields=["team", "date", "category", "kpi"], name="category_snapshot_unique"),
        ]

    def __str__(self) -> str:
        category = self.category or "no category"
        return f"{self.kpi} team {self.team_id} {self.date} {category}: {self.numerator}/{self.denominator}"


class CustomerServiceDay(models.Model):
    """The service one customer had from one team on one local day, as the outcomes panel reads it
    (`kpis.outcomes.service_days`): the tickets the team handled that were created that day naming the customer,
    whether one of them was reopened, the longest first response among them, and the customer's last CSAT rating
    of the day given to the team.

    Written with the team's snapshots (same window, lock and transaction), so the outcomes panel reads these
    rows instead of the period's tickets and responses, and shows a ticket exactly when the grid does. A row
    exists for each (team, day, customer) with a ticket or a CSAT rating; `contacts` 0 means ratings only."""

    date = models.DateField()
    # A derived row like Snapshot: no database constraint, and the unique key below leads with the team.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    contacts = models.PositiveIntegerField(default=0)
    reopened = models.BooleanField(default=False)
    # The longest created → first response among the day's tickets that have a first response; None without one.
    longest_first_response = models.DurationField(null=True)
    # The day's last counted CSAT response naming the customer (its own, or its ticket's), by time then id: the
    # panel keeps the last of the period; None without one.
    last_csat_at = models.DateTimeField(null=True)
    last_csat_id = models.BigIntegerField(null=True)
    last_csat_good = models.BooleanField(null=True)

    class Meta:
        constraints = [
            # (team, date) first: the one index serves the window replace and a team's period read.
            models.UniqueConstraint(fields=["team", "date", "customer"], name="customer_service_day_unique"),
        ]
        indexes = [models.Index(fields=["date"], name="customer_service_day_date")]  # the org's period read

    def __str__(self) -> str:
        return f"customer {self.customer_id} team {self.team_id} {self.date}: {self.contacts} contacts"


class BucketsField(models.TextField):
    """A distribution's sparse buckets, {key as text: count}, stored as the text of a JSON object on every database.

    Text rather than PostgreSQL's jsonb: the recompute writes these objects by string aggregation, which costs about
    a third of building jsonb (docs/performance.md, "Recompute with the time KPIs' distributions stored"), and every
    reader parses the text with `json.loads` anyway. Nothing queries inside the object."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        if value is None or isinstance(value, dict):
            return value
        return json.loads(value)

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))


class DurationDistribution(models.Model):
    """The distribution of one time KPI's per-record durations behind one snapshot row (same date, KPI, scope,
    team, agent and channel) — every one but an agent's on one channel (`kpis.distributions.quantiles_kept`): a
    DDSketch of relative accuracy 1 % (`kpis.distributions`), stored sparse.

    `zeros` counts durations of 0 s, `buckets` maps each logarithmic bucket key (as text) to its count (a JSON
    object's text: `BucketsField`), and
    `count` is their total (the snapshot row's denominator). Merging rows is adding counts key by key, so the
    median and p90 of any period and group are read from merged daily rows, never averaged. Written with the
    snapshots (same window, lock and transaction); org rows are merged from team rows.
    """

    date = models.DateField()
    kpi = models.CharField(max_length=32, choices=KPI_CHOICES)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    # Derived rows like Snapshot: no database constraint and no index of their own.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, related_name="+", db_constraint=False, db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    channel = models.CharField(max_length=16, blank=True, default="")
    count = models.BigIntegerField()
    zeros = models.BigIntegerField(default=0)
    buckets = BucketsField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "kpi"]
        constraints = [
            models.CheckConstraint(condition=_scope_subject_condition(), name="distribution_scope_subject"),
            models.CheckConstraint(
                condition=~Q(scope=Scope.AGENT) | Q(team__isnull=False), name="distribution_agent_row_has_team"
            ),
            # Few indexes, each partial to its scope (every index costs each of the many rows written): the unique
            # keys lead with the team (none for org rows) and the date, so a window's delete and a team's period
            # reads are one range each; agent rows have one more index, by agent, for an agent's own reads.
            models.UniqueConstraint(
                fields=["team", "date", "channel", "agent", "kpi"],
                condition=Q(scope=Scope.AGENT),
                name="distribution_unique_agent_row",
            ),
            models.UniqueConstraint(
                fields=["team", "date", "channel", "kpi"],
                condition=Q(scope=Scope.TEAM),
                name="distribution_unique_team_row",
            ),
            models.UniqueConstraint(
                fields=["date", "channel", "kpi"], condition=Q(scope=Scope.ORG), name="distribution_unique_org_row"
            ),
        ]
        indexes = [
            models.Index(
                fields=["agent", "channel", "date"], condition=Q(scope=Scope.AGENT), name="distribution_agent_reads"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.scope} {self.date} {self.channel or 'all'}: {self.count} durations"


class DirtyDay(models.Model):
    """A (team, local day) whose snapshots are stale because a record of it changed.

    A database row, not a broker message: it survives a Redis outage and the refresh
    task catches up from it.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    # Set by the marking service: one timestamp per ingestion batch, so a refresh clears a batch at once.
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "date"], name="dirty_day_unique")]

    def __str__(self) -> str:
        return f"{self.team_id} {self.date}"


class OrgDirtyDay(models.Model):
    """A day whose org snapshots are stale because a team's rows of that day were refreshed.

    Written in the same transaction as the team's new rows, so the org re-sum that follows the
    per-team refreshes survives a lost message or a cache restart.
    """

    date = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"org {self.date}"


class ComputeLock(models.Model):
    """A row per lock key ('team:<id>', 'org'); computations hold it with SELECT … FOR UPDATE."""

    key = models.CharField(max_length=64, unique=True)
    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.key


class ComputedDay(models.Model):
    """How many times a computation has written (or emptied) one day of its rows, per lock key.

    Every computation holding a lock key counts each day of its window here, in the same transaction as its
    rows (`kpis.compute._lock`). The sum of a key's counts over a range of days therefore grows exactly when some
    computation rewrote one of those days: a page keys its cached figures by the sums over the days it reads
    (`kpis.selectors.figures_version`), so a write to today leaves every period ending yesterday cached.
    """

    key = models.CharField(max_length=64)
    date = models.DateField()
    version = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "date"], name="computed_day_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.date} v{self.version}"


class PitfallConfirmation(models.Model):
    """A leader's confirmation, with a note, of one KPI pitfall for a team's targets."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="pitfall_confirmations")
    number = models.PositiveSmallIntegerField(choices=[(n, f"Pitfall {n}") for n in range(1, 6)])
    note = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["team", "number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="pitfall_confirmation_unique"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=5), name="pitfall_number_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.team} pitfall {self.number}"
