"""/readyz checks the read replica when page reads go there (a `replica` alias and the router, as settings
install them with DATABASE_REPLICA_URL). PostgreSQL runs have the test settings' mirror alias for it."""

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.utils import load_backend

from config.db_routers import REPLICA_DB_ALIAS
from tests.factories import AdminFactory

DATABASES = ["default", REPLICA_DB_ALIAS] if REPLICA_DB_ALIAS in settings.DATABASES else ["default"]
pytestmark = pytest.mark.django_db(databases=DATABASES)


@pytest.fixture
def replica_routing(settings, postgres):
    assert REPLICA_DB_ALIAS in settings.DATABASES  # the test settings' mirror of the test database
    settings.DATABASE_ROUTERS = ["config.db_routers.ReplicaRouter"]
    settings.REDIS_URL = ""


@pytest.fixture
def unreachable_replica(replica_routing):
    """The replica alias points at a port where nothing listens (the primary keeps serving)."""
    settings_dict = {**connections[REPLICA_DB_ALIAS].settings_dict, "HOST": "127.0.0.1", "PORT": "9"}
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias=REPLICA_DB_ALIAS)
    working = connections[REPLICA_DB_ALIAS]
    connections[REPLICA_DB_ALIAS] = broken
    try:
        yield
    finally:
        connections[REPLICA_DB_ALIAS] = working
        broken.close()


def test_readyz_checks_the_replica_when_reads_go_there(client, replica_routing):
    client.force_login(AdminFactory())
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "replica": "ok"}},
    )


def test_an_unreachable_replica_makes_the_process_unready(client, unreachable_replica):
    assert client.get("/readyz").json() == {"status": "unavailable"}  # anonymous: one word

    client.force_login(AdminFactory())
    response = client.get("/readyz")
    body = response.json()
    assert (response.status_code, body["status"], body["checks"]["database"]) == (503, "unavailable", "ok")
    assert body["checks"]["replica"].startswith("OperationalError")
    assert "port 9" in body["checks"]["replica"]


def test_without_the_router_the_replica_alias_is_not_checked(client, settings, postgres):
    # The alias alone (as in the test settings) sends no page read there: readiness does not depend on it.
    settings.REDIS_URL = ""
    assert settings.DATABASE_ROUTERS == []
    client.force_login(AdminFactory())
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok"}}
    assert connection.vendor == "postgresql"
