"""The scoring rules: points per category, N/A, auto-fail, the IQS interval, Pearson with Fisher z,
and Krippendorff's alpha on Krippendorff's own worked example."""

import math

import pytest

from kpis.quality.scoring import (
    CategoryRating,
    category_passed,
    category_points,
    iqs_figure,
    pearson_with_interval,
    review_points,
)
from kpis.quality.selectors import alpha_or_none


def test_a_rating_earns_weight_times_its_place_on_the_scale():
    assert category_points(weight=3, points=5, rating=5) == (3.0, 3.0)
    assert category_points(weight=3, points=5, rating=4) == (2.25, 3.0)
    assert category_points(weight=3, points=5, rating=1) == (0.0, 3.0)
    assert category_points(weight=2, points=2, rating=2) == (2.0, 2.0)  # binary yes
    assert category_points(weight=2, points=4, rating=2) == (pytest.approx(2 / 3), 2.0)


def test_not_applicable_is_left_out_of_points_possible():
    points = review_points(
        [
            CategoryRating(weight=1, points=2, critical=False, rating=2),
            CategoryRating(weight=2, points=4, critical=False, rating=None),
            CategoryRating(weight=3, points=5, critical=False, rating=3),
        ]
    )
    assert (points.points_earned, points.points_possible) == (2.5, 4.0)
    assert points.percent == 62.5


def test_a_failed_critical_category_sets_the_review_to_zero_of_its_full_size():
    points = review_points(
        [
            CategoryRating(weight=1, points=2, critical=False, rating=2),
            CategoryRating(weight=3, points=5, critical=True, rating=1),
        ]
    )
    assert (points.points_earned, points.points_possible, points.auto_failed) == (0.0, 4.0, True)
    not_failed = review_points([CategoryRating(weight=3, points=5, critical=True, rating=2)])
    assert (not_failed.points_earned, not_failed.auto_failed) == (0.75, False)
    na_critical = review_points([CategoryRating(weight=3, points=5, critical=True, rating=None)])
    assert na_critical.auto_failed is False


@pytest.mark.parametrize(("points", "passing"), [(2, {2}), (3, {2, 3}), (4, {3, 4}), (5, {3, 4, 5})])
def test_a_category_passes_from_the_middle_of_its_scale(points, passing):
    assert {r for r in range(1, points + 1) if category_passed(points=points, rating=r)} == passing


def test_iqs_is_the_ratio_of_sums_with_a_ratio_estimator_interval():
    figure = iqs_figure([(4.0, 4.0), (0.0, 4.0), (3.0, 6.0)], disputed=1)
    assert figure.value == pytest.approx(7 / 14 * 100)
    assert (figure.reviews, figure.disputed) == (3, 1)
    # Σ(e − R·p)² / (n − 1) = (2² + 2² + 0²) / 2 = 4; se = √(4 / 3) / (14 / 3)
    half = 1.959963984540054 * math.sqrt(4 / 3) / (14 / 3) * 100
    assert figure.ci_low == pytest.approx(50 - half)
    assert figure.ci_high == pytest.approx(50 + half)
    assert iqs_figure([(1.0, 2.0)]).ci_low is None  # one review: no interval


def test_pearson_interval_is_fisher_z():
    pairs = [(1, 1), (2, 3), (3, 2), (4, 4), (5, 5)]  # Σdx·dy = 9, Σdx² = Σdy² = 10: r = 0.9
    correlation = pearson_with_interval(pairs)
    assert correlation.n == 5
    assert correlation.r == pytest.approx(0.9)
    half = 1.959963984540054 / math.sqrt(2)
    assert correlation.ci_low == pytest.approx(math.tanh(math.atanh(correlation.r) - half))
    assert correlation.ci_high == pytest.approx(math.tanh(math.atanh(correlation.r) + half))
    assert pearson_with_interval([(1, 3), (2, 3), (3, 3)]).r is None  # constant CSAT: undefined


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: 4 observers × 12 units with
# missing values; the paper gives α = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval), 0.797 (ratio).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_reproduces_krippendorffs_worked_example(level, published):
    assert round(alpha_or_none(KRIPPENDORFF_2011, level), 3) == published


def test_alpha_is_undefined_without_variation_or_pairs():
    assert alpha_or_none([[3, 3], [3, 3]], "ordinal") is None
    assert alpha_or_none([[1, None], [None, 2]], "interval") is None
