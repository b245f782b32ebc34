"""What the helpdesks already know, kept by the sync: Zendesk's business-hours minutes (metric sets) and the
account a ticket is for (Zendesk's side-loaded organization, Freshdesk's company), created as a Pulse customer."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from surveys.models import SurveyResponse
from tickets.connectors.models import Connection, SyncRun
from tickets.connectors.sync import connection_sync
from tickets.customers.models import Customer
from tickets.models import BusinessSecondsSource, Ticket

from .conftest import ALICE, FD_ALICE, FD_SUPPORT, SUPPORT_EU, UNMAPPED
from .fake_freshdesk import RESOLVED

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def sync(connection) -> SyncRun:
    run = connection_sync(connection_id=connection.pk)
    assert run is not None and run.status == SyncRun.RunStatus.SUCCEEDED, run and run.message
    return run


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def business(external_id: str) -> tuple:
    ticket = Ticket.objects.get(external_id=external_id)
    return ticket.first_response_business_seconds, ticket.resolution_business_seconds, ticket.business_seconds_source


# ---- Zendesk: business-hours minutes -----------------------------------------------------------------


def test_zendesk_business_minutes_become_business_seconds_kept_as_the_helpdesks(zendesk, connection, pulse_agents):
    common = {"group_id": SUPPORT_EU, "assignee_id": ALICE}
    # Calendar 60 / 480 min, within business hours 45 / 300 min.
    zendesk.put_ticket(1, created_at=ago(5), reply_minutes=60, resolution_minutes=480, business=(45, 300), **common)
    # Answered, not solved: only the first reply has a duration, and Zendesk gives its business minutes.
    zendesk.put_ticket(
        2, created_at=ago(5), status="open", reply_minutes=30, resolution_minutes=None, business=(20, None), **common
    )
    # Solved, but Zendesk gives no business figure for the resolution: none is kept, Pulse computes both.
    zendesk.put_ticket(3, created_at=ago(5), reply_minutes=30, resolution_minutes=90, business=(10, None), **common)

    sync(connection)

    assert business("1") == (2700, 18000, BusinessSecondsSource.HELPDESK)
    assert business("2") == (1200, None, BusinessSecondsSource.HELPDESK)
    # No schedule in this test's organisation: Pulse has nothing to compute from (S's rule), never Zendesk's half.
    assert business("3") == (None, None, BusinessSecondsSource.NONE)
    first = Ticket.objects.get(external_id="1")
    assert first.solved_at - first.created_at == dt.timedelta(minutes=480)  # calendar time stays calendar time


def test_a_change_of_business_minutes_alone_is_written_and_a_partial_api_update_keeps_it(
    zendesk, connection, pulse_agents, leader
):
    created = ago(5)
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, business=(30, 120))
    sync(connection)
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, business=(25, 100))

    run = sync(connection)

    assert (run.updated, run.unchanged) == (1, 0)
    assert business("1") == (1500, 6000, BusinessSecondsSource.HELPDESK)
    # The same state read again writes nothing.
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, business=(25, 100))
    assert (sync(connection).updated, Ticket.objects.get().business_seconds_source) == (0, "helpdesk")
    client = APIClient()
    client.force_authenticate(user=leader)
    pk = Ticket.objects.get().pk
    assert client.patch(f"/api/v1/tickets/{pk}/", {"category": "billing"}, format="json").status_code == 200
    assert business("1") == (1500, 6000, BusinessSecondsSource.HELPDESK)


# ---- Zendesk: organizations ----------------------------------------------------------------------------


def test_zendesk_organizations_become_customers_linked_to_their_tickets_and_ratings(zendesk, connection, pulse_agents):
    Connection.objects.filter(pk=connection.pk).update(external_id_prefix="zd-")
    zendesk.add_organization(77, "Acme Corp", created_at=dt.datetime(2024, 5, 6, 22, 30, tzinfo=dt.UTC))
    zendesk.add_organization(78, "Partner Org", created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    zendesk.put_ticket(1, created_at=ago(5), group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=77)
    zendesk.put_ticket(2, created_at=ago(5), group_id=SUPPORT_EU, assignee_id=ALICE)
    # A ticket of an unmapped group is written to no team, and its organisation is not created either.
    zendesk.put_ticket(3, created_at=ago(5), group_id=UNMAPPED, assignee_id=ALICE, organization_id=78)
    zendesk.rate(1, "good", at=ago(4))

    sync(connection)

    acme = Customer.objects.get()
    assert (acme.external_id, acme.name, acme.started_on, acme.mrr) == ("zd-77", "Acme Corp", dt.date(2024, 5, 6), 0)
    assert sorted(Ticket.objects.values_list("external_id", "customer__external_id")) == [
        ("zd-1", "zd-77"),
        ("zd-2", None),
    ]
    assert SurveyResponse.objects.get().customer == acme  # the rating takes its ticket's customer
    assert "include=metric_sets%2Cusers%2Cgroups%2Corganizations" in zendesk.requests[0]


def test_zendesk_renames_move_and_removals_of_an_organization_follow(zendesk, connection, pulse_agents):
    zendesk.add_organization(77, "Acme Corp", created_at=ago(400))
    zendesk.add_organization(88, "Globex", created_at=ago(300))
    created = ago(5)
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=77)
    zendesk.rate(1, "bad", at=ago(4))
    sync(connection)
    acme = Customer.objects.get(external_id="77")
    acme.mrr, acme.plan = 990, "Enterprise"  # what the CRM said since: the helpdesk never overwrites it
    acme.save()

    zendesk.organizations[77]["name"] = "Acme Corporation"
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=77)
    sync(connection)
    acme.refresh_from_db()
    assert (acme.name, acme.mrr, acme.plan) == ("Acme Corporation", 990, "Enterprise")

    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=88)
    sync(connection)
    assert Ticket.objects.get().customer.external_id == "88"
    assert SurveyResponse.objects.get().customer.external_id == "88"

    # An organization Zendesk no longer side-loads (deleted) still names the ticket's customer, not a rename.
    del zendesk.organizations[88]
    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=88, replies=2)
    sync(connection)
    assert (Ticket.objects.get().agent_replies, Customer.objects.get(external_id="88").name) == (2, "Globex")

    zendesk.put_ticket(1, created_at=created, group_id=SUPPORT_EU, assignee_id=ALICE, organization_id=None)
    sync(connection)
    assert Ticket.objects.get().customer is None and SurveyResponse.objects.get().customer is None
    assert Customer.objects.count() == 2  # a customer is never deleted by a sync


# ---- Freshdesk: companies --------------------------------------------------------------------------------


def test_freshdesk_companies_become_customers_and_the_api_gives_no_business_figures(
    freshdesk, freshdesk_connection, pulse_agents
):
    freshdesk.add_company(501, "Initech", created_at=dt.datetime(2023, 11, 2, 8, 0, tzinfo=dt.UTC))
    common = {"group_id": FD_SUPPORT, "responder_id": FD_ALICE, "status": RESOLVED}
    freshdesk.put_ticket(1, created_at=ago(6), updated_at=ago(5), company_id=501, **common)
    freshdesk.put_ticket(2, created_at=ago(6), updated_at=ago(5), company_id=999, **common)  # deleted since
    freshdesk.put_ticket(3, created_at=ago(6), updated_at=ago(5), **common)

    sync(freshdesk_connection)

    assert sorted(Customer.objects.values_list("external_id", "name", "started_on")) == [
        ("501", "Initech", dt.date(2023, 11, 2)),
        ("999", "Freshdesk company 999", ago(6).date()),  # named by its id, starting on its first ticket's day
    ]
    assert sorted(Ticket.objects.values_list("external_id", "customer__external_id")) == [
        ("1", "501"),
        ("2", "999"),
        ("3", None),
    ]
    assert set(Ticket.objects.values_list("business_seconds_source", flat=True)) != {BusinessSecondsSource.HELPDESK}
    assert any(path.startswith("/api/v2/companies?per_page=100") for path in freshdesk.requests)
