"""Customers of the tests: Acme and Globex served by Falcons (Alice's tickets), Initech by Owls
(Carol's ticket), Umbrella served by nobody. A `crm` user is an agent granted "Can change customer"."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from tests.factories import AgentFactory, TicketFactory
from tests.tickets.conftest import eager_import_tasks, import_media  # noqa: F401  (the import tests' fixtures)
from tickets.customers.models import Customer, MrrChange


def customer(external_id, name, *, mrr="0.00", started_on=dt.date(2025, 1, 1), history=(), **fields) -> Customer:
    made = Customer.objects.create(
        external_id=external_id, name=name, mrr=Decimal(mrr), started_on=started_on, **fields
    )
    for day, amount in history:
        MrrChange.objects.create(customer=made, effective_on=day, mrr=Decimal(amount))
    return made


@pytest.fixture
def customers(agent, outside_agent):
    acme = customer(
        "ACME",
        "Acme",
        mrr="120.00",
        segment="SMB",
        plan="Pro",
        history=[(dt.date(2025, 1, 1), "100.00"), (dt.date(2025, 6, 1), "120.00")],
    )
    globex = customer(
        "GLOBEX", "Globex", mrr="50.00", segment="Enterprise", plan="Basic", churned_on=dt.date(2025, 9, 30)
    )
    initech = customer("INITECH", "Initech", mrr="80.00", segment="SMB", plan="Pro")
    umbrella = customer("UMBRELLA", "Umbrella", mrr="10.00", segment="SMB", plan="Basic")
    TicketFactory(external_id="T-ACME", agent=agent, customer=acme)
    TicketFactory(external_id="T-GLOBEX", agent=agent, customer=globex)
    TicketFactory(external_id="T-INITECH", agent=outside_agent, customer=initech)
    return {"acme": acme, "globex": globex, "initech": initech, "umbrella": umbrella}


@pytest.fixture
def crm(team):
    user = AgentFactory(username="crm", email="crm@example.com", team=team)
    user.user_permissions.add(Permission.objects.get(codename="change_customer", content_type__app_label="customers"))
    return user
