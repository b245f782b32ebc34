"""Template helpers of the review pages (KPI values are formatted by the shared `pulse` library)."""

from django import template

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
