"""Fixtures of the API tests: one small organisation with a row of every kind per person.

Falcons (Europe/Paris): agents alice and bob, leader lena. Owls (America/New_York): agent carol,
leader otto. HR hanna, admin root. Each of alice, bob and carol has a ticket, a survey response,
an agent snapshot row; each team a target and a team snapshot row; alice and carol an agent
target; the org a target and a snapshot row.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kpis.models import Scope, Snapshot, Target
from tests.factories import SurveyResponseFactory, TicketFactory

DAY = dt.date(2026, 3, 2)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)
    tickets: dict = field(default_factory=dict)
    surveys: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    snapshots: dict = field(default_factory=dict)


def snapshot(
    scope: str, *, team=None, agent=None, kpi: str = "csat", date=DAY, numerator=8, denominator=10
) -> Snapshot:
    return Snapshot.objects.create(
        date=date,
        kpi=kpi,
        scope=scope,
        team=team,
        agent=agent,
        value=numerator * 100 / denominator,
        numerator=numerator,
        denominator=denominator,
        status="no_target",
        definitions_version=1,
        computed_at=timezone.now(),
    )


@pytest.fixture
def world(team, other_team, agent, other_agent, outside_agent, leader, other_leader, hr, admin_user) -> World:
    w = World()
    w.users = {
        "alice": agent,
        "bob": other_agent,
        "carol": outside_agent,
        "lena": leader,
        "otto": other_leader,
        "hanna": hr,
        "root": admin_user,
    }
    w.teams = {"falcons": team, "owls": other_team}
    for name in ("alice", "bob", "carol"):
        user = w.users[name]
        w.tickets[name] = TicketFactory(external_id=f"T-{name}", agent=user, team=user.team)
        w.surveys[name] = SurveyResponseFactory(external_id=f"S-{name}", agent=user, team=user.team)
        w.snapshots[name] = snapshot(Scope.AGENT, team=user.team, agent=user)
    start = dt.date(2026, 1, 1)
    w.targets["org"] = Target.objects.create(kpi="csat", scope=Scope.ORG, effective_from=start, value=80)
    w.targets["falcons"] = Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=team, effective_from=start, value=85
    )
    w.targets["owls"] = Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=other_team, effective_from=start, value=82
    )
    w.targets["alice"] = Target.objects.create(
        kpi="aht", scope=Scope.AGENT, agent=agent, effective_from=start, value=400
    )
    w.targets["carol"] = Target.objects.create(
        kpi="aht", scope=Scope.AGENT, agent=outside_agent, effective_from=start, value=350
    )
    w.snapshots["falcons"] = snapshot(Scope.TEAM, team=team)
    w.snapshots["owls"] = snapshot(Scope.TEAM, team=other_team)
    w.snapshots["org"] = snapshot(Scope.ORG)
    return w


# The roles of the permission matrix, by the world's user name (None: anonymous).
ROLES = {
    "agent": "alice",
    "other_agent": "bob",
    "leader": "lena",
    "other_leader": "otto",
    "hr": "hanna",
    "admin": "root",
    "anonymous": None,
}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user (None: anonymous)."""
    return client_for
