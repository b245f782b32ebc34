"""Template helpers of the review pages (KPI values are formatted by the shared `pulse` library)."""

from django import template
from django.utils.html import format_html, format_html_join

from kpis.registry import KPIS

from ..selectors import unread_notifications_count

register = template.Library()


@register.filter
def kpi_name(code: str) -> str:
    """The KPI's name for its code: "csat" → "Customer Satisfaction"."""
    return KPIS[code].name if code in KPIS else ""


@register.simple_tag(takes_context=True)
def unread_review_notifications(context) -> int:
    """How many review notifications the current user has not read."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return unread_notifications_count(user) if user is not None else 0


def _audit_value(value) -> str:
    """One stored value of an audit entry in words: lists joined, objects as "name: value" pairs, no Python repr."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{_audit_label(key).lower()}: {_audit_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_audit_value(item) for item in value) if value else "none"
    return str(value)


def _audit_label(key) -> str:
    return str(key).replace("_", " ").capitalize()


@register.filter
def audit_values(values):
    """An audit entry's before or after (a JSON object) as a list a person reads: "Status: shared", one field per
    line, rather than the object's Python text ({'status': 'shared'})."""
    if values is None or values == {}:
        return ""
    if not isinstance(values, dict):
        return _audit_value(values)
    items = format_html_join(
        "",
        '<li><span class="field">{}</span>: {}</li>',
        ((_audit_label(key), _audit_value(value)) for key, value in values.items()),
    )
    return format_html('<ul class="audit-values">{}</ul>', items)
