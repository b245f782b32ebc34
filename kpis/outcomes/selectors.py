"""Reads of business outcomes (issue 18): a team's or the org's churn, retention, MRR, NRR and CLV over a period,
and the service-vs-outcome panel; in a constant number of queries (four, three given the targets), whatever the
number of customers, tickets or teams.

What each customer had of the service comes from the customers' service days (`kpis.models.CustomerServiceDay`,
`kpis.outcomes.service_days`), written with the snapshots: no page but the drill-down reads raw tickets, and the
panel shows a ticket exactly when the dashboard's grid does.

A team's customers in a period are those named by a ticket the team handled that was created in the period (in
the team's time zone); a customer served by two teams counts fully in each team's figures, and once in the org's.
The org's figures are over every customer; its panel over the customers any team served.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from accounts.models import Team
from kpis.models import CustomerServiceDay
from kpis.registry import KPIS
from kpis.selectors import Period, period_targets
from kpis.stats import difference_interval, wilson_interval
from kpis.targets import TargetResolver
from tickets.customers.models import Customer, MrrChange

from .definitions import OUTCOME_KPIS, SERVICE_GROUPINGS, Cohort, OutcomeFigure, ServiceOfCustomer, period_months
from .service_days import SERVICE_DAY_COLUMNS, service_of_customers

ORG = "org"
TEAM = "team"
# Pitfall 3 reads the org's outcomes over this many days: churn needs a longer window than service KPIs.
OUTCOME_DAYS = 90


@dataclass(frozen=True)
class GroupFigure:
    """One group of a service grouping: its customers (at the start of the period), how many churned, and the
    difference of its churn from the other groups' together, with Newcombe's 95 % interval, in points."""

    code: str
    label: str
    n: int
    churned: int
    churn_percent: float | None
    ci_low: float | None
    ci_high: float | None
    # The other groups together.
    rest_n: int
    difference_points: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    # This group or the rest has fewer than KPI_MIN_SAMPLE customers: no difference is claimed.
    too_few: bool = True

    @property
    def retention_percent(self) -> float | None:
        return None if self.churn_percent is None else 100 - self.churn_percent

    @property
    def differs(self) -> bool:
        """The interval of the difference excludes 0: these customers churned more (or less) than the rest."""
        return (
            not self.too_few
            and self.difference_low is not None
            and (self.difference_low > 0 or self.difference_high < 0)
        )


@dataclass(frozen=True)
class GroupingPanel:
    code: str
    name: str
    kpis: tuple[str, ...]
    groups: list[GroupFigure]

    @property
    def n(self) -> int:
        return sum(group.n for group in self.groups)

    @property
    def churned(self) -> int:
        return sum(group.churned for group in self.groups)

    @property
    def link(self) -> bool | None:
        """True: some group's churn differs from the rest's; False: every group with enough customers churns
        like the rest; None: too few customers in every group to say."""
        judged = [group for group in self.groups if not group.too_few]
        if not judged:
            return None
        return any(group.differs for group in judged)


@dataclass(frozen=True)
class OutcomeReport:
    scope: str
    team: Team | None
    period: Period
    cohort: Cohort
    figures: dict[str, OutcomeFigure]
    # Customers named by a ticket of the scope created in the period.
    served: int
    # The panel is over the served customers active at the start (the churn figures' customers, for a team).
    panel: list[GroupingPanel] = field(default_factory=list)
    min_sample: int = 0

    @property
    def panel_n(self) -> int:
        return self.panel[0].n if self.panel else 0

    @property
    def has_customers(self) -> bool:
        return bool(self.cohort.at_start or self.cohort.at_end or self.served)

    def without_revenue(self) -> OutcomeReport:
        """The same report without MRR, NRR and CLV (for a viewer who may not see revenue)."""
        figures = {code: figure for code, figure in self.figures.items() if not figure.is_revenue}
        cohort = replace(self.cohort, mrr_at_start=Decimal(0), mrr_retained=Decimal(0), mrr_at_end=Decimal(0))
        return replace(self, figures=figures, cohort=cohort)


@dataclass
class _Customer:
    pk: int
    started_on: dt.date
    churned_on: dt.date | None
    mrr: Decimal
    # (effective_on, mrr) in date order.
    changes: list[tuple[dt.date, Decimal]] = field(default_factory=list)

    def active_on_first_day(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.churned_on is None or self.churned_on >= day)

    def churned_within(self, period: Period) -> bool:
        return self.churned_on is not None and period.date_from <= self.churned_on <= period.date_to

    def active_after(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.churned_on is None or self.churned_on > day)

    def mrr_on(self, day: dt.date) -> Decimal:
        """The latest MRR change on or before `day`; before the first, the first; without history, `mrr`."""
        if not self.changes:
            return self.mrr
        index = bisect.bisect_right([effective_on for effective_on, _ in self.changes], day)
        return self.changes[max(index - 1, 0)][1]


def _cohort(customers: list[_Customer], period: Period) -> Cohort:
    first, last = period.date_from, period.date_to
    at_start = [c for c in customers if c.active_on_first_day(first)]
    churned = [c for c in at_start if c.churned_within(period)]
    at_end = [c for c in customers if c.active_after(last)]
    return Cohort(
        at_start=len(at_start),
        churned=len(churned),
        new=sum(1 for c in customers if first < c.started_on <= last),
        at_end=len(at_end),
        mrr_at_start=sum((c.mrr_on(first) for c in at_start), Decimal(0)),
        mrr_retained=sum((c.mrr_on(last) for c in at_start if c.active_after(last)), Decimal(0)),
        mrr_at_end=sum((c.mrr_on(last) for c in at_end), Decimal(0)),
        months=period_months(first, last),
    )


def _panel(customers: list[_Customer], service: dict[int, ServiceOfCustomer], period: Period, min_sample: int):
    members = [c for c in customers if c.pk in service and c.active_on_first_day(period.date_from)]
    total_n, total_churned = len(members), sum(1 for c in members if c.churned_within(period))
    panel = []
    for grouping in SERVICE_GROUPINGS.values():
        counts = {code: [0, 0] for code, _ in grouping.groups}
        for customer in members:
            counts[grouping.group_of(service[customer.pk])][0] += 1
            counts[grouping.group_of(service[customer.pk])][1] += customer.churned_within(period)
        groups = []
        for code, label in grouping.groups:
            n, churned = counts[code]
            rest_n, rest_churned = total_n - n, total_churned - churned
            interval = wilson_interval(churned, n)
            too_few = n < min_sample or rest_n < min_sample
            difference = None if too_few else difference_interval(churned, n, rest_churned, rest_n)
            groups.append(
                GroupFigure(
                    code=code,
                    label=label,
                    n=n,
                    churned=churned,
                    churn_percent=churned * 100 / n if n else None,
                    ci_low=interval[0] if interval else None,
                    ci_high=interval[1] if interval else None,
                    rest_n=rest_n,
                    difference_points=None
                    if difference is None
                    else (churned * rest_n - rest_churned * n) * 100 / (n * rest_n),
                    difference_low=difference[0] if difference else None,
                    difference_high=difference[1] if difference else None,
                    too_few=too_few,
                )
            )
        panel.append(GroupingPanel(code=grouping.code, name=grouping.name, kpis=grouping.kpis, groups=groups))
    return panel


def outcomes(*, period: Period, team: Team | None = None, resolver: TargetResolver | None = None) -> OutcomeReport:
    """A team's (or, without `team`, the org's) outcome figures over `period` and its service-vs-outcome panel.

    A team none of whose tickets of the period names a customer costs one query."""
    days = CustomerServiceDay.objects.filter(date__gte=period.date_from, date__lte=period.date_to)
    if team is not None:
        days = days.filter(team=team)
    service_rows = list(days.values(*SERVICE_DAY_COLUMNS).order_by())
    served = {row["customer_id"] for row in service_rows if row["contacts"]}
    customers = Customer.objects.filter(
        Q(started_on__lte=period.date_to) & (Q(churned_on__isnull=True) | Q(churned_on__gte=period.date_from))
    )
    rows: dict[int, _Customer] = {}
    service: dict[int, ServiceOfCustomer] = {}
    if team is not None:
        customers = customers.filter(pk__in=served)
    if team is None or served:
        rows = {
            row["pk"]: _Customer(**row) for row in customers.values("pk", "started_on", "churned_on", "mrr").order_by()
        }
        changes = MrrChange.objects.filter(customer__in=customers.values("pk"), effective_on__lte=period.date_to)
        for change in changes.values("customer_id", "effective_on", "mrr").order_by("customer_id", "effective_on"):
            rows[change["customer_id"]].changes.append((change["effective_on"], change["mrr"]))
        service = service_of_customers(service_rows, resolver or period_targets(period), period.date_to)
    customers_list = list(rows.values())
    cohort = _cohort(customers_list, period)
    min_sample = settings.KPI_MIN_SAMPLE
    return OutcomeReport(
        scope=TEAM if team is not None else ORG,
        team=team,
        period=period,
        cohort=cohort,
        figures={code: kpi.figure(cohort, min_sample=min_sample) for code, kpi in OUTCOME_KPIS.items()},
        served=len(service),
        panel=_panel(customers_list, service, period, min_sample),
        min_sample=min_sample,
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def outcome_prompts(*, kpi_codes: set[str], as_of: dt.date) -> list[str]:
    """Pitfall 3's signal: for each service KPI with a target whose link to churn the org's data can speak to,
    a question when the data shows no link (every difference interval includes 0), is too thin, or is absent."""
    codes = sorted(code for grouping in SERVICE_GROUPINGS.values() for code in grouping.kpis if code in kpi_codes)
    if not codes:
        return []
    names = ", ".join(KPIS[code].name for code in dict.fromkeys(codes))
    if not Customer.objects.exists():
        return [
            f"Targets are set on {names}, and Pulse has no customer data to show whether meeting them keeps "
            "customers: which business outcome should they move, and how will you know? Add customers (MRR, "
            "start and churn dates) and name them on tickets to see churn beside service."
        ]
    period = Period(as_of - dt.timedelta(days=OUTCOME_DAYS), as_of - dt.timedelta(days=1))
    report = outcomes(period=period)
    prompts = []
    for grouping in report.panel:
        targeted = [KPIS[code].name for code in grouping.kpis if code in kpi_codes]
        if not targeted:
            continue
        what = " and ".join(targeted)
        if grouping.link is None:
            prompts.append(
                f"{what}: too few customers in the last {OUTCOME_DAYS} days ({grouping.n} served, "
                f"{grouping.churned} churned) to tell whether {_lower_first(grouping.name)} relates to churn. Which "
                "business objective does this target serve, and how will you see it move?"
            )
        elif grouping.link is False:
            largest = max((g for g in grouping.groups if not g.too_few), key=lambda g: abs(g.difference_points))
            prompts.append(
                f"{what}: over the last {OUTCOME_DAYS} days, customers grouped by "
                f"{_lower_first(grouping.name)} churned about alike (“{largest.label}” "
                f"{largest.difference_points:+.1f} points vs the rest, 95 % CI {largest.difference_low:+.1f} to "
                f"{largest.difference_high:+.1f}, n = {grouping.n}). Is this "
                "target the lever for retention here, or does it serve another objective? Say which in its rationale."
            )
    return prompts
