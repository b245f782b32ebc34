"""The demo customers: ~300 accounts with plans, MRR histories and churn, named on the demo tickets and responses,
where poor service is followed by more churn; deterministic for a seed."""

import datetime as dt

import pytest
from django.db.models import F

from accounts.demo import demo_organisation_create
from kpis.outcomes.demo import demo_customers_create
from kpis.outcomes.selectors import outcomes
from kpis.selectors import Period
from kpis.services import snapshots_compute
from surveys.models import SurveyResponse
from tickets.customers.models import Customer, MrrChange
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
END = dt.date(2026, 3, 31)


def fingerprint() -> list[tuple]:
    return list(Customer.objects.order_by("external_id").values_list("external_id", "mrr", "started_on", "churned_on"))


def test_demo_customers_have_plans_mrr_history_churn_and_their_tickets():
    summary = demo_organisation_create(teams=3, agents_per_team=3, days=60, end_date=END, seed=42)
    assert demo_customers_create(date_from=summary.date_from, date_to=summary.date_to, seed=42) == 300
    assert set(Customer.objects.values_list("segment", flat=True)) == {"SMB", "Mid-market", "Enterprise"}
    churned = Customer.objects.filter(churned_on__isnull=False)
    assert 10 <= churned.count() <= 60
    assert not churned.filter(churned_on__lt=F("started_on")).exists()
    assert not churned.filter(churned_on__gt=summary.date_to).exists()
    # Customer.mrr is the latest change of its history; some customers upgraded or downgraded in the window.
    for customer in Customer.objects.prefetch_related("mrr_changes"):
        assert customer.mrr == list(customer.mrr_changes.all())[-1].mrr
    assert MrrChange.objects.filter(effective_on__gte=summary.date_from).count() >= 20
    named = Ticket.objects.filter(customer__isnull=False)
    assert 0.08 * Ticket.objects.count() <= named.count() <= 0.14 * Ticket.objects.count()
    assert not named.filter(created_at__date__lt=F("customer__started_on")).exists()
    responses = SurveyResponse.objects.filter(ticket__customer__isnull=False)
    assert responses.exists() and not responses.exclude(customer=F("ticket__customer")).exists()

    # Over the demo's window, customers whose last CSAT was poor churned more than those whose was good (the panel
    # reads the customers' service days written with the snapshots, as seed_demo computes them next).
    snapshots_compute(date_from=summary.date_from, date_to=summary.date_to)
    report = outcomes(period=Period(summary.date_from, summary.date_to))
    good, bad, _ = report.panel[0].groups
    assert bad.churn_percent > 2 * good.churn_percent

    first = fingerprint()
    Ticket.objects.update(customer=None)
    SurveyResponse.objects.update(customer=None)
    Customer.objects.all().delete()
    demo_customers_create(date_from=summary.date_from, date_to=summary.date_to, seed=42)
    assert fingerprint() == first
