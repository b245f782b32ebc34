"""A fake Zendesk on a real loopback HTTP server, and a connection to it set up as an admin would."""

import pytest
from pytest_httpserver import HTTPServer

from tests.factories import AgentFactory
from tickets.connectors.models import Connection, HelpdeskKind
from tickets.connectors.services import connection_save

from .fake_zendesk import FakeZendesk

SUPPORT_EU, BILLING, UNMAPPED = 10, 20, 30
ALICE, BOB, STRANGER = 101, 102, 103


@pytest.fixture
def helpdesk_server():
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def zendesk(helpdesk_server):
    """An account with three groups (one mapped by rule, one by team name, one not) and three agents."""
    fake = FakeZendesk()
    fake.add_group(SUPPORT_EU, "Support EU")
    fake.add_group(BILLING, "Owls")
    fake.add_group(UNMAPPED, "Partners")
    fake.add_agent(ALICE, "Alice@Example.com", "Alice")
    fake.add_agent(BOB, "bob@example.com", "Bob")
    fake.add_agent(STRANGER, "stranger@elsewhere.example", "Stranger")
    fake.install(helpdesk_server)
    return fake


@pytest.fixture
def pulse_agents(team, other_team):
    """Alice and Bob are Pulse agents of Falcons and Owls; the stranger is no one in Pulse."""
    return {
        "alice": AgentFactory(username="alice", email="alice@example.com", team=team),
        "bob": AgentFactory(username="bob", email="bob@example.com", team=other_team),
    }


@pytest.fixture
def connection(db, zendesk, helpdesk_server, team, other_team, admin_user):
    """Support EU → falcons by an explicit rule; "Owls" by the team's name; "Partners" maps to nothing."""
    return connection_save(
        connection=Connection(
            name="Acme Zendesk",
            kind=HelpdeskKind.ZENDESK,
            base_url=helpdesk_server.url_for("/").rstrip("/"),
            group_map={"Support EU": "falcons"},
            history_days=30,
        ),
        actor=admin_user,
        email=zendesk.email,
        api_token=zendesk.api_token,
        webhook_secret="whsec-test-secret-42",
    )


FD_SUPPORT, FD_RESELLERS = 7, 8
FD_ALICE, FD_STRANGER = 55, 56


@pytest.fixture
def freshdesk(helpdesk_server):
    """A Freshdesk account: "Falcons" (a team's name) and "Resellers" (no team); Alice and a stranger."""
    from .fake_freshdesk import FakeFreshdesk

    fake = FakeFreshdesk()
    fake.add_group(FD_SUPPORT, "Falcons")
    fake.add_group(FD_RESELLERS, "Resellers")
    fake.add_agent(FD_ALICE, "alice@example.com")
    fake.add_agent(FD_STRANGER, "stranger@elsewhere.example")
    fake.install(helpdesk_server)
    return fake


@pytest.fixture
def freshdesk_connection(db, freshdesk, helpdesk_server, team, admin_user):
    return connection_save(
        connection=Connection(
            name="Acme Freshdesk",
            kind=HelpdeskKind.FRESHDESK,
            base_url=helpdesk_server.url_for("/").rstrip("/"),
            history_days=30,
        ),
        actor=admin_user,
        api_token=freshdesk.api_key,
    )
