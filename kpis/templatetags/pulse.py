"""Formatting of KPI figures for the pages: units, signs, statuses, confidence marks, navigation.

Formatting only: every figure arrives computed by `kpis.selectors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kpis.formatting import (
    NO_VALUE,
    format_change,
    format_date,
    format_duration,
    format_period,
    format_scale,
    format_signed,
    format_value,
    format_value_against,
)
from kpis.models import Statistic, TargetStatus, target_comparison_text
from kpis.registry import Kpi
from kpis.selectors import NO_CATEGORY

register = template.Library()

STATUS_SYMBOLS = {
    TargetStatus.EXCELLENT: "★",
    TargetStatus.MET: "✓",
    TargetStatus.MISSED: "✗",
    TargetStatus.NO_DATA: "·",
    TargetStatus.NO_TARGET: "·",
}
TREND_SYMBOLS = {"better": "▲", "worse": "▼", "flat": "▶", "up": "▲", "down": "▼"}
# Read once: TargetStatus.values and .label build their answer on every call, and a grid asks per cell.
STATUS_LABELS = {status.value: status.label for status in TargetStatus}


@register.filter
def money(value, signed: bool = False) -> str:
    """An amount with separators, cents and the currency: 11507.98 → “11,507.98 USD”; `money:True` signs a change."""
    from kpis.outcomes.definitions import money_text

    return money_text(value, signed=bool(signed))


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
    return f"status-{status}" if status in STATUS_LABELS else "status-no_data"


@register.filter
def status_label(status: str) -> str:
    """The text label of a target status, so that colour is never the only signal."""
    return STATUS_LABELS.get(status, NO_VALUE)


@register.filter
def status_symbol(status: str) -> str:
    return STATUS_SYMBOLS.get(status, "")


@register.filter
def target_text(figure) -> str:
    """The target in force as a comparison: “≥ 80.0 %”, “≤ 6 min 0 s”; empty without a target."""
    if figure is None or figure.target is None:
        return ""
    kpi = figure.kpi
    text = target_comparison_text(kpi.code, figure.target_value, figure.target.statistic)
    if figure.stretch_value is not None:
        text += f" (stretch {format_value(kpi, figure.stretch_value)})"
    if figure.target_changes:  # judged day by day against the targets of the period (kpis.selectors)
        days = ", ".join(format_date(day, year=False) for day in figure.target_changes)
        text += f"; the target changed on {days}: each day's records held to that day's target"
    return text


@register.filter
def quantiles_text(figure) -> str:
    """A time KPI's median and p90 with the records they rest on: “median 40 min · p90 2 h 5 min (n = 57)”;
    empty for other KPIs. The mean is the figure's value."""
    if figure is None or not getattr(figure, "quantiles_read", True) or not figure.kpi.has_distribution:
        return ""  # not read: the dashboard's grid shows means and no target is on a median or p90
    if getattr(figure, "quantiles_note", ""):
        return figure.quantiles_note  # not kept (an agent on one channel): said, never a number from other rows
    kpi = figure.kpi
    text = f"median {format_value(kpi, figure.median)} · p90 {format_value(kpi, figure.p90)}"
    # Said once where it is the figure's own n (every record with a duration is in the distribution).
    return text if figure.distribution_count == figure.sample_size else f"{text} (n = {figure.distribution_count})"


# A number and the unit `kpis.formatting` writes after it, a duration's further parts and a comparator included
# ("7 h 27 min", "≥ 85.9 %", "+3.2 pts", "12 tickets", "90 days", "1,836.40 USD"): what `values_nowrap` keeps on
# one line.
_VALUE_WITH_UNIT = re.compile(
    r"(?:[≥≤] )?[−+-]?\d[\d,]*(?:\.\d+)?(?:–\d[\d,]*(?:\.\d+)?)? (?:%|pts|d|h|min|s|tickets?|days?|[A-Z]{3})(?![\w])"
    r"(?: \d+ (?:h|min|s)(?![\w]))*"
)


@register.filter
def values_nowrap(text) -> SafeString:
    """A text escaped, each value with its unit in a span that keeps it on one line ("7 h 27 min", "85.9 %"), so a
    phone wraps the sentence between words, never between a number and its unit. For texts composed of values
    (a target and its stretch, a pitfall's evidence); a lone value's element takes the .nowrap class instead."""
    escaped = escape(str(text or ""))
    return SafeString(_VALUE_WITH_UNIT.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', escaped))


def _statistics_html(text: str, *, note: bool = False) -> str:
    """Escaped statistics side by side ("median 3 min · p90 2 h 5 min (n = 57)"), each in a span that keeps it on
    one line, so a phone never parts "2 h 5" from "min"; a note (not statistics) is left to wrap."""
    if note or not text:
        return escape(text)
    return " · ".join(f'<span class="nowrap">{escape(part)}</span>' for part in text.split(" · "))


@register.filter
def quantiles_html(figure) -> SafeString:
    """`quantiles_text` for a page: each statistic kept on one line."""
    return SafeString(_statistics_html(quantiles_text(figure), note=bool(getattr(figure, "quantiles_note", ""))))


@register.filter
def period_text(first, last) -> str:
    """{{ review.period_start|period_text:review.period_end }}: "1–30 Nov 2026" (`kpis.formatting.format_period`)."""
    return format_period(first, last)


NO_CATEGORY_LABEL = "No category"
_CATEGORY_SLUG = re.compile(r"[a-z0-9]+(?:[ _-][a-z0-9]+)*")


@register.filter
def category_label(category) -> str:
    """A ticket category as pages name it: a helpdesk's slug reads as words ("billing" → "Billing",
    "password_reset" → "Password reset"); a name with capitals stays as the helpdesk wrote it ("VIP refunds"); none
    (empty, or the breakdown's NO_CATEGORY row) is "No category". Exports and the API keep the raw value."""
    text = str(category or "").strip()
    if not text or text == NO_CATEGORY:
        return NO_CATEGORY_LABEL
    if _CATEGORY_SLUG.fullmatch(text):
        words = re.sub(r"[_-]", " ", text)
        return words[0].upper() + words[1:]
    return text


@register.filter
def statistic_value(figure, statistic: str):
    """The figure's mean, median or p90 (`kpis.models.Statistic`): the one a grid or a trend shows."""
    if figure is None:
        return None
    return figure.statistic_value(statistic) if figure.kpi.has_distribution else figure.value


@register.filter
def interval_text(figure) -> str:
    """The 95 % Wilson interval of a rate: “95 % interval 72.1–95.3 %”; empty for non-rates."""
    if figure is None or figure.ci_low is None or figure.ci_high is None:
        return ""
    return f"95 % interval {figure.ci_low:.1f}–{figure.ci_high:.1f} %"


@register.filter
def trend_symbol(trend) -> str:
    return TREND_SYMBOLS.get(trend or "", "")


TREND_LABELS = {"better": "better", "worse": "worse", "flat": "no change", "up": "up", "down": "down"}


@register.filter
def trend_label(trend) -> str:
    return TREND_LABELS.get(trend or "", "no previous data")


def _disputed_text(figure) -> str:
    """ "2 disputed" when some of a sampled figure's units (IQS: reviews) are under an open dispute."""
    disputed = getattr(figure, "disputed", 0)
    return f"{disputed} disputed" if disputed else ""


def _disputed_mark(figure) -> str:
    text = _disputed_text(figure)
    if not text:
        return ""
    return format_html(
        ' <span class="disputed" title="{} of its {} {} under an open dispute: the figure may change when settled">'
        "{}</span>",
        figure.disputed,
        figure.sample_size,
        figure.kpi.sample.unit_text if figure.kpi.sample else "records",
        text,
    )


@register.simple_tag
def low_confidence_mark(figure):
    """A visible, textual low-confidence mark (not colour only), with the reason in its title; and the number of
    disputed reviews of an IQS figure, until the disputes are settled."""
    if figure is None:
        return ""
    disputed = _disputed_mark(figure)
    if not figure.low_confidence:
        return disputed
    units = figure.kpi.sample.unit_text if figure.kpi.sample else "records"
    return format_html(
        '<span class="low-confidence" title="Only {} {} (fewer than {}): read it as an indication">low sample</span>{}',
        figure.sample_size,
        units,
        settings.KPI_MIN_SAMPLE,
        disputed,
    )


@register.filter
def figure_title(figure) -> str:
    """A one-line summary for a title attribute: value, interval, sample size, target."""
    if figure is None:
        return ""
    value = format_value(figure.kpi, figure.value)
    return _title(figure, value, interval_text(figure), target_text(figure), quantiles_text(figure))


def _title(figure, value: str, interval: str, target: str, quantiles: str = "") -> str:
    n = figure.sample_size
    return _title_text(
        figure.kpi.name, value, interval, target, quantiles, n, _disputed_text(figure), figure.low_confidence
    )


def _title_text(name: str, value: str, interval: str, target: str, quantiles: str, n: int, disputed: str, low: bool):
    parts = [f"{name}: mean {value} · {quantiles}" if quantiles else f"{name}: {value}"]
    if interval:
        parts.append(interval)
    parts.append(f"n = {n}")
    if disputed:
        parts.append(disputed)
    parts.append(f"target {target}" if target else "no target")
    if low:
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


# ---- figure rows -------------------------------------------------------------------------
# A dashboard shows agents × KPIs figures. Each row's cells, details and missed targets are built here in
# Python, every text of a figure formatted once, rather than by an included template with a {% url %} per
# cell (those were most of the page's time). `escape` is the standard library's, the one Django's wraps.


@dataclass(frozen=True)
class FigureRowHtml:
    """One subject's figures as HTML: the grid cells, the expandable details and the targets missed."""

    cells: SafeString
    details: SafeString
    # One "<span class="missed-kpi">…</span>" per KPI whose target was missed, for the needs-coaching list (who
    # needs coaching is `kpis.selectors.target_misses`'s rule).
    missed: list[SafeString]


def figure_row_html(
    figures: dict,
    kpis: list[Kpi],
    href_for=None,
    *,
    details: bool = True,
    statistic: str = Statistic.MEAN,
    sample_sizes: bool = False,
) -> FigureRowHtml:
    """The HTML of one row of figures, a KPI each; `href_for(code)` gives each cell's drill-down link (or
    none). A time KPI's cell shows `statistic` (mean, median or p90), every other KPI's its value. A low sample's
    cell shows its n (marked); with `sample_sizes`, every other cell shows its n too (the teams overview). The
    markup is that of the pages' figure cells and details (static/css/pulse.css).

    A grid builds ~10 of these per agent on a first read, so each figure's texts are formatted once and shared by
    its cell, its details and the missed list, and each KPI's fixed texts are escaped once (`_kpi_texts`)."""
    cells, items, missed = [], [], []
    for kpi in kpis:
        figure = figures[kpi.code]
        name, data_label = _kpi_texts(kpi)
        status, trend, value_number = figure.status, figure.trend, figure.value
        n = figure.sample_size
        low = kpi.low_confidence(n)
        has_target = figure.target is not None
        shown = statistic_value(figure, statistic)
        judged_by = figure.target.statistic if has_target and kpi.has_distribution else statistic
        marked = has_target and judged_by == statistic
        # The texts, formatted once; each escaped where it is put in the page. A value shown beside its status reads
        # apart from its target ("1 h 0 min 8 s", missed, against "≤ 1 h").
        value_text = format_value_against(kpi, shown, figure.target_value) if marked else format_value(kpi, shown)
        # The statistic the target judges, read apart from the target: the cell's value when the cell shows it.
        judged_text = (
            value_text
            if marked or not has_target
            else format_value_against(kpi, statistic_value(figure, judged_by), figure.target_value)
        )
        mean_text = value_text if shown is value_number else format_value(kpi, value_number)
        target_text_ = target_text(figure) if has_target else ""
        interval_text_ = interval_text(figure)
        quantiles_text_ = quantiles_text(figure)
        value, target = escape(value_text), escape(target_text_)
        css = STATUS_CLASSES.get(status, "status-no_data")
        label = STATUS_LABELS_HTML.get(status, NO_VALUE)
        # A time KPI shown as its median or p90 while its target judges another statistic (the mean, say): the
        # value in the cell is not the one judged, so the cell has no status mark or colour, and its status is said
        # with the statistic and value it judged ("Missed on the mean (1 h 5 min)"), never beside another number.
        if has_target and not marked:
            css = "status-other-statistic"
            # A statistic's value is its word ("mean", "median", "p90").
            label = f"{label} on the {judged_by} ({escape(judged_text)})"
        change = f"{TREND_SYMBOLS.get(trend, '')} {escape(format_change(kpi, figure.change))}" if trend else ""
        disputed = _disputed_text(figure)
        disputed_mark = _disputed_mark(figure) if disputed else ""

        # The cell: a one-line value (a link to the records behind it when there are some), its status symbol
        # and colour; target, n, interval and change in .cell-detail, read by screen readers with the cell and
        # shown on hover or keyboard focus. data-sort feeds static/js/table-sort.js; data-label names the cell in
        # the phone card layout.
        linked = f'<a href="{escape(href_for(kpi.code))}">{value}</a>' if href_for and n else value
        sort = f' data-sort="{shown:f}"' if shown is not None else ""
        symbol = f'<span class="status-symbol" aria-hidden="true">{STATUS_SYMBOLS.get(status, "")}</span> '
        low_mark = f' <span class="low-mark" aria-hidden="true">n {n}</span>' if low else ""
        # Said in the cell's detail for screen readers ("n = 340"); a volume is its own n.
        if sample_sizes and not low and kpi.has_target:
            low_mark = f' <span class="sample-size" aria-hidden="true">n {n}</span>'
        title = _title_text(kpi.name, mean_text, interval_text_, target_text_, quantiles_text_, n, disputed, low)
        detail = f'<span class="status-label">{label}</span> · {escape(title)}' if has_target else escape(title)
        trend_text = TREND_LABELS.get(trend or "", "no previous data")
        if change:
            detail += f" · {change} against the previous period ({trend_text})"
        cells.append(
            f'<td class="figure {css}{" figure-low" if low else ""}" {data_label}{sort}>\n'
            f'  <span class="cell-line">{symbol if marked else ""}<span class="value">{linked}</span>'
            f"{low_mark}{disputed_mark}</span>\n"
            f'  <span class="cell-detail">{detail}</span>\n</td>'
        )
        if details:  # every text of the KPI in full: an item of the grid's expandable details
            mark = low_confidence_mark(figure) if low or disputed else ""
            status_html = (
                f' <span class="status-label">{STATUS_SYMBOLS.get(status, "")} {label}</span>' if has_target else ""
            )
            meta = f"target {target} · " if has_target else ""
            extra = f'<span class="meta">{escape(interval_text_)}</span>' if interval_text_ else ""
            if quantiles_text_:  # a time KPI: its three statistics side by side, whichever the grid shows
                quantiles = _statistics_html(quantiles_text_, note=bool(getattr(figure, "quantiles_note", "")))
                mean = f'<span class="nowrap">mean {escape(mean_text)}</span>'
                extra += f'<span class="meta quantiles">{mean} · {quantiles}</span>'
            trend_html = (
                f'<span class="trend trend-{trend}">{change} <span class="trend-text">against the previous '
                f"period ({trend_text})</span></span>"
                if change
                else ""
            )
            items.append(
                f'\n  <div class="figure-detail {css}">\n    <dt>{name}</dt>\n'
                f"    <dd><strong>{value}</strong>{status_html} {mark}\n"
                f'      <span class="meta">{meta}n = {n}</span>\n'
                f"      {extra}\n      {trend_html}</dd>\n  </div>"
            )
        if status == TargetStatus.MISSED:
            # The statistic the target judges, whichever the grid shows.
            judged = escape(judged_text)
            low_text = ", low sample" if low else ""
            # The comparison alone ("≥ 80.0 %"): the stretch and the target's changes are in the cell's details.
            plain = escape(target_comparison_text(kpi.code, figure.target_value, figure.target.statistic))
            # Each figure on one line (a phone wraps the item between its words, never inside "1 h 5 min").
            missed.append(
                SafeString(
                    f'<span class="missed-kpi">{name} <span class="nowrap">{judged}</span> '
                    f'(target <span class="nowrap">{plain}</span>{low_text})</span>'
                )
            )
    details_html = f'<dl class="figure-details">{"".join(items)}\n</dl>' if details else ""
    # Every piece is escaped here or a fixed fragment. SafeString(text) is mark_safe(text) for a str, without its
    # check for lazy strings (a grid of 100 makes ~600 of these).
    return FigureRowHtml(
        cells=SafeString("".join(cells)),
        details=SafeString(details_html),
        missed=missed,
    )


STATUS_CLASSES = {status: f"status-{status}" for status in STATUS_LABELS}
STATUS_LABELS_HTML = {status: escape(label) for status, label in STATUS_LABELS.items()}
_KPI_TEXTS: dict[tuple[str, str], tuple[str, str]] = {}


def _kpi_texts(kpi: Kpi) -> tuple[str, str]:
    """A KPI's name and its cells' data-label attribute, escaped once."""
    key = (kpi.code, kpi.name)
    texts = _KPI_TEXTS.get(key)
    if texts is None:
        name = escape(kpi.name)
        texts = _KPI_TEXTS[key] = (name, f'data-label="{name}"')
    return texts


# A figure cell's link to its records, as `figure_row_html` writes it (href and value escaped there).
_CELL_LINK = re.compile(r'<a href="[^"<>]*">(.*?)</a>', re.S)


def without_record_links(cells: str) -> SafeString:
    """A grid row's cells (`figure_row_html`) with each figure's link to its records replaced by the figure alone:
    for the row of an agent whose drill-down the viewer may not open (an agent who moved to another team)."""
    return mark_safe(_CELL_LINK.sub(r"\1", cells))  # our own escaped markup, with fewer tags


def agent_group_html(row, columns: int) -> str:
    """One agent's group of the dashboard's grid (kpis/team_dashboard.html) from their `kpis.views.GridRow`: the row
    of figures and its details, as one <tbody class="agent-group"> (static/js/table-sort.js sorts them whole). Built
    here rather than by the template's loop, which cost a team of 100 ~15 ms per page; the cells and details come
    escaped (`figure_row_html`), the label is escaped here."""
    name, missed = escape(row.label), row.missed_count
    label = f'<a href="{escape(row.url)}">{name}</a>' if row.url else name
    if row.former_member:
        label += ' <span class="helptext">no longer in this team</span>'
    if missed:
        plural = "" if missed == 1 else "s"
        flag = (
            f'<span class="flag">✗ {missed}<span class="visually-hidden"> target{plural} missed: needs coaching'
            "</span></span>"
        )
    else:
        flag = '<span aria-hidden="true">–</span><span class="visually-hidden">no target missed</span>'
    return (
        f'\n    <tbody class="agent-group{" row-missed" if missed else ""}">\n      <tr>\n'
        f'        <th scope="row" data-sort="{name}">{label}</th>\n'
        f'        <td class="missed-count" data-label="Targets missed" data-sort="{missed}">{flag}</td>\n'
        f"        {row.cells}\n      </tr>\n"
        f'      <tr class="row-details">\n        <td colspan="{columns}"><details><summary>Details'
        f'<span class="visually-hidden"> of {name}</span>: target, n, interval, change</summary>{row.details}</details>'
        "</td>\n"
        "      </tr>\n    </tbody>\n    "
    )


def coaching_item_html(row, review_url: str = "") -> str:
    """One agent of the dashboard's needs-coaching list from their `kpis.views.GridRow`: who, how many targets they
    missed and which (`missed_html`, escaped by `figure_row_html`), and with `review_url` a link to start a review
    of them. Built here for the same reason as `agent_group_html`: a team of 100 can have 100 of them."""
    name, missed = escape(row.label), row.missed_count
    review = (
        f' · <a href="{escape(review_url)}">Start a review<span class="visually-hidden"> of {name}</span></a>'
        if review_url
        else ""
    )
    return (
        f'\n    <li><a href="{escape(row.url)}">{name}</a> missed {missed} target{"" if missed == 1 else "s"}:\n'
        f"      {row.missed_html}\n      {review}</li>\n    "
    )
