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
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import F, Max, Q, QuerySet, Sum
from django.utils import timezone

from accounts import scoping
from accounts.models import Role, Team, User
from surveys.models import SurveyResponse
from tickets.models import Channel, Ticket

from .days import utc_bounds
from .formatting import format_change
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
from .stats import wilson_interval
from .targets import TargetResolver, status_against, targets_intersecting

# ---- periods -----------------------------------------------------------------------------

# Presets judge complete days: they end yesterday, since today's tickets and surveys are still coming
# in (a half day would read as a drop). Today is its own preset, shown as "so far".
PERIOD_PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "today": "Today so far",
    "custom": "Custom range",
}
DEFAULT_PRESET = "30d"
MAX_PERIOD_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    # The period ends today: its last day is not complete yet ("so far").
    partial: bool = False

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (for trends)."""
        return Period(self.date_from - dt.timedelta(days=self.days), self.date_from - dt.timedelta(days=1))

    def __str__(self) -> str:
        if self.date_from == self.date_to:
            text = f"{self.date_from:%d %b %Y}"
        else:
            text = f"{self.date_from:%d %b %Y} – {self.date_to:%d %b %Y}"
        return f"{text} (so far)" if self.partial else text


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
        return Period(parsed["date_from"], parsed["date_to"], partial=parsed["date_to"] >= today), preset
    if preset == "today":
        return Period(today, today, partial=True), preset
    yesterday = today - dt.timedelta(days=1)
    if preset == "month":
        if today.day == 1:  # nothing complete yet this month: the month so far is today
            return Period(today, today, partial=True), preset
        return Period(today.replace(day=1), yesterday), preset
    days = int(preset.removesuffix("d"))
    return Period(yesterday - dt.timedelta(days=days - 1), yesterday), preset


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
    # When the target changed inside the period: the days it changed, and the record-weighted target
    # (and stretch) the period was judged against (see `_judge_across_targets`).
    target_changes: list[dt.date] = field(default_factory=list)
    period_target: float | None = None
    period_stretch: float | None = None

    @property
    def code(self) -> str:
        return self.kpi.code

    @property
    def sample_size(self) -> int:
        return self.kpi.sample_size(self.numerator, self.denominator)

    @property
    def low_confidence(self) -> bool:
        return self.kpi.low_confidence(self.denominator)

    @property
    def target_value(self) -> float | None:
        if self.target_changes:
            return self.period_target
        return self.target.value if self.target else None

    @property
    def stretch_value(self) -> float | None:
        if self.target_changes:
            return self.period_stretch
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
        figure.previous_sample_size = kpi.sample_size(*previous)
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


DaySums = dict[dt.date, tuple[float, int]]


def _figures(rows: list[dict], runs_for, with_previous: bool, daily=None) -> dict[str, KpiFigure]:
    """KpiFigures for every KPI (missing rows mean no data; volume then counts 0).

    `runs_for(code)` gives the target runs of the period (TargetResolver.segments); where the target
    changed inside it, `daily(code)` gives that KPI's daily sums for the subject, to judge each day's
    records by the target of their day.
    """
    by_code = {row["kpi"]: row for row in rows}
    figures = {}
    for code, kpi in KPIS.items():
        row = by_code.get(code, {})
        previous = (row.get("prev_num") or 0.0, row.get("prev_den") or 0) if with_previous else None
        runs = runs_for(code)
        figure = make_figure(kpi, row.get("num") or 0.0, row.get("den") or 0, target=runs[-1][2], previous=previous)
        if len(runs) > 1:
            _judge_across_targets(figure, runs, daily(code) if daily else {})
        figures[code] = figure
    return figures


def _judge_across_targets(figure: KpiFigure, runs, day_sums: DaySums) -> None:
    """A period whose target changed is judged day by day: the records of each day against that day's target.

    The period's target is the mean of the daily targets weighted by each day's records, and the value
    judged is that of the days that had a target (days before a first target are held to nothing).
    """
    figure.target_changes = [start for start, _, _ in runs[1:]]
    judged_num, judged_den, target_sum, stretch_sum, all_stretched = 0.0, 0, 0.0, 0.0, True
    for start, end, target in runs:
        if target is None:
            continue
        num = sum(n for day, (n, _) in day_sums.items() if start <= day <= end)
        den = sum(d for day, (_, d) in day_sums.items() if start <= day <= end)
        judged_num, judged_den = judged_num + num, judged_den + den
        target_sum += den * target.value
        if target.stretch is None:
            all_stretched = False
        else:
            stretch_sum += den * target.stretch
    if not judged_den:  # no record fell on a day with a target
        figure.status = status_against(figure.code, figure.value, None, None)
        return
    figure.period_target = target_sum / judged_den
    figure.period_stretch = stretch_sum / judged_den if all_stretched else None
    judged = figure.kpi.value(judged_num, judged_den)
    figure.status = status_against(figure.code, judged, figure.period_target, figure.period_stretch)


def _daily_sums(base: QuerySet, period: Period, group: str | None) -> dict[tuple, DaySums]:
    """Daily numerators and denominators per (group value, KPI), in one query (only when a target changed)."""
    fields = (group, "kpi", "date") if group else ("kpi", "date")
    rows = (
        base.filter(date__gte=period.date_from, date__lte=period.date_to)
        .values(*fields)
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    sums: dict[tuple, DaySums] = defaultdict(dict)
    for row in rows:
        sums[(row[group] if group else None, row["kpi"])][row["date"]] = (row["num"], row["den"])
    return sums


def _daily_lookup(resolver: TargetResolver, base: QuerySet, period: Period, group: str | None):
    """`daily(group value)(code)`: the day sums, fetched once and only if some target changed in the period."""
    if not resolver.changes_within(period.date_from, period.date_to):
        return lambda value=None: None
    cache: list[dict] = []

    def for_group(value=None):
        def daily(code: str) -> DaySums:
            if not cache:
                cache.append(_daily_sums(base, period, group))
            return cache[0].get((value, code), {})

        return daily

    return for_group


def _resolver_for(period: Period) -> TargetResolver:
    """Every target in force on some day of the period, in one query."""
    return TargetResolver(targets_intersecting(period.date_from, period.date_to))


def scorecard(
    *,
    scope: str,
    subject: User | Team | None,
    period: Period,
    channel: str = "",
    with_previous: bool = True,
    resolver: TargetResolver | None = None,
) -> dict[str, KpiFigure]:
    """Every KPI for an agent, a team or the org (subject None) over a period: 2 queries (3 when a
    target changed inside the period)."""
    resolver = resolver or _resolver_for(period)
    base = Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel)
    rows = _period_sums(base, period, (), with_previous)
    agent_id, team_id = _target_subject(scope, subject)

    def runs_for(code: str):
        return resolver.segments(
            kpi=code,
            date_from=period.date_from,
            date_to=period.date_to,
            channel=channel,
            agent_id=agent_id,
            team_id=team_id,
        )

    return _figures(rows, runs_for, with_previous, _daily_lookup(resolver, base, period, None)())


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
    base = Snapshot.objects.filter(scope=Scope.AGENT, team=team, channel="")
    agent_rows = _period_sums(base, period, ("agent_id",))
    daily = _daily_lookup(resolver, base, period, "agent_id")
    by_agent: dict[int, list[dict]] = defaultdict(list)
    for row in agent_rows:
        by_agent[row["agent_id"]].append(row)
    agents = User.objects.filter(Q(team=team, role=Role.AGENT, is_active=True) | Q(pk__in=list(by_agent)))
    rows = []
    for agent in agents.order_by("first_name", "last_name", "username"):

        def runs_for(code: str, agent=agent):
            return resolver.segments(
                kpi=code, date_from=period.date_from, date_to=period.date_to, agent_id=agent.pk, team_id=team.pk
            )

        figures = _figures(by_agent.get(agent.pk, []), runs_for, True, daily(agent.pk))
        rows.append(AgentRow(agent=agent, figures=figures))
    return TeamDashboard(
        team=team,
        period=period,
        agents=rows,
        team_figures=scorecard(scope=Scope.TEAM, subject=team, period=period, resolver=resolver),
        org_figures=scorecard(scope=Scope.ORG, subject=None, period=period, resolver=resolver),
    )


def figures_updated_at(*, scope: str, subject) -> dt.datetime | None:
    """When the subject's figures were last computed (the newest snapshot row): one query."""
    return Snapshot.objects.filter(_subject_filter(scope, subject)).aggregate(at=Max("computed_at"))["at"]


def channel_breakdown(*, scope: str, subject, period: Period) -> dict[str, dict[str, KpiFigure]]:
    """Every KPI per channel for a subject over a period (channels with data only): 2 queries."""
    resolver = _resolver_for(period)
    base = Snapshot.objects.filter(_subject_filter(scope, subject)).exclude(channel="")
    rows = _period_sums(base, period, ("channel",))
    daily = _daily_lookup(resolver, base, period, "channel")
    by_channel: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_channel[row["channel"]].append(row)
    agent_id, team_id = _target_subject(scope, subject)
    breakdown = {}
    for channel in Channel.values:
        if channel not in by_channel:
            continue

        def runs_for(code: str, channel=channel):
            return resolver.segments(
                kpi=code,
                date_from=period.date_from,
                date_to=period.date_to,
                channel=channel,
                agent_id=agent_id,
                team_id=team_id,
            )

        figures = _figures(by_channel[channel], runs_for, True, daily(channel))
        if any(f.sample_size for f in figures.values()):  # a figure of 0 is data; no records is not
            breakdown[channel] = figures
    return breakdown


# ---- trends ------------------------------------------------------------------------------

# A trend's grain follows its range, so a chart keeps a readable number of points each carrying
# enough records: days up to six weeks, weeks (Monday to Sunday) up to about six months, then
# calendar months.
SERIES_DAY_MAX_DAYS = 42
SERIES_WEEK_MAX_DAYS = 183


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def series_grain(period: Period) -> Grain:
    """The grain of a trend over `period`: day up to 42 days, week up to 183, month beyond."""
    if period.days <= SERIES_DAY_MAX_DAYS:
        return Grain.DAY
    if period.days <= SERIES_WEEK_MAX_DAYS:
        return Grain.WEEK
    return Grain.MONTH


def _bucket_start(day: dt.date, grain: Grain) -> dt.date:
    if grain == Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day


def series_buckets(period: Period, grain: Grain) -> list[Period]:
    """The consecutive days, weeks or calendar months covering `period`, the ends cut to the period."""
    buckets = []
    start = period.date_from
    while start <= period.date_to:
        if grain == Grain.WEEK:
            end = _bucket_start(start, grain) + dt.timedelta(days=6)
        elif grain == Grain.MONTH:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            end = start
        end = min(end, period.date_to)
        buckets.append(Period(start, end))
        start = end + dt.timedelta(days=1)
    return buckets


@dataclass
class SeriesPoint:
    """One point of a trend: a day, week or month (cut to the period) and its exact roll-up."""

    kpi: Kpi
    date_from: dt.date
    date_to: dt.date
    numerator: float
    denominator: int

    @property
    def value(self) -> float | None:
        return self.kpi.value(self.numerator, self.denominator)

    @property
    def sample_size(self) -> int:
        return self.kpi.sample_size(self.numerator, self.denominator)

    @property
    def low_confidence(self) -> bool:
        return self.kpi.low_confidence(self.denominator)


def kpi_series(
    *, scope: str, subject, period: Period, channel: str = "", grain: Grain | None = None
) -> dict[str, list[SeriesPoint]]:
    """Every KPI per day, week or month (series_grain) for a subject over a period: 1 query.

    A week or month is sum(numerator) / sum(denominator) of its days, never a mean of daily values;
    no snapshot row means no data (volume: 0).
    """
    grain = grain or series_grain(period)
    rows = (
        Snapshot.objects.filter(_subject_filter(scope, subject), channel=channel)
        .filter(date__gte=period.date_from, date__lte=period.date_to)
        .values("date", "kpi")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by()
    )
    sums: dict[tuple[str, dt.date], list] = defaultdict(lambda: [0.0, 0])
    for row in rows:
        bucket = sums[(row["kpi"], max(_bucket_start(row["date"], grain), period.date_from))]
        bucket[0] += row["num"] or 0.0
        bucket[1] += row["den"] or 0
    buckets = series_buckets(period, grain)
    series = {}
    for code, kpi in KPIS.items():
        points = []
        for bucket in buckets:
            num, den = sums.get((code, bucket.date_from), (0.0, 0))
            points.append(SeriesPoint(kpi, bucket.date_from, bucket.date_to, float(num), int(den)))
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
        f"at most {format_change(kpi, max_step).lstrip('+')} in one step."
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
