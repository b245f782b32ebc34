"""The read-replica router: page and API reads on `replica`, writes and the reads that must see them on `default`.

The test settings give PostgreSQL runs a `replica` alias mirroring the test database (Django's TEST MIRROR):
a second connection to the same server, so each query's alias shows where the router sent it. Tests commit
(transactional) because the mirror is another connection and sees only committed rows.
"""

import datetime as dt
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Team
from config.db_routers import PIN_COOKIE, REPLICA_DB_ALIAS, ReplicaReadsMiddleware
from kpis.models import Snapshot, Target
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC
DATABASES = ["default", REPLICA_DB_ALIAS] if REPLICA_DB_ALIAS in settings.DATABASES else ["default"]
pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)


@pytest.fixture
def replica_routing(settings, postgres):
    """Install the router and its middleware as settings do when DATABASE_REPLICA_URL is set."""
    settings.DATABASE_ROUTERS = ["config.db_routers.ReplicaRouter"]
    position = settings.MIDDLEWARE.index("config.request_id.RequestIdMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:position],
        "config.db_routers.ReplicaReadsMiddleware",
        *settings.MIDDLEWARE[position:],
    ]


@pytest.fixture
def org():
    team = TeamFactory(slug="replica", timezone="UTC")
    agent = AgentFactory(team=team)
    leader = LeaderFactory(teams=[team])
    day = timezone.localdate() - dt.timedelta(days=2)
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=UTC)
    for score in (5, 4, 2):
        ticket = TicketFactory(agent=agent, created_at=moment, solved_at=moment + dt.timedelta(hours=1))
        SurveyResponseFactory(agent=agent, ticket=ticket, score=score, responded_at=moment + dt.timedelta(hours=2))
    snapshots_compute(date_from=day, date_to=day)
    return {"team": team, "agent": agent, "leader": leader}


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections[REPLICA_DB_ALIAS])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def statements(self, alias: str) -> list[str]:
        """What the block sent through `alias`. Django also logs ATOMIC_REQUESTS' BEGIN/COMMIT on the primary
        for every request; psycopg sends nothing for a transaction in which no statement ran."""
        captured = self.primary if alias == "default" else self.replica
        return [query["sql"] for query in captured.captured_queries if query["sql"] not in ("BEGIN", "COMMIT")]

    def sql(self, alias: str) -> str:
        return "\n".join(self.statements(alias))


def test_a_page_reads_everything_from_the_replica(client, replica_routing, org):
    client.force_login(org["leader"])
    with Queries() as queries:
        response = client.get(f"/teams/{org['team'].pk}/")
    assert response.status_code == 200
    assert "kpis_snapshot" in queries.sql(REPLICA_DB_ALIAS)  # the figures
    assert "django_session" in queries.sql(REPLICA_DB_ALIAS)  # who is asking
    assert queries.statements("default") == []
    assert PIN_COOKIE not in response.cookies


def test_a_write_request_runs_on_the_primary_and_pins_the_next_reads_there(client, replica_routing, org):
    client.force_login(org["leader"])
    form = {
        "kpi": "csat",
        "scope": "team",
        "team": org["team"].pk,
        "channel": "",
        "effective_from": timezone.localdate().isoformat(),
        "value": "85",
        "rationale": "Renewals depend on it.",
        "save": "1",
    }
    with Queries() as posting:
        response = client.post("/targets/new/", form)
    assert response.status_code == 302
    assert Target.objects.filter(kpi="csat", team=org["team"]).exists()
    assert 'INSERT INTO "kpis_target"' in posting.sql("default")
    assert posting.statements(REPLICA_DB_ALIAS) == []
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS

    # The page the form redirects to reads the primary: it shows the new target even if the replica lags.
    with Queries() as redirected:
        assert client.get(response.url).status_code == 200
    assert "kpis_target" in redirected.sql("default")
    assert redirected.statements(REPLICA_DB_ALIAS) == []

    # Once the pin has expired (the browser drops the cookie), reads go back to the replica.
    del client.cookies[PIN_COOKIE]
    with Queries() as later:
        assert client.get(response.url).status_code == 200
    assert "kpis_target" in later.sql(REPLICA_DB_ALIAS)
    assert later.statements("default") == []


def serve(method: str, view) -> HttpResponse:
    """One request through the middleware, with `view` as the rest of the stack."""
    return ReplicaReadsMiddleware(view)(RequestFactory().generic(method, "/"))


def test_inside_a_safe_request_a_write_sends_the_rest_of_the_reads_to_the_primary(replica_routing, org):
    seen = {}

    def view(request):
        with Queries() as before:
            seen["before"] = Team.objects.count()
        Snapshot.objects.filter(team=org["team"]).update(low_confidence=True)
        with Queries() as after:
            seen["after"] = Snapshot.objects.filter(low_confidence=False, team=org["team"]).count()
        seen["queries"] = (before, after)
        return HttpResponse("ok")

    response = serve("GET", view)
    before, after = seen["queries"]
    assert before.statements(REPLICA_DB_ALIAS) and not before.statements("default")
    assert after.statements("default") and not after.statements(REPLICA_DB_ALIAS)
    assert seen["after"] == 0  # it read its own write
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS


def test_inside_a_safe_request_a_transaction_the_code_opens_reads_the_primary(replica_routing, org):
    seen = {}

    def view(request):
        with Queries() as outside:
            Team.objects.count()
        with transaction.atomic(), Queries() as inside:
            Team.objects.count()
        seen["queries"] = (outside, inside)
        return HttpResponse("ok")

    response = serve("GET", view)
    outside, inside = seen["queries"]
    assert outside.statements(REPLICA_DB_ALIAS) and not outside.statements("default")
    assert inside.statements("default") and not inside.statements(REPLICA_DB_ALIAS)
    assert PIN_COOKIE not in response.cookies  # it only read


def test_outside_a_request_tasks_and_commands_use_the_primary(replica_routing, org):
    with Queries() as queries:
        assert Team.objects.filter(pk=org["team"].pk).exists()
        snapshots_compute(date_from=timezone.localdate(), date_to=timezone.localdate())
    assert queries.statements("default")
    assert queries.statements(REPLICA_DB_ALIAS) == []


def test_api_reads_go_to_the_replica_and_api_writes_to_the_primary(client, replica_routing, org):
    token = Token.objects.create(user=org["leader"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    with Queries() as reading:
        response = client.get("/api/v1/snapshots/", {"kpi": "csat"}, **auth)
    assert response.status_code == 200 and response.json()["count"] > 0
    assert "kpis_snapshot" in reading.sql(REPLICA_DB_ALIAS)
    assert "authtoken_token" in reading.sql(REPLICA_DB_ALIAS)
    assert reading.statements("default") == []

    record = {
        "external_id": "replica-1",
        "channel": "email",
        "agent_email": org["agent"].email,
        "created_at": "2026-03-02T10:00:00Z",
    }
    with Queries() as writing:
        response = client.post("/api/v1/tickets/bulk/", {"records": [record]}, content_type="application/json", **auth)
    assert response.status_code in (200, 201), response.content
    assert 'INSERT INTO "tickets_ticket"' in writing.sql("default")
    assert writing.statements(REPLICA_DB_ALIAS) == []


def test_migrations_and_relations(replica_routing, org):
    assert router.allow_migrate("default", "kpis") is True
    assert router.allow_migrate(REPLICA_DB_ALIAS, "kpis") is False
    # An object read on the replica may be related to one written on the primary.
    team = Team.objects.using(REPLICA_DB_ALIAS).get(pk=org["team"].pk)
    agent = AgentFactory(team=team)
    assert agent.team_id == team.pk


@pytest.mark.parametrize("replica_url", ["", "postgres://pulse@replica.internal:5432/pulse"])
def test_settings_add_the_replica_only_when_named(monkeypatch, replica_url):
    monkeypatch.setenv("DATABASE_REPLICA_URL", replica_url)
    loaded = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings" / "base.py"))
    if not replica_url:
        assert list(loaded["DATABASES"]) == ["default"]
        assert "DATABASE_ROUTERS" not in loaded
        assert "config.db_routers.ReplicaReadsMiddleware" not in loaded["MIDDLEWARE"]
        return
    replica = loaded["DATABASES"][REPLICA_DB_ALIAS]
    assert (replica["HOST"], replica["NAME"]) == ("replica.internal", "pulse")
    assert loaded["DATABASE_ROUTERS"] == ["config.db_routers.ReplicaRouter"]
    # Right after the request ids, before the session and authentication read anything.
    middleware = loaded["MIDDLEWARE"]
    assert middleware.index("config.db_routers.ReplicaReadsMiddleware") == 1
    assert middleware.index("config.db_routers.ReplicaReadsMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
