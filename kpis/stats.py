"""Confidence figures: the Wilson score interval and the low-sample flag (formulas in `kpis.formulas`)."""

from __future__ import annotations

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
