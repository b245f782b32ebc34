"""Reads of coaching reviews shared by the pages, the API and the export: the filtered list,
the KPI summary (live for a draft, frozen for a shared review), the pitfalls checklist, goal
tracking against the snapshots, the review history and notifications.

No KPI arithmetic here: every figure comes from `kpis.selectors.scorecard` and every verdict
from `kpis.targets.status_against`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts import scoping
from accounts.models import AuditEvent, Team, User
from kpis.days import local_date
from kpis.models import Scope, Snapshot, TargetStatus
from kpis.pitfalls import review_pitfalls
from kpis.registry import KPIS
from kpis.selectors import Period, make_figure, scorecard
from kpis.targets import status_against

from .models import Goal, Notification, Review, ReviewAction, ReviewEvent, ReviewKpi, ReviewPitfall, ReviewStatus

# ---- the list ------------------------------------------------------------------------------


def review_period(review: Review) -> Period:
    """The reviewed period as a `kpis.selectors.Period`."""
    return Period(review.period_start, review.period_end)


def reviews_list(
    *,
    user: User,
    team: Team | int | None = None,
    agent: User | int | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Review]:
    """The reviews the user may read, filtered; a period filter keeps reviews whose period intersects it."""
    reviews = scoping.reviews_visible(user)
    if team:
        reviews = reviews.filter(team=team)
    if agent:
        reviews = reviews.filter(agent=agent)
    if status:
        reviews = reviews.filter(status=status)
    reviews = _intersecting(reviews, date_from, date_to)
    return (
        reviews.select_related("agent", "team", "author")
        .annotate(goal_count=Count("goals", distinct=True))
        .order_by("-period_end", "-pk")
    )


def _intersecting(reviews: QuerySet[Review], date_from: dt.date | None, date_to: dt.date | None) -> QuerySet[Review]:
    """Reviews whose period shares at least one day with [date_from, date_to] (both ends inclusive, either open)."""
    if date_from:
        reviews = reviews.filter(period_end__gte=date_from)
    if date_to:
        reviews = reviews.filter(period_start__lte=date_to)
    return reviews


def reviews_overlapping(
    *, viewer: User, agent: User | int, period_start: dt.date, period_end: dt.date
) -> QuerySet[Review]:
    """The agent's reviews the viewer may read whose period shares a day with [period_start, period_end].

    Starting a review asks for a confirmation when this is not empty (page and API). Only reviews the viewer
    may read are counted or named: another leader's draft is never revealed, not even as a number.
    """
    reviews = scoping.reviews_visible(viewer).filter(agent=agent)
    return _intersecting(reviews, period_start, period_end).select_related("author").order_by("period_start", "pk")


def reviews_for_agent(*, agent: User, viewer: User) -> QuerySet[Review]:
    """An agent's review history as the viewer may read it (the scorecard's panel), newest first."""
    return (
        scoping.reviews_visible(viewer)
        .filter(agent=agent)
        .select_related("author", "team", "agent")
        .order_by("-period_end", "-pk")
    )


# ---- the KPI summary -----------------------------------------------------------------------


def review_summary_live(review: Review) -> list[ReviewKpi]:
    """The KPI summary computed now from the snapshots, as unsaved `ReviewKpi` rows (sharing saves them)."""
    figures = scorecard(scope=Scope.AGENT, subject=review.agent, period=review_period(review))
    return [
        ReviewKpi(
            review=review,
            kpi=code,
            position=position,
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            sample_size=figure.sample_size,
            low_confidence=figure.low_confidence,
            ci_low=figure.ci_low,
            ci_high=figure.ci_high,
            target_value=figure.target_value,
            stretch_value=figure.stretch_value,
            status=figure.status,
            previous_value=figure.previous_value,
            change=figure.change,
            trend=figure.trend or "",
            median_seconds=figure.median,
            p90_seconds=figure.p90,
            distribution_count=figure.distribution_count if figure.kpi.has_distribution else None,
            target_statistic=figure.target.statistic if figure.target else "",
        )
        for position, (code, figure) in enumerate(figures.items())
    ]


def review_summary(review: Review) -> list[ReviewKpi]:
    """The frozen summary of a shared review; the live one (from today's snapshots) for a draft."""
    if review.is_draft:
        return review_summary_live(review)
    return list(review.kpi_summary.order_by("position"))


# ---- the pitfalls checklist ----------------------------------------------------------------


@dataclass
class PitfallItem:
    """One pitfall of a review: its signal (frozen once shared) and the author's answer."""

    record: ReviewPitfall
    triggered: bool | None
    evidence: list[str]
    advice: str
    frozen: bool

    @property
    def number(self) -> int:
        return self.record.number

    @property
    def title(self) -> str:
        return self.record.title


def review_checklist(review: Review) -> list[PitfallItem]:
    """The five pitfalls: live signals for a draft (from its current goals), the frozen ones once shared."""
    records = list(review.pitfalls.select_related("confirmed_by").order_by("number"))
    if not review.is_draft:
        return [PitfallItem(r, r.triggered, list(r.evidence), r.advice, frozen=True) for r in records]
    goals = [(goal.kpi, goal.target_value) for goal in review.goals.all()]
    checks = {c.number: c for c in review_pitfalls(agent=review.agent, period=review_period(review), goals=goals)}
    return [
        PitfallItem(r, checks[r.number].triggered, checks[r.number].evidence, checks[r.number].advice, frozen=False)
        for r in records
    ]


# ---- goal tracking -------------------------------------------------------------------------


class GoalStatus(models.TextChoices):
    """A goal's progress (computed, not stored); labels are what the agent and the leader read."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    NO_DATA = "no_data", "No data yet"
    # Records so far fewer than KPI_MIN_SAMPLE: the value and n are shown, no verdict is drawn from them.
    TOO_FEW = "too_few", "Too few records to judge"
    NOT_TRACKED = "not_tracked", "Not tracked (no KPI)"


@dataclass
class GoalProgress:
    goal: Goal
    status: str
    value: float | None = None
    sample_size: int = 0
    low_confidence: bool = False
    window: Period | None = None
    final: bool = False
    evidence: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return GoalStatus(self.status).label

    @property
    def tracked_from(self) -> dt.date | None:
        return goal_window_start(self.goal) if self.goal.is_tracked else None


def goal_window_start(goal: Goal) -> dt.date:
    """Tracking starts on the day the review was shared (in the agent's team's time zone),
    or the day after the reviewed period for a review not shared yet."""
    review = goal.review
    if review.shared_at is not None:
        return local_date(review.shared_at, review.team.zone)
    return review.period_end + dt.timedelta(days=1)


def _today_for(goal: Goal) -> dt.date:
    return local_date(timezone.now(), goal.review.team.zone)


def goal_progress(goal: Goal, today: dt.date | None = None) -> GoalProgress:
    """Track one goal against the snapshots (see `goals_progress`)."""
    return goals_progress([goal], today=today)[0]


def goals_progress(goals: Iterable[Goal], today: dt.date | None = None) -> list[GoalProgress]:
    """Track goals against the agent snapshots from the review to min(today, due date): one query for all.

    Before or on the due date: on track (the goal is met so far) or at risk; from the day after the
    due date (the due day's data is complete): achieved or missed. No data yet without a value; too few records
    to judge on a low-confidence value (fewer records than KPI_MIN_SAMPLE): a verdict on one or two tickets would
    be noise, told to an agent.
    The goal's own target value is the yardstick (no Target rows are read).
    """
    goals = list(goals)
    windows: dict[int, tuple[Period | None, bool]] = {}
    for goal in goals:
        if goal.is_tracked:
            day = today or _today_for(goal)
            start, end = goal_window_start(goal), min(day, goal.due_date)
            windows[goal.pk] = (Period(start, end) if end >= start else None, day > goal.due_date)
    daily = _daily_agent_sums([(goal, windows[goal.pk][0]) for goal in goals if windows.get(goal.pk, (None,))[0]])
    progress = []
    for goal in goals:
        if not goal.is_tracked:
            progress.append(GoalProgress(goal=goal, status=GoalStatus.NOT_TRACKED))
            continue
        window, final = windows[goal.pk]
        if window is None:
            progress.append(GoalProgress(goal=goal, status=GoalStatus.NO_DATA, final=final))
            continue
        kpi = KPIS[goal.kpi]

        def window_sums(code: str, window=window, goal=goal) -> tuple[float, int]:
            days = daily.get((goal.review.agent_id, code), {})
            in_window = [sums for date, sums in days.items() if window.date_from <= date <= window.date_to]
            return sum(n for n, _ in in_window), sum(d for _, d in in_window)

        # A sampled ratio (IQS) reads its sample size from its part rows.
        parts = {part.code: window_sums(part.code) for part in kpi.parts}
        figure = make_figure(kpi, *window_sums(goal.kpi), parts=parts)
        verdict = status_against(goal.kpi, figure.value, goal.target_value, None)
        if verdict == TargetStatus.NO_DATA:
            status = GoalStatus.NO_DATA
        elif figure.low_confidence:
            status = GoalStatus.TOO_FEW
        elif verdict == TargetStatus.MET:
            status = GoalStatus.ACHIEVED if final else GoalStatus.ON_TRACK
        else:
            status = GoalStatus.MISSED if final else GoalStatus.AT_RISK
        progress.append(
            GoalProgress(
                goal=goal,
                status=status,
                value=figure.value,
                sample_size=figure.sample_size,
                low_confidence=figure.low_confidence,
                window=window,
                final=final,
            )
        )
    return progress


def _daily_agent_sums(windows: list[tuple[Goal, Period]]) -> dict[tuple[int, str], dict[dt.date, tuple[float, int]]]:
    """Per (agent, KPI), the daily numerator and denominator of every goal's window, in one query."""
    if not windows:
        return {}
    rows = (
        Snapshot.objects.filter(
            scope=Scope.AGENT,
            channel="",
            agent_id__in={goal.review.agent_id for goal, _ in windows},
            kpi__in={code for goal, _ in windows for code in (goal.kpi, *(p.code for p in KPIS[goal.kpi].parts))},
            date__gte=min(window.date_from for _, window in windows),
            date__lte=max(window.date_to for _, window in windows),
        )
        .values("agent_id", "kpi", "date")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))  # an agent's rows under several teams add up
        .order_by()
    )
    daily: dict[tuple[int, str], dict[dt.date, tuple[float, int]]] = {}
    for row in rows:
        daily.setdefault((row["agent_id"], row["kpi"]), {})[row["date"]] = (row["num"], row["den"])
    return daily


def _tracked_goals(reviews: QuerySet[Review]) -> QuerySet[Goal]:
    return (
        Goal.objects.filter(review__in=reviews.exclude(status=ReviewStatus.DRAFT).values("pk"))
        # What the goals panels show and track with: the review, its agent and its team's time zone, in one more
        # query only when there are goals. Joined into the goals' own statement they cost every dashboard and
        # scorecard ~1 ms of building and planning, goals or not (2.5-2.9 ms instead of 1.6 for none).
        .prefetch_related(Prefetch("review", queryset=Review.objects.select_related("agent", "team")))
        .order_by("due_date", "pk")
    )


def goals_for_agent(*, agent: User, viewer: User, today: dt.date | None = None) -> list[GoalProgress]:
    """The goals of an agent's shared reviews the viewer may read, with their progress (scorecard panel)."""
    return goals_progress(_tracked_goals(scoping.reviews_visible(viewer).filter(agent=agent)), today=today)


def goals_for_team(*, team: Team, viewer: User, today: dt.date | None = None) -> list[GoalProgress]:
    """The goals of the team's agents' shared reviews the viewer may read (team dashboard panel)."""
    reviews = scoping.reviews_visible(viewer).filter(Q(agent__team=team) | Q(team=team))
    return goals_progress(_tracked_goals(reviews), today=today)


# ---- detail and export helpers -------------------------------------------------------------


def review_for_export(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """The reviews with everything an export row needs, in a fixed number of queries."""
    return (
        reviews.select_related("agent", "team", "author")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("due_date", "pk")),
            Prefetch("kpi_summary", queryset=ReviewKpi.objects.order_by("position")),
        )
        .annotate(amendment_count=Count("amendments", distinct=True))
        .order_by("team__name", "agent__username", "period_start", "pk")
    )


def unread_notifications_count(user: User) -> int:
    """How many in-app notifications the user has not read."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: User, limit: int = 50) -> list[Notification]:
    """The user's latest notifications, unread first."""
    if not user.is_authenticated:
        return []
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("review__agent")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-pk")[:limit]
    )


def review_audit_events(review: Review) -> QuerySet[AuditEvent]:
    """Every audit-trail entry of one review (who changed what, with before/after), newest first.

    Unfiltered: what a reader is shown comes from `review_audit_for`."""
    return AuditEvent.objects.filter(object_type=Review._meta.label_lower, object_id=str(review.pk)).select_related(
        "actor"
    )


# ---- history and audit trail as a reader may see them ------------------------------------
# HR, the agent and other leaders see a review as it was shared and what happened after: the draft
# stage (texts later rewritten, goals added then removed, checklist notes) stays with its author and
# admins (`scoping.can_read_review_draft_history`). The share is found by its recorded event rather
# than by clock time, so rows written by servers with skewed clocks cannot cross the boundary; a
# review marked shared without a share event (data loaded by hand) falls back to `shared_at`.

SHARE_AUDIT_ACTION = f"review.{ReviewAction.SHARED}"


@dataclass(frozen=True)
class AuditEntry:
    """One row of a review's audit trail as shown to a reader."""

    at: dt.datetime
    actor_label: str
    action: str
    before: dict | None
    after: dict | None


def _share_stage(rows: QuerySet, share_filter: Q, review: Review) -> QuerySet:
    """`rows` from the share on: from the share row (by id) or, lacking one, from `review.shared_at`."""
    share = rows.filter(share_filter).order_by("pk").first()
    if share is not None:
        return rows.filter(pk__gte=share.pk)
    return rows.filter(at__gte=review.shared_at)


def review_history_for(user: User, review: Review) -> QuerySet[ReviewEvent]:
    """The review's events the user may read, oldest first: all of them for its author and admins,
    from the share on for everyone else (nothing of a draft)."""
    events = review.events.select_related("actor").order_by("at", "pk")
    if scoping.can_read_review_draft_history(user, review):
        return events
    if review.is_draft:
        return events.none()
    return _share_stage(events, Q(action=ReviewAction.SHARED), review)


def review_audit_for(user: User, review: Review) -> list[AuditEntry] | None:
    """The review's audit trail the user may read, newest first, or None for a user who reads no audit
    trail; without the draft stage unless `can_read_review_draft_history`."""
    if not scoping.can_read_review_audit(user):
        return None
    rows = review_audit_events(review).order_by("-at", "-pk")
    full = scoping.can_read_review_draft_history(user, review)
    if not full:
        if review.is_draft:
            return []
        rows = _share_stage(rows, Q(action=SHARE_AUDIT_ACTION), review)
    entries = []
    for row in rows:
        before = row.before
        if not full and row.action == SHARE_AUDIT_ACTION and isinstance(before, dict):
            # The share's "before" is the draft: keep only the status it left.
            before = {key: value for key, value in before.items() if key == "status"}
        entries.append(AuditEntry(row.at, row.actor_label, row.action, before, row.after))
    return entries
