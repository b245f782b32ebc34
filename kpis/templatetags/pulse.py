"""Formatting of KPI figures for the pages: units, signs, statuses, confidence marks, navigation.

Formatting only: every figure arrives computed by `kpis.selectors`.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

from kpis.models import TargetStatus
from kpis.registry import KPIS, Direction, Kpi, Unit

register = template.Library()

MINUS = "−"
NO_VALUE = "—"
STATUS_SYMBOLS = {
    TargetStatus.EXCELLENT: "★",
    TargetStatus.MET: "✓",
    TargetStatus.MISSED: "✗",
    TargetStatus.NO_DATA: "·",
    TargetStatus.NO_TARGET: "·",
}
TREND_SYMBOLS = {"better": "▲", "worse": "▼", "flat": "▶", "up": "▲", "down": "▼"}


def _kpi(kpi_or_code) -> Kpi:
    return kpi_or_code if isinstance(kpi_or_code, Kpi) else KPIS[kpi_or_code]


@register.filter
def percent(value) -> str:
    """85.04 → “85.0 %”."""
    if value is None or value == "":
        return NO_VALUE
    return f"{float(value):.1f} %"


@register.filter
def duration(seconds) -> str:
    """Seconds as a person reads them: “45 s”, “6 min 0 s”, “1 h 5 min”, “2 d 3 h”."""
    if seconds is None or seconds == "":
        return NO_VALUE
    sign = MINUS if seconds < 0 else ""
    total = round(abs(float(seconds)))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    elif minutes:
        text = f"{minutes} min {secs} s"
    else:
        text = f"{secs} s"
    return sign + text


@register.filter
def signed(value, decimals: int = 0) -> str:
    """A signed number with a true minus sign: 65 → “+65”, -20 → “−20”, 0 → “0”."""
    if value is None or value == "":
        return NO_VALUE
    text = f"{abs(float(value)):,.{int(decimals)}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


@register.filter
def nps(value) -> str:
    """NPS as a signed integer: “+65”, “−20”, “0”."""
    return signed(value, 0)


@register.filter
def kpi_format(value, kpi_or_code) -> str:
    """A KPI value in its unit: “85.0 %”, “6 min 0 s”, “+65”, “5.20”, “1,204”; “—” for no data."""
    if value is None or value == "":
        return NO_VALUE
    kpi = _kpi(kpi_or_code)
    if kpi.unit == Unit.PERCENT:
        return percent(value)
    if kpi.unit == Unit.SECONDS:
        return duration(value)
    if kpi.code == "nps":
        return nps(value)
    if kpi.unit == Unit.COUNT:
        return f"{float(value):,.0f}"
    return f"{float(value):.{kpi.decimals}f}"


@register.filter
def kpi_change(change, kpi_or_code) -> str:
    """A change against the previous period in the KPI's unit: “+3.2 pts”, “−1 min 5 s”, “+12”."""
    if change is None:
        return NO_VALUE
    kpi = _kpi(kpi_or_code)
    if kpi.unit == Unit.PERCENT:
        return signed(change, 1) + " pts"
    if kpi.unit == Unit.SECONDS:
        if round(change) == 0:
            return "0 s"
        return ("+" if change > 0 else MINUS) + duration(abs(change))
    return signed(change, kpi.decimals)


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
    operator = "≥" if kpi.direction == Direction.HIGHER else "≤"
    text = f"{operator} {kpi_format(figure.target_value, kpi)}"
    if figure.stretch_value is not None:
        text += f" (stretch {kpi_format(figure.stretch_value, kpi)})"
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
