"""The outcome KPIs through the public read path (`kpis.outcomes.selectors.outcomes`), pinned on the articles'
worked examples, and the rules the articles leave open (who counts at the start, MRR as of a day, upgrades)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from kpis.outcomes.definitions import OUTCOME_KPIS, monthly_churn, period_months
from kpis.outcomes.selectors import outcomes
from kpis.selectors import Period
from kpis.stats import difference_interval, wilson_interval
from tests.outcomes.builders import customers, mrr_change

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))

pytestmark = pytest.mark.django_db


def test_every_outcome_kpi_is_declared_once_with_unit_formula_and_direction():
    assert list(OUTCOME_KPIS) == ["churn_rate", "retention_rate", "mrr", "nrr", "clv"]
    assert {code for code, kpi in OUTCOME_KPIS.items() if kpi.is_revenue} == {"mrr", "nrr", "clv"}
    for kpi in OUTCOME_KPIS.values():
        assert kpi.formula and kpi.unit in ("percent", "money")


def test_churn_500_at_start_25_lost_in_a_month_is_5_percent():
    customers(475)
    customers(25, churned_on=dt.date(2026, 3, 10))
    customers(3, churned_on=dt.date(2026, 2, 28))  # left before the month: not at its start
    report = outcomes(period=MARCH)
    churn = report.figures["churn_rate"]
    assert (report.cohort.at_start, report.cohort.churned) == (500, 25)
    assert churn.value == 5.0 and churn.n == 500
    assert (churn.ci_low, churn.ci_high) == wilson_interval(25, 500)
    assert round(churn.ci_low, 2) == 3.41 and round(churn.ci_high, 2) == 7.28


def test_retention_start_1000_gain_200_end_1050_is_85_percent():
    customers(850)
    customers(150, churned_on=dt.date(2026, 3, 20))
    customers(200, started_on=dt.date(2026, 3, 5))
    report = outcomes(period=MARCH)
    assert (report.cohort.at_start, report.cohort.new, report.cohort.at_end) == (1000, 200, 1050)
    retention = report.figures["retention_rate"]
    assert retention.value == 85.0 and retention.n == 1000
    assert report.figures["churn_rate"].value == 15.0


def test_a_customer_who_started_or_churned_on_the_first_day_counts_at_the_start():
    customers(1, started_on=dt.date(2026, 3, 1))
    customers(1, churned_on=dt.date(2026, 3, 1))
    customers(1, churned_on=dt.date(2026, 4, 1))  # after the period: still there at its end
    report = outcomes(period=MARCH)
    assert (report.cohort.at_start, report.cohort.churned, report.cohort.new, report.cohort.at_end) == (3, 1, 0, 2)


def test_clv_50_a_month_for_3_years_is_1800():
    customers(35, mrr="50.00")
    customers(1, mrr="50.00", churned_on=dt.date(2026, 3, 31))  # monthly churn 1/36
    clv = outcomes(period=MARCH).figures["clv"]
    assert clv.value == Decimal("1800.00")
    assert clv.n == 36
    assert clv.note == (
        "average MRR 50.00 USD × expected lifetime 36.0 months (monthly churn 2.78 %, from 1 churned customer)"
    )
    # 36 customers, but one churn event: the lifetime rests on it, and the figure says it is low confidence.
    assert clv.low_confidence is True
    assert outcomes(period=MARCH).figures["churn_rate"].low_confidence is False


def test_clv_without_churn_says_not_enough_churn():
    customers(10)
    clv = outcomes(period=MARCH).figures["clv"]
    assert clv.value is None
    assert clv.note == "Not enough churn to say: no customer left in the period."


def test_a_90_day_period_is_3_months_and_its_churn_compounds_to_a_month():
    first_quarter = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert period_months(first_quarter.date_from, first_quarter.date_to) == 3
    assert period_months(dt.date(2026, 9, 3), dt.date(2026, 12, 1)) == 2 + Fraction(29, 30)
    assert period_months(dt.date(2026, 1, 31), dt.date(2026, 2, 27)) == 1  # to the month's last day
    # 15 % over 3 months is 1 − 0.85^(1/3) = 5.27 % a month, not 5 %.
    assert round(monthly_churn(15, 100, Fraction(3)), 6) == Decimal("0.052732")
    customers(85, mrr="100.00")
    customers(15, mrr="100.00", churned_on=dt.date(2026, 2, 1))
    clv = outcomes(period=first_quarter).figures["clv"]
    assert clv.value == Decimal("1896.39")  # 100 ÷ 0.0527318…
    assert clv.low_confidence is False  # 15 churned customers: enough (the least is 10)


def test_mrr_as_of_a_day_comes_from_the_history_and_an_upgrade_counts_at_the_period_end():
    upgraded, downgraded, churned, steady = customers(4, mrr="0.00")
    mrr_change(upgraded, dt.date(2025, 1, 1), "100.00")
    mrr_change(upgraded, dt.date(2026, 3, 15), "150.00")  # mid-period upgrade: expansion
    mrr_change(upgraded, dt.date(2026, 4, 2), "999.00")  # after the period: ignored
    mrr_change(downgraded, dt.date(2025, 6, 1), "200.00")
    mrr_change(downgraded, dt.date(2026, 3, 31), "120.00")
    mrr_change(churned, dt.date(2025, 1, 1), "80.00")
    churned.churned_on = dt.date(2026, 3, 20)
    churned.save()
    mrr_change(steady, dt.date(2025, 1, 1), "20.00")
    report = outcomes(period=MARCH)
    assert report.cohort.mrr_at_start == Decimal("400.00")  # 100 + 200 + 80 + 20
    assert report.cohort.mrr_retained == Decimal("290.00")  # 150 + 120 + 0 + 20
    assert report.figures["mrr"].value == Decimal("290.00")
    assert report.figures["mrr"].n == 3
    assert report.figures["nrr"].value == Decimal("72.50")


def test_newcombe_hybrid_score_interval_matches_newcombe_1998_table_ii():
    published = {  # Newcombe (1998), Stat Med 17:873, table II, method 10
        (56, 70, 48, 80): (0.0524, 0.3339),
        (9, 10, 3, 10): (0.1705, 0.8090),
        (6, 7, 2, 7): (0.0582, 0.8062),
        (5, 56, 0, 29): (-0.0381, 0.1926),
        (0, 10, 0, 20): (-0.1611, 0.2775),
        (0, 10, 0, 10): (-0.2775, 0.2775),
        (10, 10, 0, 20): (0.6791, 1.0000),
        (10, 10, 0, 10): (0.6075, 1.0000),
    }
    for counts, (low, high) in published.items():
        interval = difference_interval(*counts)
        assert (round(interval[0] / 100, 4), round(interval[1] / 100, 4)) == (low, high), counts
    assert difference_interval(1, 0, 1, 10) is None
