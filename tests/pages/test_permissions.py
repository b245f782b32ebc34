"""Every page of the leaders' and agents' frame, as every role: 200, 302 to login, or 404 (SPEC §1)."""

import pytest

from kpis.models import PitfallConfirmation, Scope, Target

pytestmark = pytest.mark.django_db

ROLES = ["agent", "other_agent", "leader", "other_leader", "hr", "admin_user", "anonymous"]
OK, NOT_FOUND, LOGIN = 200, 404, "login"


def expect(**codes):
    """Expected outcome per role, in ROLES order; anonymous is always sent to the login page."""
    return [codes[role] for role in ROLES[:-1]] + [LOGIN]


# Who may open what, for the team Falcons (led by lena) and its agent alice.
TEAM_DETAIL = expect(agent=NOT_FOUND, other_agent=NOT_FOUND, leader=OK, other_leader=NOT_FOUND, hr=OK, admin_user=OK)
ALICE = expect(agent=OK, other_agent=NOT_FOUND, leader=OK, other_leader=NOT_FOUND, hr=OK, admin_user=OK)
OWN_SCORECARD = expect(
    agent=OK, other_agent=OK, leader=NOT_FOUND, other_leader=NOT_FOUND, hr=NOT_FOUND, admin_user=NOT_FOUND
)
LISTS = expect(agent=NOT_FOUND, other_agent=NOT_FOUND, leader=OK, other_leader=OK, hr=OK, admin_user=OK)
TARGET_WRITERS = expect(agent=NOT_FOUND, other_agent=NOT_FOUND, leader=OK, other_leader=OK, hr=NOT_FOUND, admin_user=OK)
FALCONS_TARGET = expect(
    agent=NOT_FOUND, other_agent=NOT_FOUND, leader=OK, other_leader=NOT_FOUND, hr=NOT_FOUND, admin_user=OK
)

PAGES = [
    ("/me/", OWN_SCORECARD),
    ("/teams/", LISTS),
    ("/teams/{team}/", TEAM_DETAIL),
    ("/teams/{team}/?period=custom&date_from=2026-01-01&date_to=2026-01-31", TEAM_DETAIL),
    ("/teams/{team}/pitfalls/", TEAM_DETAIL),
    ("/teams/{team}/kpis/csat/", TEAM_DETAIL),
    ("/teams/{team}/kpis/aht/?channel=email", TEAM_DETAIL),
    ("/teams/{team}/kpis/csat/export.csv", TEAM_DETAIL),
    ("/teams/{team}/kpis/aht/export.csv", TEAM_DETAIL),
    ("/agents/{alice}/", ALICE),
    ("/agents/{alice}/kpis/csat/", ALICE),
    ("/agents/{alice}/kpis/frt/", ALICE),
    ("/agents/{alice}/kpis/csat/export.csv", ALICE),
    ("/agents/{alice}/kpis/aht/export.csv", ALICE),
    ("/targets/", LISTS),
    ("/targets/new/", TARGET_WRITERS),
    ("/targets/{target}/", FALCONS_TARGET),
]


@pytest.fixture
def world(team, other_team, agent, other_agent, outside_agent, leader, other_leader, hr, admin_user, team_data):
    return {"team": team.pk, "alice": agent.pk, "target": team_data["target"].pk}


def login_as(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_every_role(client, request, world, role):
    login_as(client, request, role)
    outcomes = []
    for path, codes in PAGES:
        response = client.get(path.format(**world))
        expected = codes[ROLES.index(role)]
        got = response.status_code
        if expected == LOGIN:
            got = LOGIN if got == 302 and response["Location"].startswith("/accounts/login/") else got
        outcomes.append((path, got, expected))
    assert [(path, got) for path, got, _ in outcomes] == [(path, expected) for path, _, expected in outcomes]


@pytest.mark.parametrize(
    ("role", "location"),
    [
        ("agent", "/me/"),
        ("leader", "/teams/{team}/"),  # a leader of one team lands on its dashboard (tests/pages/test_landing.py)
        ("hr", "/reviews/"),
        ("admin_user", "/teams/"),
    ],
)
def test_home_sends_each_role_to_its_home(client, request, world, role, location):
    login_as(client, request, role)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == location.format(**world)


def test_home_sends_anonymous_visitors_to_login(client, world):
    assert_outcome(client.get("/"), LOGIN)


def test_another_team_and_unknown_ids_are_not_found_for_the_leader(client, world, leader, other_team, outside_agent):
    client.force_login(leader)
    for path in (
        f"/teams/{other_team.pk}/",
        f"/teams/{other_team.pk}/pitfalls/",
        f"/teams/{other_team.pk}/kpis/csat/",
        f"/agents/{outside_agent.pk}/",
        f"/agents/{outside_agent.pk}/kpis/csat/export.csv",
        "/teams/999999/",
        "/agents/999999/",
        f"/teams/{world['team']}/kpis/unknown/",
        f"/agents/{leader.pk}/",
    ):
        assert client.get(path).status_code == 404, path


# ---- writes ------------------------------------------------------------------------------


def target_post(for_team, **extra):
    return {
        "kpi": "aht",
        "scope": Scope.TEAM,
        "team": for_team.pk,
        "agent": "",
        "channel": "",
        "effective_from": "2026-01-01",
        "effective_to": "",
        "value": "420",
        "stretch": "",
        "rationale": "Keep queues short in peak season.",
        "save": "1",
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "expected", "created"),
    [
        ("agent", NOT_FOUND, False),
        ("other_agent", NOT_FOUND, False),
        ("leader", 302, True),
        ("other_leader", OK, False),  # the form refuses a team outside their choices
        ("hr", NOT_FOUND, False),
        ("admin_user", 302, True),
        ("anonymous", LOGIN, False),
    ],
)
def test_creating_a_team_target(client, request, world, team, role, expected, created):
    login_as(client, request, role)
    response = client.post("/targets/new/", target_post(team))
    assert_outcome(response, expected)
    assert Target.objects.filter(kpi="aht", team=team).exists() is created
    if role == "other_leader":
        assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", NOT_FOUND),
        ("other_agent", NOT_FOUND),
        ("leader", 302),
        ("other_leader", NOT_FOUND),
        ("hr", NOT_FOUND),
        ("admin_user", 302),
        ("anonymous", LOGIN),
    ],
)
def test_editing_and_deleting_a_team_target(client, request, world, team, team_data, role, expected):
    login_as(client, request, role)
    target = team_data["target"]
    edit = target_post(team, kpi="csat", value="85", effective_from=target.effective_from.isoformat())
    assert_outcome(client.post(f"/targets/{target.pk}/", edit), expected)
    target.refresh_from_db()
    assert target.value == (85.0 if expected == 302 else 80.0)
    assert_outcome(client.post(f"/targets/{target.pk}/delete/"), expected)
    assert Target.objects.filter(pk=target.pk).exists() is (expected != 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", NOT_FOUND),
        ("other_agent", NOT_FOUND),
        ("leader", 302),
        ("other_leader", NOT_FOUND),
        ("hr", NOT_FOUND),
        ("admin_user", 302),
        ("anonymous", LOGIN),
    ],
)
def test_confirming_a_pitfall(client, request, world, team, role, expected):
    login_as(client, request, role)
    response = client.post(f"/teams/{team.pk}/pitfalls/", {"number": "3", "note": "Rationale added on Monday."})
    assert_outcome(response, expected)
    assert PitfallConfirmation.objects.filter(team=team, number=3).exists() is (expected == 302)


def test_a_leader_cannot_set_a_target_for_another_teams_agent(client, world, leader, outside_agent, team):
    client.force_login(leader)
    response = client.post("/targets/new/", target_post(team, scope=Scope.AGENT, team="", agent=str(outside_agent.pk)))
    assert response.status_code == 200
    assert not Target.objects.filter(agent=outside_agent).exists()


def test_a_leader_cannot_set_an_org_wide_target(client, world, leader, team):
    client.force_login(leader)
    response = client.post("/targets/new/", target_post(team, scope=Scope.ORG, team=""))
    assert response.status_code == 200
    assert not Target.objects.filter(scope=Scope.ORG).exists()


def test_an_admin_sets_an_org_wide_target(client, world, admin_user, team):
    client.force_login(admin_user)
    response = client.post("/targets/new/", target_post(team, scope=Scope.ORG, team=""))
    assert response.status_code == 302
    assert Target.objects.get(scope=Scope.ORG).set_by == admin_user
