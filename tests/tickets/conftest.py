"""Fixtures shared by the import tests: a temporary MEDIA_ROOT, in-process tasks, the agents the samples name."""

import datetime as dt

import pytest

from tests.factories import AgentFactory, TicketFactory
from tickets.customers.models import Customer


@pytest.fixture
def import_media(settings, tmp_path):
    """Uploaded and error files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager_import_tasks():
    """Tasks run in-process, as configured for tests, whatever an earlier test left in app.conf."""
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def sample_customer(db):
    """The organisation the sample Zendesk exports name (by its name, as Zendesk's export does)."""
    return Customer.objects.create(external_id="CRM-7", name="Customer Ltd", started_on=dt.date(2025, 1, 1))


@pytest.fixture
def sample_agents(team, other_team, sample_customer):
    """The agents the sample exports name, by username: Alice and Bob in Falcons, Carol in Owls (and the
    customer they name, so that their "Organization" column reads as a known customer)."""
    return {
        "alice": AgentFactory(
            username="alice", email="alice@example.com", first_name="Alice", last_name="Martin", team=team
        ),
        "bob": AgentFactory(username="bob", email="bob@example.com", first_name="Bob", last_name="Durand", team=team),
        "carol": AgentFactory(
            username="carol", email="carol@example.com", first_name="Carol", last_name="Smith", team=other_team
        ),
    }


@pytest.fixture
def customer_of_falcons(sample_agents, sample_customer):
    """The sample customer is one Falcons serve: the helpdesk sync (the system) linked ticket SYNC-1 of Alice's to it.
    A leader's import names only the customers their teams serve (accounts.scoping.customers_nameable)."""
    return TicketFactory(external_id="SYNC-1", agent=sample_agents["alice"], customer=sample_customer)
