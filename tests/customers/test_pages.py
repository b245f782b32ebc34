"""The customers pages (scoped, 404 out of scope, MRR only for who may see revenue) and the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests.customers.conftest import customer
from tickets.customers.models import Customer, MrrChange

pytestmark = pytest.mark.django_db


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def test_a_leader_lists_the_customers_their_teams_served_with_mrr(client, customers, leader):
    html = page(client, leader, reverse("customer_list"))
    assert "2 customers." in html
    assert ">Acme</a>" in html and ">Globex</a>" in html
    assert "Initech" not in html and "Umbrella" not in html
    assert 'data-label="MRR (per month)" class="num">120.00 USD</td>' in html
    assert 'href="/customers/"' in html  # the navigation offers the page


def test_an_admin_lists_every_customer_and_searches(client, customers, admin_user):
    assert "4 customers." in page(client, admin_user, reverse("customer_list"))
    html = page(client, admin_user, reverse("customer_list") + "?q=INIT")
    assert "1 customer." in html and ">Initech</a>" in html
    html = page(client, admin_user, reverse("customer_list") + "?status=churned&segment=Enterprise")
    assert "1 customer." in html and "Churned 30 Sep 2025" in html


def test_the_list_is_paginated(client, admin_user):
    for number in range(51):
        customer(f"C-{number:03}", f"Customer {number:03}")
    html = page(client, admin_user, reverse("customer_list") + "?q=Customer")
    assert "51 customers." in html and "Page 1 of 2" in html and "?q=Customer&amp;page=2" in html
    assert "Customer 050" in page(client, admin_user, reverse("customer_list") + "?q=Customer&page=2")


@pytest.mark.parametrize("who", ["agent", "hr"])
def test_agents_and_hr_have_no_customer_pages(client, customers, request, who):
    user = request.getfixturevalue(who)
    page(client, user, reverse("customer_list"), status=404)
    page(client, user, reverse("customer_detail", args=["ACME"]), status=404)


@pytest.mark.parametrize("who", ["agent", "hr"])
def test_agents_and_hr_navigation_has_no_customers_link(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/", follow=True)
    assert 'href="/customers/"' not in response.content.decode()


def test_the_detail_shows_mrr_history_churn_and_the_teams_that_served(client, customers, leader):
    html = page(client, leader, reverse("customer_detail", args=["ACME"]))
    assert "<dd>120.00 USD per month</dd>" in html
    assert '<th scope="row">1 Jun 2025</th><td class="num">120.00 USD</td><td class="num">+20.00 USD</td>' in html
    assert '<th scope="row">1 Jan 2025</th><td class="num">100.00 USD</td><td class="num">first</td>' in html
    assert '>Falcons</a></th><td class="num">1</td>' in html
    assert 'data-testid="churn-status">Active' in html
    html = page(client, leader, reverse("customer_detail", args=["GLOBEX"]))
    assert "Churned on 30 Sep 2025 (a customer for 8\xa0months, 4\xa0weeks)" in html


@pytest.mark.parametrize(
    ("who", "external_id"), [("leader", "INITECH"), ("leader", "UMBRELLA"), ("other_leader", "ACME")]
)
def test_a_customer_outside_scope_is_404(client, customers, request, who, external_id):
    page(client, request.getfixturevalue(who), reverse("customer_detail", args=[external_id]), status=404)


def test_the_admin_adds_a_customer_with_its_mrr_through_the_service(client, admin_user):
    client.force_login(admin_user)
    form = {
        "external_id": "NEW",
        "name": "Newco",
        "segment": "SMB",
        "plan": "Pro",
        "started_on": "2025-02-01",
        "churned_on": "",
        "new_mrr": "75.50",
        "new_mrr_effective_on": "",
        "mrr_changes-TOTAL_FORMS": "0",
        "mrr_changes-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:customers_customer_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Customer.objects.get(external_id="NEW")
    assert made.mrr == Decimal("75.50")
    assert list(made.mrr_changes.values_list("effective_on", "mrr")) == [(dt.date(2025, 2, 1), Decimal("75.50"))]
    assert AuditEvent.objects.get(action="customer.create").actor == admin_user

    bad = {**form, "new_mrr": "1.234", "churned_on": "2025-01-01"}
    change_url = reverse("admin:customers_customer_change", args=[made.pk])
    response = client.post(change_url, bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "new_mrr" in errors and "churned_on" in errors
    assert MrrChange.objects.count() == 1 and Customer.objects.get().churned_on is None
    assert client.post(reverse("admin:customers_customer_delete", args=[made.pk]), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:customers_customer_changelist") + "?q=Newco")
    assert changelist.status_code == 200 and "75.50" in changelist.content.decode()
    assert "75.50" in client.get(change_url).content.decode()  # the inline history, read-only


def test_a_customer_writer_lists_every_customer_and_an_empty_list_says_how_customers_come_in(client, crm, admin_user):
    html = page(client, crm, reverse("customer_list"))
    assert "No customers" in html and "manage.py import_customers" in html
    html = page(client, admin_user, reverse("customer_list"))
    assert 'the <a href="/imports/">imports page</a>' in html
    customer("ACME", "Acme", mrr="5.00")
    html = page(client, crm, reverse("customer_list"))
    assert "Every customer of the organisation." in html and "1 customer." in html
    assert 'class="num">5.00 USD</td>' in html


def test_amounts_read_with_separators_cents_and_the_currency():
    from kpis.templatetags.pulse import money

    assert money(Decimal("11507.98")) == "11,507.98 USD"
    assert money(Decimal("-35")) == "−35.00 USD"
    assert (money(Decimal("120"), True), money(Decimal("-35"), True), money(Decimal("0"), True)) == (
        "+120.00 USD",
        "−35.00 USD",
        "0.00 USD",
    )
    assert money(None) == "–"
