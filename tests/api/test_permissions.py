"""The permission matrix: every endpoint × method × role, with the expected status and, for
lists, the exact ids returned. A detail is readable exactly when the list shows it (404 otherwise)."""

import pytest

from accounts.models import User
from kpis.models import Snapshot, Target
from kpis.registry import KPIS
from surveys.models import SurveyResponse
from tests.api.conftest import ROLES
from tickets.models import Ticket

ALL = "ALL"

# Which objects of the world each role sees, per list endpoint (None: 401 for anonymous).
VISIBLE = {
    "teams": {
        "agent": ["falcons"],
        "other_agent": ["falcons"],
        "leader": ["falcons"],
        "other_leader": ["owls"],
        "hr": ALL,
        "admin": ALL,
    },
    "users": {
        "agent": ["alice"],
        "other_agent": ["bob"],
        "leader": ["alice", "bob", "lena"],
        "other_leader": ["carol", "otto"],
        "hr": ALL,
        "admin": ALL,
    },
    "tickets": {
        "agent": ["alice"],
        "other_agent": ["bob"],
        "leader": ["alice", "bob"],
        "other_leader": ["carol"],
        "hr": ALL,
        "admin": ALL,
    },
    "survey-responses": {
        "agent": ["alice"],
        "other_agent": ["bob"],
        "leader": ["alice", "bob"],
        "other_leader": ["carol"],
        "hr": ALL,
        "admin": ALL,
    },
    "targets": {
        "agent": ["org", "falcons", "alice"],
        "other_agent": ["org", "falcons"],
        "leader": ["org", "falcons", "alice"],
        "other_leader": ["org", "owls", "carol"],
        "hr": ALL,
        "admin": ALL,
    },
    "snapshots": {
        "agent": ["org", "falcons", "alice"],
        "other_agent": ["org", "falcons", "bob"],
        "leader": ["org", "falcons", "alice", "bob"],
        "other_leader": ["org", "owls", "carol"],
        "hr": ALL,
        "admin": ALL,
    },
}
# Scorecards: the agents and teams whose scorecard each role may open.
SCORECARDS = {
    "agent": {"agent": ["alice"], "team": ["falcons"]},
    "other_agent": {"agent": ["bob"], "team": ["falcons"]},
    "leader": {"agent": ["alice", "bob"], "team": ["falcons"]},
    "other_leader": {"agent": ["carol"], "team": ["owls"]},
    "hr": {"agent": ["alice", "bob", "carol"], "team": ["falcons", "owls"]},
    "admin": {"agent": ["alice", "bob", "carol"], "team": ["falcons", "owls"]},
}


def objects_of(world, resource: str) -> dict:
    return {
        "teams": world.teams,
        "users": world.users,
        "tickets": world.tickets,
        "survey-responses": world.surveys,
        "targets": world.targets,
        "snapshots": world.snapshots,
    }[resource]


def expected_ids(world, resource: str, role: str) -> list[int]:
    objects = objects_of(world, resource)
    names = list(objects) if VISIBLE[resource][role] == ALL else VISIBLE[resource][role]
    return sorted(objects[name].pk for name in names)


def list_ids(client, path: str) -> list[int]:
    response = client.get(path, {"page_size": 500})
    assert response.status_code == 200, response.content
    assert response.data["count"] == len(response.data["results"])
    return sorted(row["id"] for row in response.data["results"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", VISIBLE)
def test_lists_show_exactly_the_callers_scope(world, api, resource, role):
    client = api(world.users.get(ROLES[role]))
    if role == "anonymous":
        response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
        return
    assert list_ids(client, f"/api/v1/{resource}/") == expected_ids(world, resource, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", VISIBLE)
def test_a_detail_is_found_exactly_when_listed(world, api, resource, role):
    client = api(world.users.get(ROLES[role]))
    visible = set() if role == "anonymous" else set(expected_ids(world, resource, role))
    statuses = {
        name: client.get(f"/api/v1/{resource}/{obj.pk}/").status_code
        for name, obj in objects_of(world, resource).items()
    }
    expected = {
        name: 401 if role == "anonymous" else (200 if obj.pk in visible else 404)
        for name, obj in objects_of(world, resource).items()
    }
    assert statuses == expected


@pytest.mark.parametrize("role", ROLES)
def test_scorecards_open_only_within_scope(world, api, role):
    client = api(world.users.get(ROLES[role]))
    allowed = SCORECARDS.get(role, {"agent": [], "team": []})
    subjects = {"agent": {n: world.users[n] for n in ("alice", "bob", "carol")}, "team": world.teams}
    for scope, objects in subjects.items():
        for name, obj in objects.items():
            response = client.get(f"/api/v1/scorecards/{scope}/{obj.pk}/")
            expected = 401 if role == "anonymous" else (200 if name in allowed[scope] else 404)
            assert response.status_code == expected, (scope, name)
            if expected == 200:
                assert response.data["subject"] == obj.pk
                assert [k["code"] for k in response.data["kpis"]] == list(KPIS)


@pytest.mark.parametrize("role", ROLES)
def test_me_and_kpi_definitions(world, api, role):
    user = world.users.get(ROLES[role])
    client = api(user)
    me = client.get("/api/v1/users/me/")
    kpis = client.get("/api/v1/kpis/")
    csat = client.get("/api/v1/kpis/csat/")
    if user is None:
        assert (me.status_code, kpis.status_code, csat.status_code) == (401, 401, 401)
        return
    assert me.status_code == 200 and me.data["id"] == user.pk
    assert [row["code"] for row in kpis.data] == list(KPIS)
    assert csat.data["unit"] == "percent" and csat.data["direction"] == "higher"
    assert client.get("/api/v1/kpis/nope/").status_code == 404


# ---- writes ------------------------------------------------------------------------------

FORBIDDEN_TO_READERS = {"agent": 403, "other_agent": 403, "hr": 403, "anonymous": 401}


def ticket_body(w, external_id="ZD-new"):
    return {
        "external_id": external_id,
        "channel": "chat",
        "status": "open",
        "agent": w.users["alice"].pk,
        "created_at": "2026-03-05T10:00:00+01:00",
    }


def survey_body(w, external_id="SV-new"):
    return {
        "external_id": external_id,
        "ticket_external_id": "T-alice",
        "kind": "csat",
        "score": 4,
        "responded_at": "2026-03-05T10:00:00+01:00",
    }


def target_body(w, **overrides):
    body = {"kpi": "fcr", "scope": "team", "team": w.teams["falcons"].pk, "effective_from": "2026-04-01", "value": 70}
    body.update(overrides)
    return body


# name: (method, path(world), body(world), {role: status})
WRITES = {
    "create ticket": (
        "post",
        lambda w: "/api/v1/tickets/",
        ticket_body,
        {**FORBIDDEN_TO_READERS, "leader": 201, "other_leader": 400, "admin": 201},
    ),
    "replace ticket": (
        "put",
        lambda w: f"/api/v1/tickets/{w.tickets['alice'].pk}/",
        lambda w: ticket_body(w, external_id="T-alice"),
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "patch ticket": (
        "patch",
        lambda w: f"/api/v1/tickets/{w.tickets['alice'].pk}/",
        lambda w: {"status": "closed"},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "delete ticket": (
        "delete",
        lambda w: f"/api/v1/tickets/{w.tickets['alice'].pk}/",
        lambda w: None,
        {**FORBIDDEN_TO_READERS, "leader": 405, "other_leader": 405, "admin": 405},
    ),
    "bulk tickets": (
        "post",
        lambda w: "/api/v1/tickets/bulk/",
        lambda w: {"records": [ticket_body(w, "ZD-1"), ticket_body(w, "ZD-2")]},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 400, "admin": 200},
    ),
    "create survey response": (
        "post",
        lambda w: "/api/v1/survey-responses/",
        survey_body,
        {**FORBIDDEN_TO_READERS, "leader": 201, "other_leader": 400, "admin": 201},
    ),
    "patch survey response": (
        "patch",
        lambda w: f"/api/v1/survey-responses/{w.surveys['alice'].pk}/",
        lambda w: {"score": 2},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "bulk survey responses": (
        "post",
        lambda w: "/api/v1/survey-responses/bulk/",
        lambda w: {"records": [survey_body(w, "SV-1"), survey_body(w, "SV-2")]},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 400, "admin": 200},
    ),
    "create team target": (
        "post",
        lambda w: "/api/v1/targets/",
        target_body,
        {**FORBIDDEN_TO_READERS, "leader": 201, "other_leader": 400, "admin": 201},
    ),
    "create agent target": (
        "post",
        lambda w: "/api/v1/targets/",
        lambda w: target_body(w, scope="agent", team=None, agent=w.users["alice"].pk),
        {**FORBIDDEN_TO_READERS, "leader": 201, "other_leader": 400, "admin": 201},
    ),
    "create org target": (
        "post",
        lambda w: "/api/v1/targets/",
        lambda w: target_body(w, scope="org", team=None),
        {**FORBIDDEN_TO_READERS, "leader": 400, "other_leader": 400, "admin": 201},
    ),
    "patch team target": (
        "patch",
        lambda w: f"/api/v1/targets/{w.targets['falcons'].pk}/",
        lambda w: {"value": 86},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "patch agent target": (
        "patch",
        lambda w: f"/api/v1/targets/{w.targets['alice'].pk}/",
        lambda w: {"value": 380},
        {**FORBIDDEN_TO_READERS, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "patch org target": (
        "patch",
        lambda w: f"/api/v1/targets/{w.targets['org'].pk}/",
        lambda w: {"value": 81},
        {**FORBIDDEN_TO_READERS, "leader": 403, "other_leader": 403, "admin": 200},
    ),
    "move a target to another team": (
        "patch",
        lambda w: f"/api/v1/targets/{w.targets['falcons'].pk}/",
        lambda w: {"team": w.teams["owls"].pk, "kpi": "fcr"},
        {**FORBIDDEN_TO_READERS, "leader": 400, "other_leader": 404, "admin": 200},
    ),
    "delete team target": (
        "delete",
        lambda w: f"/api/v1/targets/{w.targets['falcons'].pk}/",
        lambda w: None,
        {**FORBIDDEN_TO_READERS, "leader": 204, "other_leader": 404, "admin": 204},
    ),
    "delete other team's target": (
        "delete",
        lambda w: f"/api/v1/targets/{w.targets['owls'].pk}/",
        lambda w: None,
        {**FORBIDDEN_TO_READERS, "leader": 404, "other_leader": 204, "admin": 204},
    ),
    "recompute": (
        "post",
        lambda w: "/api/v1/snapshots/recompute/",
        lambda w: {"date_from": "2026-03-01", "date_to": "2026-03-03"},
        {**FORBIDDEN_TO_READERS, "leader": 403, "other_leader": 403, "admin": 202},
    ),
}


def stored_state():
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "surveys": list(SurveyResponse.objects.order_by("pk").values()),
        "targets": list(Target.objects.order_by("pk").values()),
        "snapshots": Snapshot.objects.count(),
        "users": User.objects.count(),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", WRITES)
def test_writes_per_role(world, api, name, role):
    method, path, body, expected = WRITES[name]
    client = api(world.users.get(ROLES[role]))
    before = stored_state()
    response = getattr(client, method)(path(world), body(world), format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert stored_state() == before
        assert set(response.json()) <= {"detail", "errors"}
    else:
        assert stored_state() != before or name == "recompute"
