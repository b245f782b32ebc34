"""The outcome pages: the org's outcomes (admins) and the panel the team dashboard includes
(`templates/kpis/_outcomes_panel.html`); figures from `kpis.outcomes.selectors`, access from `accounts.scoping`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import scoping
from accounts.models import Team, User
from kpis import page_cache, selectors
from kpis.decorators import period_page
from kpis.forms import PeriodForm
from kpis.selectors import Period
from kpis.targets import TargetResolver

from .definitions import OutcomeFigure, OutcomeUnit, money_text
from .selectors import OutcomeReport, outcomes


@dataclass(frozen=True)
class OutcomePanel:
    """What the panel template shows: the report (revenue already removed where not allowed) and its texts."""

    report: OutcomeReport
    figures: list[tuple[OutcomeFigure, str, str]]
    revenue_shown: bool


def _number(value: float | Decimal, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}"


def figure_text(figure: OutcomeFigure) -> tuple[str, str]:
    """(value, context) of an outcome figure as the pages write it: unit, n and interval beside the value."""
    if figure.value is None:
        return "–", figure.note
    value = money_text(figure.value) if figure.unit == OutcomeUnit.MONEY else f"{_number(figure.value)} %"
    context = [f"n = {figure.n} customer{'s' if figure.n != 1 else ''}"]
    if figure.ci_low is not None:
        context.append(f"95 % CI {_number(figure.ci_low)}–{_number(figure.ci_high)} %")
    if figure.low_confidence:
        context.append("low confidence")
    if figure.note:
        context.append(figure.note)
    return value, "; ".join(context)


def outcome_panel(
    *,
    user: User,
    period: Period,
    team: Team | None,
    resolver: TargetResolver | None = None,
    version: tuple | None = None,
) -> OutcomePanel | None:
    """The outcomes panel of a team (or the org) for `user`, or None when the user may not read it.

    The report is cached (`kpis.page_cache`) under the count of the team's (the org's) computations over the days
    of the period and the one before it (`selectors.figures_version`) — `version` when the caller has read it, as
    the dashboard has — and the customers' stamp: a ticket or survey write shows once its days are refreshed, like
    every other figure of the page (a ticket's write marks its days, and its surveys' when its customer changes),
    and a customers write at once. Access is decided before; revenue is removed per viewer after."""
    if team is not None and not scoping.sees_team_outcomes(user, team):
        return None
    if team is None and not scoping.sees_org_outcomes(user):
        return None
    report = outcome_report(period=period, team=team, resolver=resolver, version=version)
    revenue = scoping.sees_revenue(user)
    if not revenue:
        report = report.without_revenue()
    figures = [(figure, *figure_text(figure)) for figure in report.figures.values()]
    return OutcomePanel(report=report, figures=figures, revenue_shown=revenue)


def outcome_report(
    *, period: Period, team: Team | None, resolver: TargetResolver | None = None, version: tuple | None = None
):
    """The team's (the org's) outcomes report for the period, from the cache or built into it; the same for every
    viewer (revenue is removed per viewer by `outcome_panel`). Shared by the panel and the worker's warm-up."""
    resolver = resolver or selectors.period_targets(period)
    if version is None:
        version = selectors.figures_version(team=team, period=period)
    return page_cache.cached_figures(
        "outcomes",
        version=None if version is None else (version, page_cache.customers_version()),
        resolver=resolver,
        using=selectors.snapshots_database(),
        parts=(team.pk if team is not None else None, period),
        build=lambda: outcomes(period=period, team=team, resolver=resolver),
    )


@period_page
@login_required
def org_outcomes(request: HttpRequest) -> HttpResponse:
    """Every customer's churn, retention and revenue over a period, and churn by the service customers got."""
    if not scoping.sees_org_outcomes(request.user):
        raise Http404
    period_form = PeriodForm(request.GET)
    period, preset = period_form.resolve()
    context = {
        "period": period,
        "preset": preset,
        "period_form": period_form,
        "outcomes": outcome_panel(user=request.user, period=period, team=None),
    }
    return render(request, "kpis/outcomes_org.html", context)
