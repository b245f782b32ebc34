"""Confidence figures: the Wilson score interval, the ratio-of-sums interval (IQS) and the low-sample flag
(formulas in `kpis.formulas`)."""

from __future__ import annotations

import math

from django.conf import settings

from .formulas import Z_95, low_sample, wilson_percent


def wilson_interval(successes: float, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """95 % Wilson score interval for a proportion, in percent; None without trials."""
    if trials <= 0:
        return None
    return wilson_percent(successes, trials, z=z)


def is_low_confidence(sample_size: int) -> bool:
    """A figure from fewer than KPI_MIN_SAMPLE responses or tickets is flagged."""
    return low_sample(sample_size, settings.KPI_MIN_SAMPLE)


def ratio_interval_percent(
    *,
    units: int,
    numerator: float,
    denominator: float,
    numerator_squares: float,
    cross_products: float,
    denominator_squares: float,
    z: float = Z_95,
) -> tuple[float, float] | None:
    """95 % interval, in percent, of a ratio of sums R = Σe ÷ Σp over `units` sampled units (IQS: reviews).

    The ratio estimator's linearised variance (Cochran, Sampling Techniques, §6.4):
    se = √(Σ(eᵢ − R·pᵢ)² / (n − 1) / n) ÷ p̄, written with the sums Σe², Σe·p and Σp² so that it rolls up from
    stored sums: Σ(e − Rp)² = Σe² − 2R·Σe·p + R²·Σp². Clipped to [0, 100]; None below two units.
    """
    if units < 2 or denominator <= 0:
        return None
    ratio = numerator / denominator
    # Rounding can leave a hair below zero when every unit scores the same.
    residuals = max(0.0, numerator_squares - 2 * ratio * cross_products + ratio * ratio * denominator_squares)
    half = z * math.sqrt(residuals / (units - 1) / units) / (denominator / units)
    return max(0.0, ratio - half) * 100, min(1.0, ratio + half) * 100


def difference_interval(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, z: float = Z_95
) -> tuple[float, float] | None:
    """95 % interval, in percentage points, of the difference of two independent proportions a − b.

    Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873, method 10): from each proportion's
    Wilson interval (l, u), the difference d = p_a − p_b spans d − √((p_a − l_a)² + (u_b − p_b)²) to
    d + √((u_a − p_a)² + (p_b − l_b)²). It stays within [−100, 100] and behaves with few or no events,
    where the Wald interval does not. None when either group is empty.
    """
    if trials_a <= 0 or trials_b <= 0:
        return None
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    low_a, high_a = (bound / 100 for bound in wilson_percent(successes_a, trials_a, z=z))
    low_b, high_b = (bound / 100 for bound in wilson_percent(successes_b, trials_b, z=z))
    difference = p_a - p_b
    below = math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    above = math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return (difference - below) * 100, (difference + above) * 100
