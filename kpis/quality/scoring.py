"""The scoring rules of a quality review, written once (docs/decisions.md, "Conversation quality reviews").

A category rated r on a k-point scale (ratings 1..k; binary is k = 2: 1 = no, 2 = yes) earns
weight × (r − 1) / (k − 1) points of weight possible. "Not applicable" (no rating) earns nothing and
adds nothing to the points possible. A critical category fails when it gets the lowest rating (1):
the review is then auto-failed, its points earned are 0 and its points possible stay what they were,
so an auto-fail weighs in every roll-up as a 0 % review of its full size.

The IQS of any set of reviews is Σ earned ÷ Σ possible × 100: sums roll up exactly across days,
agents, teams and periods (never a mean of means).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from kpis.formulas import Z_95
from kpis.stats import ratio_interval_percent

# A category "passes" (its pass rate on the agent's page) when its rating reaches the middle of its
# scale: binary yes; 2 or 3 of 3; 3 or 4 of 4; 3, 4 or 5 of 5.
PASS_SHARE = 0.5


@dataclass(frozen=True)
class CategoryRating:
    """One category's rating in a review: its weight, scale size k, whether critical, rating (None: N/A)."""

    weight: int
    points: int
    critical: bool
    rating: int | None


def category_points(*, weight: int, points: int, rating: int | None) -> tuple[float, float]:
    """(points earned, points possible) of one category; N/A is (0, 0)."""
    if rating is None:
        return 0.0, 0.0
    return weight * (rating - 1) / (points - 1), float(weight)


def category_passed(*, points: int, rating: int) -> bool:
    return (rating - 1) / (points - 1) >= PASS_SHARE


def critical_failed(*, critical: bool, rating: int | None) -> bool:
    """A critical category fails at its lowest rating (1); N/A never fails."""
    return critical and rating == 1


@dataclass(frozen=True)
class ReviewPoints:
    points_earned: float
    points_possible: float
    auto_failed: bool

    @property
    def percent(self) -> float | None:
        if not self.points_possible:
            return None
        return self.points_earned * 100 / self.points_possible


def review_points(ratings: Iterable[CategoryRating]) -> ReviewPoints:
    """Points of a whole review: the categories' sums, 0 earned when any critical category failed."""
    earned = possible = 0.0
    auto_failed = False
    for item in ratings:
        item_earned, item_possible = category_points(weight=item.weight, points=item.points, rating=item.rating)
        earned += item_earned
        possible += item_possible
        auto_failed = auto_failed or critical_failed(critical=item.critical, rating=item.rating)
    return ReviewPoints(points_earned=0.0 if auto_failed else earned, points_possible=possible, auto_failed=auto_failed)


@dataclass(frozen=True)
class IqsFigure:
    """IQS of a set of reviews: the sums, n (reviews), the 95 % interval and how many are disputed."""

    points_earned: float
    points_possible: float
    reviews: int
    disputed: int = 0
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def value(self) -> float | None:
        if not self.points_possible:
            return None
        return self.points_earned * 100 / self.points_possible

    @property
    def has_disputed(self) -> bool:
        return self.disputed > 0


def iqs_interval(pairs: list[tuple[float, float]], z: float = Z_95) -> tuple[float, float] | None:
    """95 % interval of the ratio Σe/Σp over reviews (earned, possible), in percent.

    The ratio estimator's linearised variance (Cochran, Sampling Techniques, §6.4): reviews are the
    sampled units, each contributing its own points possible, so unequal rubric sizes (N/A) are
    weighted as the IQS itself weighs them. None with fewer than two reviews; clipped to [0, 100].
    """
    # One formula with the snapshots' IQS figures (`kpis.stats.ratio_interval_percent`), fed the same sums.
    return ratio_interval_percent(
        units=len(pairs),
        numerator=sum(e for e, _ in pairs),
        denominator=sum(p for _, p in pairs),
        numerator_squares=sum(e * e for e, _ in pairs),
        cross_products=sum(e * p for e, p in pairs),
        denominator_squares=sum(p * p for _, p in pairs),
        z=z,
    )


def iqs_figure(pairs: list[tuple[float, float]], *, disputed: int = 0) -> IqsFigure:
    """The IQS figure of reviews given as (points earned, points possible)."""
    interval = iqs_interval(pairs)
    return IqsFigure(
        points_earned=sum(e for e, _ in pairs),
        points_possible=sum(p for _, p in pairs),
        reviews=len(pairs),
        disputed=disputed,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
    )


@dataclass(frozen=True)
class Correlation:
    """Pearson's r between review score and CSAT on the same tickets, with n and a Fisher-z interval."""

    r: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None


def pearson_with_interval(pairs: list[tuple[float, float]], z: float = Z_95) -> Correlation:
    """Pearson's r of (x, y) pairs; the 95 % interval is tanh(atanh(r) ± z / √(n − 3)), so n ≥ 4."""
    n = len(pairs)
    if n < 2:
        return Correlation(r=None, n=n)
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return Correlation(r=None, n=n)  # one side constant: no correlation is defined
    r = sum((x - mean_x) * (y - mean_y) for x, y in pairs) / math.sqrt(sxx * syy)
    r = max(-1.0, min(1.0, r))
    if n < 4 or abs(r) == 1.0:
        return Correlation(r=r, n=n)
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return Correlation(r=r, n=n, ci_low=math.tanh(centre - half), ci_high=math.tanh(centre + half))
