"""Formatting of KPI figures for the pages: units, signs, statuses, confidence marks, navigation.

Formatting only: every figure arrives computed by `kpis.selectors`.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from kpis.formatting import (
    NO_VALUE,
    format_change,
    format_duration,
    format_scale,
    format_signed,
    format_target,
    format_value,
)
from kpis.models import TargetStatus

register = template.Library()

STATUS_SYMBOLS = {
    TargetStatus.EXCELLENT: "★",
    TargetStatus.MET: "✓",
    TargetStatus.MISSED: "✗",
    TargetStatus.NO_DATA: "·",
    TargetStatus.NO_TARGET: "·",
}
TREND_SYMBOLS = {"better": "▲", "worse": "▼", "flat": "▶", "up": "▲", "down": "▼"}


@register.filter
def percent(value) -> str:
    """85.04 → “85.0 %”."""
    return format_value("csat", value)


@register.filter
def duration(seconds) -> str:
    """Seconds as a person reads them: “45 s”, “6 min”, “1 h 5 min”, “24 h”, “2 d 3 h”."""
    return format_duration(seconds)


@register.filter
def signed(value, decimals: int = 0) -> str:
    """A signed number with a true minus sign: 65 → “+65”, -20 → “−20”, 0 → “0”."""
    return format_signed(value, decimals)


@register.filter
def nps(value) -> str:
    """NPS as a signed integer: “+65”, “−20”, “0”."""
    return format_value("nps", value)


@register.filter
def kpi_format(value, kpi_or_code) -> str:
    """A KPI value in its unit: “85.0 %”, “6 min”, “+65”, “5.20”, “1,204 tickets”; “—” for no data."""
    return format_value(kpi_or_code, value)


@register.filter
def kpi_change(change, kpi_or_code) -> str:
    """A change against the previous period in the KPI's unit: “+3.2 pts”, “−1 min 5 s”, “+12 tickets”."""
    return format_change(kpi_or_code, change)


@register.filter
def kpi_scale(kpi_or_code) -> str:
    """The range a target of the KPI may take, in its units: “from 0 to 100 %”, “above 0 s and at most 24 h”."""
    return format_scale(kpi_or_code)


@register.filter
def status_class(status: str) -> str:
    """The CSS class of a target status: “status-met”, “status-missed”…"""
    return f"status-{status}" if status in TargetStatus.values else "status-no_data"


@register.filter
def status_label(status: str) -> str:
    """The text label of a target status, so that colour is never the only signal."""
    return TargetStatus(status).label if status in TargetStatus.values else NO_VALUE


@register.filter
def status_symbol(status: str) -> str:
    return STATUS_SYMBOLS.get(status, "")


@register.filter
def target_text(figure) -> str:
    """The target in force as a comparison: “≥ 80.0 %”, “≤ 6 min 0 s”; empty without a target."""
    if figure is None or figure.target is None:
        return ""
    kpi = figure.kpi
    text = format_target(kpi, figure.target_value)
    if figure.stretch_value is not None:
        text += f" (stretch {format_value(kpi, figure.stretch_value)})"
    if figure.target_changes:  # judged day by day against the targets of the period (kpis.selectors)
        days = ", ".join(f"{day:%d %b}" for day in figure.target_changes)
        text += f"; the target changed on {days}: each day's records held to that day's target"
    return text


@register.filter
def interval_text(figure) -> str:
    """The 95 % Wilson interval of a rate: “95 % interval 72.1–95.3 %”; empty for non-rates."""
    if figure is None or figure.ci_low is None or figure.ci_high is None:
        return ""
    return f"95 % interval {figure.ci_low:.1f}–{figure.ci_high:.1f} %"


@register.filter
def trend_symbol(trend) -> str:
    return TREND_SYMBOLS.get(trend or "", "")


@register.filter
def trend_label(trend) -> str:
    return {"better": "better", "worse": "worse", "flat": "no change", "up": "up", "down": "down"}.get(
        trend or "", "no previous data"
    )


@register.simple_tag
def low_confidence_mark(figure):
    """A visible, textual low-confidence mark (not colour only), with the reason in its title."""
    if figure is None or not figure.low_confidence:
        return ""
    return format_html(
        '<span class="low-confidence" title="Only {} records (fewer than {}): read it as an indication">'
        "low sample</span>",
        figure.sample_size,
        settings.KPI_MIN_SAMPLE,
    )


@register.filter
def figure_title(figure) -> str:
    """A one-line summary for a title attribute: value, interval, sample size, target."""
    if figure is None:
        return ""
    parts = [f"{figure.kpi.name}: {kpi_format(figure.value, figure.kpi)}"]
    interval = interval_text(figure)
    if interval:
        parts.append(interval)
    parts.append(f"n = {figure.sample_size}")
    target = target_text(figure)
    parts.append(f"target {target}" if target else "no target")
    if figure.low_confidence:
        parts.append("low confidence")
    return " · ".join(parts)


@register.simple_tag
def min_sample() -> int:
    """The sample size below which a figure is low-confidence (KPI_MIN_SAMPLE)."""
    return settings.KPI_MIN_SAMPLE


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template: {{ figures|get_item:code }}."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def nav_link(context, href: str, label: str):
    """A navigation link marked aria-current when the page is under it."""
    request = context.get("request")
    current = request is not None and (request.path == href or (href != "/" and request.path.startswith(href)))
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', href, label)
    return format_html('<a href="{}">{}</a>', href, label)


@register.filter
def ago(moment) -> str:
    """How long ago, in the largest whole unit: “12 s ago”, “3 min ago”, “2 h ago”, “4 d ago”."""
    if moment is None:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"
