"""Business-outcome KPIs (issue 18), each declared once: churn rate, retention rate, MRR, net revenue retention
and customer lifetime value, with the service groupings the service-vs-outcome panel compares.

Every figure is computed from a `Cohort` (the customers of a scope over a period, `kpis.outcomes.selectors`)
by the `compute` of its declaration; the pages, the API and the pitfalls read these figures, never a formula
of their own. Money is a Decimal (cents); rates carry n and a 95 % Wilson interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from kpis.formatting import MINUS, format_signed
from kpis.registry import Direction
from kpis.stats import wilson_interval

CENTS = Decimal("0.01")
# The currency MRR is recorded in (customers' MRR has no currency of its own).
CURRENCY = "USD"


def money_text(value, *, signed: bool = False) -> str:
    """An amount as every page writes it: thousands separated, cents, the currency ("11,507.98 USD"); `signed` gives
    a change its sign ("+120.00 USD", "−35.00 USD", with a true minus)."""
    if value is None:
        return "–"
    text = format_signed(value, 2) if signed else f"{MINUS if value < 0 else ''}{abs(value):,.2f}"
    return f"{text} {CURRENCY}"


class OutcomeUnit(StrEnum):
    PERCENT = "percent"
    MONEY = "money"  # CURRENCY, Decimal with cents


@dataclass(frozen=True)
class Cohort:
    """What the outcome figures of one scope over one period are computed from.

    At the start: customers active on the period's first day (started on or before it, not churned before it).
    Churned: those of them whose churn date falls inside the period. New: started after the first day and by the
    last. At the end: customers active after the last day (not churned by it). MRR as of a day: each customer's
    latest MRR change on or before it.
    """

    at_start: int
    churned: int
    new: int
    at_end: int
    # MRR of the customers at the start, on the first day.
    mrr_at_start: Decimal
    # MRR on the last day of those of them still active (churned ones count 0): expansion and contraction included.
    mrr_retained: Decimal
    # MRR on the last day of every customer active at the end (new ones included).
    mrr_at_end: Decimal
    # The period's length in calendar months (exact: whole months plus the fraction of the next one).
    months: Fraction


@dataclass(frozen=True)
class OutcomeFigure:
    code: str
    name: str
    unit: str
    value: float | Decimal | None
    # The customers behind the figure.
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    # Why there is no value ("not enough churn to say"), or how to read it.
    note: str = ""
    is_revenue: bool = False
    low_confidence: bool = False
    formula: str = ""


@dataclass(frozen=True)
class OutcomeKpi:
    code: str
    name: str
    unit: str
    direction: Direction
    formula: str
    # MRR, NRR and CLV are revenue: agents never see them (`accounts.scoping`).
    is_revenue: bool
    compute: Callable[[Cohort], tuple[float | Decimal | None, int, tuple[float, float] | None, str]]
    # The events an estimate rests on when they are fewer than its customers (CLV: the churned customers its
    # monthly churn is read from): the figure is low-confidence below KPI_MIN_SAMPLE of them, too.
    events: Callable[[Cohort], int] | None = None

    def figure(self, cohort: Cohort, *, min_sample: int) -> OutcomeFigure:
        value, n, interval, note = self.compute(cohort)
        few_events = value is not None and self.events is not None and self.events(cohort) < min_sample
        return OutcomeFigure(
            code=self.code,
            name=self.name,
            unit=self.unit,
            value=value,
            n=n,
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
            note=note,
            is_revenue=self.is_revenue,
            low_confidence=0 < n < min_sample or few_events,
            formula=self.formula,
        )


def period_months(date_from: dt.date, date_to: dt.date) -> Fraction:
    """The calendar months of [date_from, date_to]: whole months from date_from, plus the remaining days as a
    fraction of the month that follows (1 Jan – 31 Mar = 3; 3 Sep – 1 Dec = 2 + 29/30)."""
    end = date_to + dt.timedelta(days=1)
    whole = 0
    cursor = date_from
    while (following := _add_months(date_from, whole + 1)) <= end:
        whole += 1
        cursor = following
    remaining = (end - cursor).days
    if not remaining:
        return Fraction(whole)
    month_days = (_add_months(date_from, whole + 1) - cursor).days
    return whole + Fraction(remaining, month_days)


def _add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, on the same day of the month (or the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has 28 days


def monthly_churn(churned: int, at_start: int, months: Fraction) -> Decimal | None:
    """The period's churn as a monthly rate, compounding: 1 − (1 − p)^(1 / months), the monthly churn that
    leaves the same share after `months` (90 days' 15 % is 5.27 % a month, not 5 %); exact for one month."""
    if not at_start or not churned or not months:
        return None
    with localcontext() as context:
        context.prec = 28
        kept = Decimal(at_start - churned) / Decimal(at_start)
        if months == 1:
            return 1 - kept
        exponent = Decimal(months.denominator) / Decimal(months.numerator)
        return 1 - (kept**exponent if kept else Decimal(0))


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(CENTS, rounding=ROUND_HALF_UP)


def _churn(cohort: Cohort):
    if not cohort.at_start:
        return None, 0, None, "No customer was active on the period's first day."
    rate = cohort.churned * 100 / cohort.at_start
    return rate, cohort.at_start, wilson_interval(cohort.churned, cohort.at_start), ""


def _retention(cohort: Cohort):
    if not cohort.at_start:
        return None, 0, None, "No customer was active on the period's first day."
    kept = cohort.at_start - cohort.churned
    low, high = wilson_interval(kept, cohort.at_start)
    note = f"{kept} of {cohort.at_start} still active at the end; {cohort.new} new in the period, not counted"
    return kept * 100 / cohort.at_start, cohort.at_start, (low, high), note


def _mrr(cohort: Cohort):
    return cohort.mrr_at_end.quantize(CENTS), cohort.at_end, None, "on the period's last day"


def _nrr(cohort: Cohort):
    if not cohort.mrr_at_start:
        return None, cohort.at_start, None, "No MRR at the start of the period."
    return _percent(cohort.mrr_retained, cohort.mrr_at_start), cohort.at_start, None, ""


def _clv(cohort: Cohort):
    if not cohort.at_start:
        return None, 0, None, "No customer was active on the period's first day."
    churn = monthly_churn(cohort.churned, cohort.at_start, cohort.months)
    if churn is None:
        return None, cohort.at_start, None, "Not enough churn to say: no customer left in the period."
    average_mrr = cohort.mrr_at_start / cohort.at_start
    with localcontext() as context:
        context.prec = 28
        lifetime_months = 1 / churn
        value = (average_mrr * lifetime_months).quantize(CENTS, rounding=ROUND_HALF_UP)
    churned = f"{cohort.churned} churned customer{'s' if cohort.churned != 1 else ''}"
    note = (
        f"average MRR {average_mrr.quantize(CENTS, rounding=ROUND_HALF_UP):,} {CURRENCY} × expected lifetime "
        f"{lifetime_months:.1f} months (monthly churn {churn * 100:.2f} %, from {churned})"
    )
    return value, cohort.at_start, None, note


OUTCOME_KPIS: dict[str, OutcomeKpi] = {
    kpi.code: kpi
    for kpi in (
        OutcomeKpi(
            code="churn_rate",
            name="Churn rate",
            unit=OutcomeUnit.PERCENT,
            direction=Direction.LOWER,
            formula="customers active at the start who churned in the period ÷ customers active at the start × 100",
            is_revenue=False,
            compute=_churn,
        ),
        OutcomeKpi(
            code="retention_rate",
            name="Retention rate",
            unit=OutcomeUnit.PERCENT,
            direction=Direction.HIGHER,
            formula="(customers at the end − new customers) ÷ customers at the start × 100, counting the start's "
            "customers still active (a new customer who left within the period is not held against the start)",
            is_revenue=False,
            compute=_retention,
        ),
        OutcomeKpi(
            code="mrr",
            name="Monthly recurring revenue",
            unit=OutcomeUnit.MONEY,
            direction=Direction.HIGHER,
            formula="sum of the MRR on the period's last day of the customers active then",
            is_revenue=True,
            compute=_mrr,
        ),
        OutcomeKpi(
            code="nrr",
            name="Net revenue retention",
            unit=OutcomeUnit.PERCENT,
            direction=Direction.HIGHER,
            formula="MRR on the last day of the customers active at the start (churned ones 0) ÷ their MRR on the "
            "first day × 100",
            is_revenue=True,
            compute=_nrr,
        ),
        OutcomeKpi(
            code="clv",
            name="Customer lifetime value",
            unit=OutcomeUnit.MONEY,
            direction=Direction.HIGHER,
            formula="average MRR per customer at the start × expected lifetime in months (1 ÷ monthly churn, the "
            "period's churn compounded to one month)",
            is_revenue=True,
            compute=_clv,
            events=lambda cohort: cohort.churned,
        ),
    )
}


# ---- the service-vs-outcome panel ------------------------------------------------------------


@dataclass(frozen=True)
class ServiceOfCustomer:
    """The service one customer received in the period, from the tickets and responses of the scope."""

    contacts: int = 0
    reopened: bool = False
    # None: no CSAT response in the period; else whether the last one scored good (4–5).
    last_csat_good: bool | None = None
    # None: no first response measured against an FRT target; else whether any waited longer than it.
    waited_beyond_frt_target: bool | None = None


@dataclass(frozen=True)
class ServiceGrouping:
    code: str
    name: str
    # (code, label) of each group, in display order.
    groups: tuple[tuple[str, str], ...]
    group_of: Callable[[ServiceOfCustomer], str]
    # The service KPIs whose targets this grouping speaks to (pitfall 3).
    kpis: tuple[str, ...] = field(default_factory=tuple)


def _contacts_group(service: ServiceOfCustomer) -> str:
    return "one" if service.contacts <= 1 else "two_three" if service.contacts <= 3 else "four_plus"


SERVICE_GROUPINGS: dict[str, ServiceGrouping] = {
    grouping.code: grouping
    for grouping in (
        ServiceGrouping(
            code="csat",
            name="Last CSAT response",
            groups=(("good", "Good (4–5)"), ("bad", "Poor (1–3)"), ("none", "No response")),
            group_of=lambda s: "none" if s.last_csat_good is None else "good" if s.last_csat_good else "bad",
            kpis=("csat",),
        ),
        ServiceGrouping(
            code="frt",
            name="First response against the FRT target",
            groups=(
                ("beyond", "Waited longer than the target"),
                ("within", "Every first response within the target"),
                ("no_target", "No target, or no first response"),
            ),
            group_of=lambda s: (
                "no_target"
                if s.waited_beyond_frt_target is None
                else "beyond"
                if s.waited_beyond_frt_target
                else "within"
            ),
            kpis=("frt",),
        ),
        ServiceGrouping(
            code="reopened",
            name="Reopened tickets",
            groups=(("reopened", "A ticket reopened"), ("not_reopened", "None reopened")),
            group_of=lambda s: "reopened" if s.reopened else "not_reopened",
            kpis=("fcr", "resolution_rate"),
        ),
        ServiceGrouping(
            code="contacts",
            name="Tickets in the period",
            groups=(("one", "1 ticket"), ("two_three", "2–3 tickets"), ("four_plus", "4 or more")),
            group_of=_contacts_group,
            kpis=("fcr",),
        ),
    )
}
