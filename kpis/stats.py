"""Confidence figures: the Wilson score interval and the low-sample flag."""

from __future__ import annotations

import math

from django.conf import settings

Z_95 = 1.959963984540054


def wilson_interval(successes: float, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """95 % Wilson score interval for a proportion, in percent; None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half_width) * 100, min(1.0, centre + half_width) * 100


def is_low_confidence(sample_size: int) -> bool:
    """A figure from fewer than KPI_MIN_SAMPLE responses or tickets is flagged."""
    return sample_size < settings.KPI_MIN_SAMPLE
