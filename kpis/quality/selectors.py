"""Reads of conversation quality: IQS with n and a 95 % interval, per-category pass rates, quality vs
CSAT, calibration agreement (Krippendorff's alpha) and reviewers' drift, the review queue.

Only submitted reviews of kind "review" count in IQS (`live_reviews`); a re-scored review is replaced
by its re-score; a review with an open dispute still counts and is counted in `IqsFigure.disputed` so
every figure says so until the dispute is settled. Reviews count on `work_day`, the ticket's solved day.

A period's IQS (agent, team, organisation) is read from the IQS snapshots, the KPI registry's figure that
scorecards, dashboards and the API show (one definition); the review lists, pass rates and the correlation
with CSAT read the reviews themselves.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import krippendorff
import numpy as np
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts import scoping
from accounts.models import Team, User
from kpis.models import Scope, Snapshot
from kpis.registry import KPIS
from kpis.selectors import KpiFigure, Period, SumsPart, make_figure, read_sums, scorecard
from surveys.models import Kind, SurveyResponse

from .models import (
    AssignmentItem,
    CalibrationSession,
    Dispute,
    DisputeStatus,
    QualityReview,
    QualityReviewKind,
    QualityReviewStatus,
    QualityScore,
    RubricCategory,
)
from .scoring import Correlation, IqsFigure, category_passed, iqs_figure, pearson_with_interval

# Below this many tickets with both a review and a CSAT answer, the correlation is not read at all;
# from KPI_MIN_SAMPLE on, r ≤ this value raises pitfall 5 (the rubric and the customers disagree).
DISAGREEMENT_MAX_R = 0.1


def live_reviews() -> QuerySet[QualityReview]:
    """The reviews that count: submitted, of kind review (not calibration), not replaced by a re-score."""
    return QualityReview.objects.filter(kind=QualityReviewKind.REVIEW, status=QualityReviewStatus.SUBMITTED)


def with_open_dispute(reviews: QuerySet[QualityReview]) -> QuerySet[QualityReview]:
    return reviews.annotate(
        open_dispute=Exists(Dispute.objects.filter(review=OuterRef("pk"), status=DisputeStatus.OPEN))
    )


def in_period(reviews: QuerySet[QualityReview], period: Period | None) -> QuerySet[QualityReview]:
    if period is None:
        return reviews
    return reviews.filter(work_day__gte=period.date_from, work_day__lte=period.date_to)


def iqs(reviews: QuerySet[QualityReview]) -> IqsFigure:
    """IQS of any set of reviews (not a period's figure: those are `iqs_for`): Σ earned ÷ Σ possible, n, the
    95 % interval, how many are disputed."""
    rows = list(with_open_dispute(reviews).values_list("points_earned", "points_possible", "open_dispute"))
    return iqs_figure([(e, p) for e, p, _ in rows], disputed=sum(1 for *_, d in rows if d))


IQS = KPIS["iqs"]
IQS_CODES = (IQS.code, *(part.code for part in IQS.parts))


def iqs_of_figure(figure: KpiFigure) -> IqsFigure:
    """The quality pages' IQS figure from the registry's figure (sums, n reviews, interval, disputed)."""
    return IqsFigure(
        points_earned=figure.numerator,
        points_possible=figure.denominator,
        reviews=figure.sample_size,
        disputed=figure.disputed,
        ci_low=figure.ci_low,
        ci_high=figure.ci_high,
    )


def iqs_for(*, period: Period, agent: User | None = None, team: Team | None = None) -> IqsFigure:
    """IQS of an agent, a team or (neither) the organisation over a period, from the IQS snapshots."""
    if agent is not None:
        scope, subject = Scope.AGENT, agent
    elif team is not None:
        scope, subject = Scope.TEAM, team
    else:
        scope, subject = Scope.ORG, None
    return iqs_of_figure(scorecard(scope=scope, subject=subject, period=period, with_previous=False)[IQS.code])


def agents_iqs(*, team: Team, period: Period) -> dict[int, IqsFigure]:
    """IQS of each agent with reviews in the team over a period (agent id → figure), from the IQS snapshots:
    one query."""
    base = Snapshot.objects.filter(scope=Scope.AGENT, team=team, channel="", kpi__in=IQS_CODES)
    rows = read_sums({"agents": SumsPart(base, period, group="agent_id", with_previous=False)})["agents"]
    sums: dict[int, dict[str, tuple[float, int]]] = defaultdict(dict)
    for row in rows:
        sums[row["agent_id"]][row["kpi"]] = (row["num"] or 0.0, row["den"] or 0)
    return {
        agent_id: iqs_of_figure(make_figure(IQS, *own.get(IQS.code, (0.0, 0)), parts=own))
        for agent_id, own in sums.items()
        if own.get(IQS.code, (0.0, 0))[1]
    }


@dataclass
class CategoryPassRate:
    """How often one category passed (rating at least the middle of its scale) among its applicable ratings."""

    rubric: str
    name: str
    is_critical: bool
    rated: int = 0
    passed: int = 0
    not_applicable: int = 0
    points_earned: float = 0.0
    points_possible: float = 0.0

    @property
    def pass_rate(self) -> float | None:
        return self.passed * 100 / self.rated if self.rated else None

    @property
    def points_percent(self) -> float | None:
        return self.points_earned * 100 / self.points_possible if self.points_possible else None


def category_pass_rates(reviews: QuerySet[QualityReview]) -> list[CategoryPassRate]:
    """Per category (by rubric and name, across versions): pass rate and the share of its points earned,
    lowest pass rate first (where to coach)."""
    rates: dict[tuple[str, str], CategoryPassRate] = {}
    scores = QualityScore.objects.filter(review__in=reviews).select_related("category__version__rubric")
    for score in scores:
        category = score.category
        key = (category.version.rubric.name, category.name)
        rate = rates.setdefault(key, CategoryPassRate(rubric=key[0], name=key[1], is_critical=category.is_critical))
        if score.rating is None:
            rate.not_applicable += 1
            continue
        rate.rated += 1
        rate.passed += category_passed(points=category.points, rating=score.rating)
        rate.points_earned += category.weight * (score.rating - 1) / (category.points - 1)
        rate.points_possible += category.weight
    return sorted(rates.values(), key=lambda r: (r.pass_rate if r.pass_rate is not None else 101, r.rubric, r.name))


def quality_reviews_list(
    *, user: User, agent: User | None = None, team: Team | None = None, period: Period | None = None
) -> QuerySet[QualityReview]:
    """The quality reviews the user may read (scoped), of kind review, newest first, dispute marked."""
    reviews = scoping.quality_reviews_visible(user).filter(kind=QualityReviewKind.REVIEW)
    if agent is not None:
        reviews = reviews.filter(agent=agent)
    if team is not None:
        reviews = reviews.filter(team=team)
    reviews = in_period(reviews, period)
    return (
        with_open_dispute(reviews)
        .select_related("ticket", "agent", "team", "reviewer", "rubric_version__rubric")
        .order_by("-work_day", "-pk")
    )


@dataclass
class AgentQuality:
    iqs: IqsFigure
    categories: list[CategoryPassRate]


def agent_quality(*, agent: User, period: Period) -> AgentQuality:
    """The agent's quality page: IQS (from the snapshots) and per-category pass rates over the period."""
    reviews = in_period(live_reviews(), period).filter(agent=agent)
    return AgentQuality(iqs=iqs_for(period=period, agent=agent), categories=category_pass_rates(reviews))


@dataclass
class AgentIqsRow:
    agent: User
    iqs: IqsFigure


@dataclass
class TeamQuality:
    iqs: IqsFigure
    agents: list[AgentIqsRow]
    categories: list[CategoryPassRate]
    versus_csat: Correlation


def team_quality(*, team: Team, period: Period) -> TeamQuality:
    """A team's quality: its IQS (the exact roll-up of its agents' points) and each agent's, from the IQS
    snapshots; category pass rates and the correlation with CSAT on the same tickets."""
    reviews = in_period(live_reviews(), period).filter(team=team)
    figures = agents_iqs(team=team, period=period)
    agents = User.objects.in_bulk(list(figures))
    per_agent = sorted(
        (AgentIqsRow(agent=agents[a], iqs=figure) for a, figure in figures.items()), key=lambda row: str(row.agent)
    )
    return TeamQuality(
        iqs=iqs_for(period=period, team=team),
        agents=per_agent,
        categories=category_pass_rates(reviews),
        versus_csat=quality_vs_csat(team=team, period=period),
    )


def quality_vs_csat(*, team: Team | None, period: Period | None) -> Correlation:
    """Pearson's r between a ticket's review score (its live reviews' Σe/Σp) and its CSAT (mean of its
    CSAT answers), over tickets with both, of a team or (None) the organisation."""
    reviews = in_period(live_reviews(), period)
    if team is not None:
        reviews = reviews.filter(team=team)
    points: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for ticket_id, earned, possible in reviews.values_list("ticket_id", "points_earned", "points_possible"):
        points[ticket_id][0] += earned
        points[ticket_id][1] += possible
    csat: dict[int, list[int]] = defaultdict(list)
    answers = SurveyResponse.objects.filter(kind=Kind.CSAT, ticket_id__in=list(points)).values_list(
        "ticket_id", "score"
    )
    for ticket_id, score in answers:
        csat[ticket_id].append(score)
    pairs = [
        (earned * 100 / possible, sum(csat[t]) / len(csat[t]))
        for t, (earned, possible) in sorted(points.items())
        if possible and csat.get(t)
    ]
    return pearson_with_interval(pairs)


def quality_disagreement(*, team: Team | None, period: Period | None, min_sample: int) -> tuple[bool, Correlation]:
    """Pitfall 5's quality check: do reviews and customers disagree on the same tickets?"""
    correlation = quality_vs_csat(team=team, period=period)
    triggered = correlation.r is not None and correlation.n >= min_sample and correlation.r <= DISAGREEMENT_MAX_R
    return triggered, correlation


def review_detail_rows(review: QualityReview) -> list[dict]:
    """Each category of the review's rubric version with its rating, points and comment (unrated: None)."""
    scores = {s.category_id: s for s in review.scores.all()}
    rows = []
    for category in review.rubric_version.categories.all():
        score = scores.get(category.pk)
        rated = score is not None and score.rating is not None
        rows.append(
            {
                "category": category,
                "score": score,
                "label": (dict(category.rating_choices()).get(score.rating) if rated else ("N/A" if score else "—")),
                "points_earned": category.weight * (score.rating - 1) / (category.points - 1) if rated else None,
                "points_possible": category.weight if rated else 0,
                "failed_critical": rated and category.is_critical and score.rating == 1,
            }
        )
    return rows


def review_queue(user: User) -> QuerySet[AssignmentItem]:
    """Drawn tickets of the teams the user reviews that nobody has submitted a review of yet."""
    reviewed = live_reviews().filter(ticket=OuterRef("ticket"))
    return (
        AssignmentItem.objects.filter(assignment__in=scoping.assignments_visible(user))
        .filter(ticket__in=scoping.quality_tickets_reviewable(user))
        .annotate(reviewed=Exists(reviewed))
        .filter(reviewed=False)
        .select_related("ticket", "agent", "assignment__team")
        .order_by("-assignment__week_start", "assignment__team__name", "position")
    )


# ---- calibration -----------------------------------------------------------------------------


def alpha_or_none(matrix: list[list[float | None]], level: str, value_domain=None) -> float | None:
    """Krippendorff's alpha of reviewers × units (None: missing), or None when it is undefined
    (fewer than two pairable values, or a single value everywhere: no variation to agree on)."""
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    if data.size == 0 or data.shape[0] < 2:
        return None
    pairable = (~np.isnan(data)).sum(axis=0)
    values = data[~np.isnan(data)]
    if (pairable >= 2).sum() == 0 or len(np.unique(values[~np.isnan(values)])) < 2:
        return None
    try:
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=value_domain)
    except (ValueError, ZeroDivisionError):
        return None
    return None if value is None or math.isnan(value) else float(value)


@dataclass
class CategoryAgreement:
    category: RubricCategory
    alpha_ordinal: float | None
    tickets_all_agree: int
    tickets_compared: int
    largest_range: int | None  # the widest rating gap between two reviewers on one ticket


@dataclass
class CalibrationTicketRow:
    ticket: object
    submitted_own: bool
    visible: bool
    scores: list[tuple[User, QualityReview | None]] = field(default_factory=list)
    reference: QualityReview | None = None


@dataclass
class CalibrationResult:
    rows: list[CalibrationTicketRow]
    reviewers: list[User]
    all_visible: bool
    categories: list[CategoryAgreement]
    alpha_interval: float | None  # on the review score (percent) per ticket
    submitted: int
    expected: int


def calibration_results(session: CalibrationSession, user: User) -> CalibrationResult:
    """Who scored what, blind: a participant sees a ticket's other scores once they submitted theirs.

    Agreement per category is Krippendorff's alpha at the ordinal level (ratings are ordered, their
    steps not equal); on the whole review score (percent), the interval level. N/A is a missing value.
    """
    reviewers = sorted(session.reviewers.all(), key=str)
    tickets = list(session.tickets.select_related("agent").order_by("pk"))
    categories = list(session.rubric_version.categories.all())
    submitted = list(
        session.reviews.filter(kind=QualityReviewKind.CALIBRATION, status=QualityReviewStatus.SUBMITTED)
        .select_related("reviewer")
        .prefetch_related(Prefetch("scores", queryset=QualityScore.objects.all()))
    )
    references = {
        r.ticket_id: r
        for r in session.reviews.filter(kind=QualityReviewKind.REFERENCE)
        .select_related("reviewer")
        .prefetch_related("scores")
    }
    by_cell = {(r.ticket_id, r.reviewer_id): r for r in submitted}
    rows = []
    for ticket in tickets:
        own = (ticket.pk, user.pk) in by_cell
        visible = scoping.can_see_calibration_scores(user, session, submitted_own=own)
        row = CalibrationTicketRow(
            ticket=ticket, submitted_own=own, visible=visible, reference=references.get(ticket.pk)
        )
        row.scores = [(reviewer, by_cell.get((ticket.pk, reviewer.pk))) for reviewer in reviewers]
        rows.append(row)
    all_visible = all(row.visible for row in rows)
    agreements = []
    alpha_interval = None
    if all_visible and submitted:
        ratings = {(r.ticket_id, r.reviewer_id): {s.category_id: s.rating for s in r.scores.all()} for r in submitted}
        for category in categories:
            matrix = [[ratings.get((t.pk, rv.pk), {}).get(category.pk) for t in tickets] for rv in reviewers]
            per_ticket = [[v for v in column if v is not None] for column in zip(*matrix, strict=True)]
            compared = [values for values in per_ticket if len(values) >= 2]
            agreements.append(
                CategoryAgreement(
                    category=category,
                    alpha_ordinal=alpha_or_none(matrix, "ordinal", value_domain=list(range(1, category.points + 1))),
                    tickets_all_agree=sum(1 for values in compared if len(set(values)) == 1),
                    tickets_compared=len(compared),
                    largest_range=max((max(v) - min(v) for v in compared), default=None),
                )
            )
        percents = [
            [by_cell[(t.pk, rv.pk)].percent if (t.pk, rv.pk) in by_cell else None for t in tickets] for rv in reviewers
        ]
        alpha_interval = alpha_or_none(percents, "interval")
    return CalibrationResult(
        rows=rows,
        reviewers=reviewers,
        all_visible=all_visible,
        categories=agreements,
        alpha_interval=alpha_interval,
        submitted=len(submitted),
        expected=len(tickets) * len(reviewers),
    )


@dataclass
class DriftPoint:
    session: CalibrationSession
    tickets: int
    mean_difference: float  # reviewer's score − reference, in percentage points (+: more lenient)
    mean_absolute_difference: float


@dataclass
class ReviewerDrift:
    reviewer: User
    points: list[DriftPoint]


def reviewer_drift(*, sessions: QuerySet[CalibrationSession]) -> list[ReviewerDrift]:
    """Each reviewer's distance from the settled reference score, session by session (oldest first)."""
    references = {
        (r.calibration_id, r.ticket_id): r.percent
        for r in QualityReview.objects.filter(calibration__in=sessions, kind=QualityReviewKind.REFERENCE)
    }
    differences: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    scored = QualityReview.objects.filter(
        calibration__in=sessions, kind=QualityReviewKind.CALIBRATION, status=QualityReviewStatus.SUBMITTED
    ).values_list("reviewer_id", "calibration_id", "ticket_id", "points_earned", "points_possible")
    for reviewer_id, session_id, ticket_id, earned, possible in scored:
        reference = references.get((session_id, ticket_id))
        if reference is None or not possible:
            continue
        differences[reviewer_id][session_id].append(earned * 100 / possible - reference)
    session_rows = {s.pk: s for s in sessions.filter(pk__in={s for d in differences.values() for s in d})}
    users = User.objects.in_bulk(list(differences))
    result = []
    for reviewer_id, per_session in differences.items():
        points = [
            DriftPoint(
                session=session_rows[sid],
                tickets=len(values),
                mean_difference=sum(values) / len(values),
                mean_absolute_difference=sum(abs(v) for v in values) / len(values),
            )
            for sid, values in per_session.items()
        ]
        points.sort(key=lambda p: (p.session.created_at, p.session.pk))
        result.append(ReviewerDrift(reviewer=users[reviewer_id], points=points))
    return sorted(result, key=lambda d: str(d.reviewer))
