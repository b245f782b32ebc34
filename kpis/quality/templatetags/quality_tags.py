"""How quality figures read on pages: IQS with n, interval and the disputed mark; correlations."""

from django import template

register = template.Library()


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


@register.filter
def iqs_value(figure) -> str:
    """“82.4 %” (or “no reviews”)."""
    return "no reviews" if figure.value is None else _percent(figure.value)


@register.filter
def iqs_detail(figure) -> str:
    """“n = 12 reviews, 95 % CI 75.0–89.1 %, 2 disputed”: what the figure rests on."""
    parts = [f"n = {figure.reviews} review{'s' if figure.reviews != 1 else ''}"]
    if figure.ci_low is not None:
        parts.append(f"95 % CI {figure.ci_low:.1f}–{figure.ci_high:.1f} %")
    if figure.disputed:
        parts.append(f"{figure.disputed} disputed (counted as scored until settled)")
    return ", ".join(parts)


@register.filter
def score_percent(value) -> str:
    return _percent(value)


@register.filter
def correlation_text(correlation) -> str:
    """“r = 0.42 (95 % CI 0.10 to 0.66, n = 30 tickets)”."""
    if correlation.r is None:
        return f"not enough varied data (n = {correlation.n} tickets with a review and a CSAT answer)"
    text = f"r = {correlation.r:.2f}"
    if correlation.ci_low is not None:
        text += f" (95 % CI {correlation.ci_low:.2f} to {correlation.ci_high:.2f}, n = {correlation.n} tickets)"
    else:
        text += f" (n = {correlation.n} tickets: too few for an interval)"
    return text


@register.filter
def alpha_text(value) -> str:
    return "not defined (too few scores, or no variation)" if value is None else f"{value:.3f}"


@register.filter
def signed_points(value) -> str:
    return "—" if value is None else f"{value:+.1f} pts"
