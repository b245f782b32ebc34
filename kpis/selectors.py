"""Reads of the KPI engine shared by every page, the API, reviews and exports.

A figure over any period and group is sum(numerator) / sum(denominator) of the daily
snapshots (volume: the sum), with its sample size, low-confidence flag, Wilson interval for
rates, the target in force on the period's last day and the previous period of equal length.
Every function here issues a constant number of queries, whatever the number of agents or days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from accounts import scoping
from accounts.models import Role, Team, User
from surveys.models import SurveyResponse
from tickets.models import Channel, Ticket

from .days import date_range, utc_bounds
from .models import Scope, Snapshot, Target
from .registry import (
    BENCHMARKS,
    KPIS,
    Direction,
    Kpi,
    Source,
    Unit,
    kpis_by_day_field,
    target_step,
)
from .stats import is_low_confidence, wilson_interval
from .targets import TargetResolver, status_against, targets_intersecting

# ---- periods -----------------------------------------------------------------------------

PERIOD_PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "custom": "Custom range",
}
DEFAULT_PRESET = "30d"
MAX_PERIOD_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (for trends)."""
        return Period(self.date_from - dt.timedelta(days=self.days), self.date_from - dt.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.date_from:%d %b %Y} – {self.date_to:%d %b %Y}"


def period_from_params(
    *, preset: str | None = None, date_from=None, date_to=None, today: dt.date | None = None
) -> tuple[Period, str]:
    """Resolve a preset or a custom range into a Period; raises ValidationError with field errors."""
    today = today or timezone.localdate()
    if date_from or date_to:
        preset = "custom"
    preset = preset or DEFAULT_PRESET
    if preset not in PERIOD_PRESETS:
        raise ValidationError({"period": f"Choose one of: {', '.join(PERIOD_PRESETS)}."})
    if preset == "custom":
        errors = {}
        parsed = {}
        for name, raw in (("date_from", date_from), ("date_to", date_to)):
            if isinstance(raw, dt.date):
                parsed[name] = raw
                continue
            try:
                parsed[name] = dt.date.fromisoformat(str(raw or ""))
            except ValueError:
                errors[name] = "Give a date as YYYY-MM-DD."
        if not errors and parsed["date_to"] < parsed["date_from"]:
            errors["date_to"] = "The end date is before the start date."
        if not errors and (parsed["date_to"] - parsed["date_from"]).days >= MAX_PERIOD_DAYS:
            errors["date_to"] = f"A period spans at most {MAX_PERIOD_DAYS} days."
        if errors:
            raise ValidationError(errors)
        return Period(parsed["date_from"], parsed["date_to"]), preset
    if preset == "month":
        return Period(today.replace(day=1), today), preset
    days = int(preset.removesuffix("d"))
    return Period(today - dt.timedelta(days=days - 1), today), preset


# ---- figures -----------------------------------------------------------------------------


@dataclass
class KpiFigure:
    """One KPI for one subject over a period, ready for a page, the API or a review."""

    kpi: Kpi
    numerator: float = 0.0
    denominator: int = 0
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    target: Target | None = None
    status: str = "no_data"
    previous_value: float | None = None
    previous_sample_size: int = 0

    @property
    def code(self) -> str:
        return self.kpi.code

    @property
    def sample_size(self) -> int:
        return int(self.numerator) if self.kpi.is_count else self.denominator

    @property
    def low_confidence(self) -> bool:
        return not self.kpi.is_count and self.value is not None and is_low_confidence(self.denominator)

    @property
    def target_value(self) -> float | None:
        return self.target.value if self.target else None

    @property
    def stretch_value(self) -> float | None:
        return self.target.stretch if self.target else None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    @property
    def trend(self) -> str | None:
        """'better', 'worse' or 'flat' against the previous period; None without both values."""
        change = self.change
        if change is None:
            return None
        if abs(change) < 1e-9 or self.kpi.direction == Direction.NONE:
            return "flat" if abs(change) < 1e-9 else ("up" if change > 0 else "down")
        improved = change > 0 if self.kpi.direction == Direction.HIGHER else change < 0
        return "better" if improved else "worse"


def make_figure(
    kpi: Kpi,
    numerator: float,
    denominator: int,
    *,
    target: Target | None = None,
    previous: tuple[float, int] | None = None,
) -> KpiFigure:
    """Value, interval and status of summed numerator/denominator against a target."""
    value = kpi.value(numerator, denominator)
    interval = wilson_interval(numerator, denominator) if kpi.is_rate else None
    figure = KpiFigure(
        kpi=kpi,
        numerator=numerator,
        denominator=int(denominator),
        value=value,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        target=target,
        status=status_against(kpi.code, value, target.value if target else None, target.stretch if target else None),
    )
    if previous is not None:
        figure.previous_value = kpi.value(*previous)
        figure.previous_sample_size = int(previous[0]) if kpi.is_count else int(previous[1])
    return figure


def _subject_filter(scope: str, subject) -> Q:
    if scope == Scope.AGENT:
        return Q(scope=Scope.AGENT, agent=subject)
    if scope == Scope.TEAM:
        return Q(scope=Scope.TEAM, team=subject)
    return Q(scope=Scope.ORG)


def _target_subject(scope: str, subject) -> tuple[int | None, int | None]:
    """(agent id, team id) for target resolution: an agent's targets fall back to their current team."""
    if scope == Scope.AGENT:
        return subject.pk, subject.team_id
    return None, (subject.pk if scope == Scope.TEAM else None)


def _period_sums(base: QuerySet, period: Period, group_by: tuple[str, ...], with_previous: bool = True) -> list[dict]:
    """Sum numerators and denominators per group, for the period and (optionally) the one before."""
    current = Q(date__gte=period.date_from, date__lte=period.date_to)
    annotations = {
        "num": Sum("numerator", filter=current),
        "den": Sum("denominator", filter=current),
    }
    start = period.date_from
    if with_previous:
        previous = period.previous()
        start = previous.date_from
        before = Q(date__gte=previous.date_from, date__lte=previous.date_to)
        annotations |= {"prev_num": Sum("numerator", filter=before), "prev_den": Sum("denominator", filter=before)}
    return list(
        base.filter(date__gte=start, date__lte=period.date_to)
        .values(*group_by, "kpi")
        .annotate(**annotations)
        .order_by()
    )


def _figures(rows: list[dict], target_for, with_previous: bool) -> dict[str, KpiFigure]:
    """KpiFigures for every KPI (missing rows mean no data; volume then counts 0)."""
    by_code = {row["kpi"]: row for row in rows}
    figures = {}
    for code, kpi in KPIS.items():
        row = by_code.get(code, {})
        previous = (row.get("prev_num") or 0.0, row.get("prev_den") or 0) if with_previous else None
        figures[code] = make_figure(
            kpi, row.get("num") or 0.0, row.get("den") or 0, target=target_for(code), previous=previous
        )
    return figures


def _resolver_for(period: Period) -> TargetResolver:
    return TargetResolver(targets_intersecting(period.date_to, period.date_to))


def scorecard(
    *,
    scope: str,
    subject: User | Team | None,
    period: Period,
    channel: str = "",
    with_previous: bool = True,
    resolver: TargetResolver | None = None,
) -> dict[str, KpiFigure]:
    """Every KPI for an agent, a team or the org (subject None) over a period: 2 queries."""
    resolver = resolver or _resolver_for(period)
    rows = _period_sums(
        Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel), period, (), with_previous
    )
    agent_id, team_id = _target_subject(scope, subject)

    def target_for(code: str) -> Target | None:
        return resolver.resolve(kpi=code, day=period.date_to, channel=channel, agent_id=agent_id, team_id=team_id)

    return _figures(rows, target_for, with_previous)


@dataclass
class AgentRow:
    agent: User
    figures: dict[str, KpiFigure]

    @property
    def missed(self) -> list[KpiFigure]:
        return [f for f in self.figures.values() if f.status == "missed"]


@dataclass
class TeamDashboard:
    team: Team
    period: Period
    agents: list[AgentRow]
    team_figures: dict[str, KpiFigure]
    org_figures: dict[str, KpiFigure]
    kpis: list[Kpi] = field(default_factory=lambda: list(KPIS.values()))


def team_dashboard(*, team: Team, period: Period) -> TeamDashboard:
    """Agents × KPIs for a team over a period, with the team and org rows: 5 queries."""
    resolver = _resolver_for(period)
    agent_rows = _period_sums(Snapshot.objects.filter(scope=Scope.AGENT, team=team, channel=""), period, ("agent_id",))
    by_agent: dict[int, list[dict]] = defaultdict(list)
    for row in agent_rows:
        by_agent[row["agent_id"]].append(row)
    agents = User.objects.filter(Q(team=team, role=Role.AGENT, is_active=True) | Q(pk__in=list(by_agent)))
    rows = []
    for agent in agents.order_by("first_name", "last_name", "username"):

        def target_for(code: str, agent=agent) -> Target | None:
            return resolver.resolve(kpi=code, day=period.date_to, agent_id=agent.pk, team_id=team.pk)

        rows.append(AgentRow(agent=agent, figures=_figures(by_agent.get(agent.pk, []), target_for, True)))
    return TeamDashboard(
        team=team,
        period=period,
        agents=rows,
        team_figures=scorecard(scope=Scope.TEAM, subject=team, period=period, resolver=resolver),
        org_figures=scorecard(scope=Scope.ORG, subject=None, period=period, resolver=resolver),
    )


def channel_breakdown(*, scope: str, subject, period: Period) -> dict[str, dict[str, KpiFigure]]:
    """Every KPI per channel for a subject over a period (channels with data only): 2 queries."""
    resolver = _resolver_for(period)
    rows = _period_sums(
        Snapshot.objects.filter(_subject_filter(scope, subject)).exclude(channel=""), period, ("channel",)
    )
    by_channel: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_channel[row["channel"]].append(row)
    agent_id, team_id = _target_subject(scope, subject)
    breakdown = {}
    for channel in Channel.values:
        if channel not in by_channel:
            continue

        def target_for(code: str, channel=channel) -> Target | None:
            return resolver.resolve(kpi=code, day=period.date_to, channel=channel, agent_id=agent_id, team_id=team_id)

        figures = _figures(by_channel[channel], target_for, True)
        if any(f.sample_size for f in figures.values()):  # a figure of 0 is data; no records is not
            breakdown[channel] = figures
    return breakdown


@dataclass
class SeriesPoint:
    date: dt.date
    value: float | None
    numerator: float
    denominator: int


def kpi_series(*, scope: str, subject, period: Period, channel: str = "") -> dict[str, list[SeriesPoint]]:
    """Daily values of every KPI for a subject over a period (no row = no data; volume 0): 1 query."""
    rows = (
        Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel)
        .filter(date__gte=period.date_from, date__lte=period.date_to)
        .values("date", "kpi")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    sums = {(row["kpi"], row["date"]): (row["num"], row["den"]) for row in rows}
    series = {}
    for code, kpi in KPIS.items():
        points = []
        for day in date_range(period.date_from, period.date_to):
            num, den = sums.get((code, day), (0.0, 0))
            points.append(SeriesPoint(date=day, value=kpi.value(num, den), numerator=num, denominator=den))
        series[code] = points
    return series


def category_breakdown(*, team: Team, period: Period) -> list[tuple[str, dict[str, KpiFigure]]]:
    """Every KPI per ticket category for a team, computed from its records: one query per family."""
    start, end = utc_bounds(period.date_from, period.date_to, team.zone)
    sums: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
    for (source, day_field), kpis in kpis_by_day_field().items():
        aggregates = {}
        for kpi in kpis:
            aggregates.update(kpi.aggregates())
        if source == Source.TICKETS:
            qs = Ticket.objects.filter(team=team).values(group=F("category"))
        else:
            qs = SurveyResponse.objects.filter(team=team).values(group=F("ticket__category"))
        qs = qs.filter(**{f"{day_field}__gte": start, f"{day_field}__lt": end}).annotate(**aggregates).order_by()
        for row in qs:
            for kpi in kpis:
                sums[row["group"] or ""][kpi.code] = kpi.numerator_denominator(row)
    resolver = _resolver_for(period)
    result = []
    for category in sorted(sums, key=lambda c: (c == "", c)):
        figures = {
            code: make_figure(
                kpi,
                *sums[category].get(code, (0.0, 0)),
                target=resolver.resolve(kpi=code, day=period.date_to, team_id=team.pk),
            )
            for code, kpi in KPIS.items()
        }
        result.append((category or "(none)", figures))
    return result


# ---- baselines and realistic targets -----------------------------------------------------

BASELINE_DAYS = 90


def baseline_period(as_of: dt.date, days: int = BASELINE_DAYS) -> Period:
    """The trailing window before `as_of` (the baseline a new target is held against)."""
    return Period(as_of - dt.timedelta(days=days), as_of - dt.timedelta(days=1))


def baselines(*, scope: str, subject, as_of: dt.date, channel: str = "") -> dict[str, KpiFigure]:
    """Every KPI over the trailing 90 days before `as_of`, for a subject."""
    return scorecard(scope=scope, subject=subject, period=baseline_period(as_of), channel=channel, with_previous=False)


@dataclass
class TargetSuggestion:
    kpi: Kpi
    baseline: float | None
    sample_size: int
    benchmark: float | None
    value: float | None
    reason: str


def _round(kpi: Kpi, value: float) -> float:
    return round(value, 0 if kpi.unit in (Unit.SECONDS, Unit.COUNT) else 1)


def suggest_target(*, kpi_code: str, baseline: KpiFigure, channel: str = "") -> TargetSuggestion:
    """A realistic next target: a bounded step from the baseline toward the benchmark."""
    kpi = KPIS[kpi_code]
    benchmark = (BENCHMARKS.get((kpi_code, channel)) or BENCHMARKS.get((kpi_code, "")) or (None, None))[0]
    base = baseline.value
    common = {"kpi": kpi, "baseline": base, "sample_size": baseline.sample_size, "benchmark": benchmark}
    if not kpi.has_target:
        return TargetSuggestion(value=None, reason="Volume takes no target.", **common)
    if base is None or baseline.low_confidence:
        reason = (
            f"Only {baseline.sample_size} records in the last {BASELINE_DAYS} days: too few for a baseline. "
            "Start from the benchmark and revisit once data builds up."
        )
        return TargetSuggestion(value=benchmark, reason=reason, **common)
    if benchmark is None:
        value = kpi.nearest_on_scale(_round(kpi, base))
        return TargetSuggestion(value=value, reason="No benchmark: hold the baseline.", **common)
    gap = benchmark - base
    ahead = gap <= 0 if kpi.direction == Direction.HIGHER else gap >= 0
    if ahead:
        return TargetSuggestion(
            value=kpi.nearest_on_scale(_round(kpi, base)),
            reason="Already at or beyond the benchmark: hold the baseline.",
            **common,
        )
    max_step = target_step(kpi_code, base)
    step = max(-max_step, min(max_step, gap / 2))
    value = kpi.nearest_on_scale(_round(kpi, base + step))
    reason = (
        f"Half the gap from the {BASELINE_DAYS}-day baseline toward the benchmark, "
        f"at most {max_step:.1f} {kpi.unit} in one step."
    )
    return TargetSuggestion(value=value, reason=reason, **common)


# ---- drill-down --------------------------------------------------------------------------


def _day_bounds_filter(day_field: str, period: Period, teams: list[Team]) -> Q:
    """Records whose local day (in their own team's time zone) falls in the period."""
    condition = Q(pk__in=[])
    for team in teams:
        start, end = utc_bounds(period.date_from, period.date_to, team.zone)
        condition |= Q(team=team, **{f"{day_field}__gte": start, f"{day_field}__lt": end})
    return condition


def kpi_records(
    *, user: User, kpi_code: str, scope: str, subject, period: Period, channel: str = ""
) -> QuerySet[Ticket] | QuerySet[SurveyResponse]:
    """The tickets or survey responses behind a figure, within the viewer's scope."""
    kpi = KPIS[kpi_code]
    if kpi.source == Source.TICKETS:
        qs = scoping.tickets_visible(user).select_related("agent", "team")
        channel_field = "channel"
    else:
        qs = scoping.survey_responses_visible(user).select_related("agent", "team", "ticket")
        channel_field = "ticket__channel"
    if scope == Scope.AGENT:
        qs = qs.filter(agent=subject)
        teams = list(Team.objects.all())
    elif scope == Scope.TEAM:
        qs = qs.filter(team=subject)
        teams = [subject]
    else:
        teams = list(Team.objects.all())
    qs = qs.filter(kpi.counted).filter(_day_bounds_filter(kpi.day_field, period, teams))
    if channel:
        qs = qs.filter(**{channel_field: channel})
    return qs.order_by(f"-{kpi.day_field}", "-pk")
