"""Where each user lands after signing in (`scoping.home_page`, the `home` view)."""

import pytest
from django.urls import reverse

from accounts.scoping import home_page
from tests.factories import AdminFactory, AgentFactory, HRFactory, LeaderFactory, TeamFactory


def landing(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    return response["Location"]


def test_a_leader_of_exactly_one_team_lands_on_that_teams_dashboard(client, team, other_team):
    leader = LeaderFactory(username="solo", teams=[other_team])
    assert home_page(leader) == ("team_dashboard", (other_team.pk,))
    assert landing(client, leader) == f"/teams/{other_team.pk}/"
    # The dashboard it lands on opens for that leader.
    assert client.get(f"/teams/{other_team.pk}/").status_code == 200


def test_a_leader_of_several_teams_lands_on_the_team_list(client, team, other_team):
    leader = LeaderFactory(username="ops", teams=[team, other_team])
    assert home_page(leader) == ("teams", ())
    assert landing(client, leader) == "/teams/"


def test_a_leader_without_a_team_lands_on_the_team_list(client, db):
    leader = LeaderFactory(username="new.leader")
    assert landing(client, leader) == "/teams/"


def test_the_landing_follows_the_teams_a_leader_leads_now(client, team, other_team):
    leader = LeaderFactory(username="moving", teams=[team, other_team])
    other_team.leaders.remove(leader)
    fresh = type(leader).objects.get(pk=leader.pk)  # the led teams are cached per user object
    assert landing(client, fresh) == f"/teams/{team.pk}/"


@pytest.mark.parametrize(
    ("factory", "location"),
    [(AgentFactory, "/me/"), (HRFactory, "/reviews/"), (AdminFactory, "/teams/")],
)
def test_other_roles_land_where_they_did(client, db, factory, location):
    extra = {"team": TeamFactory()} if factory is AgentFactory else {}
    assert landing(client, factory(**extra)) == location


def test_an_admin_who_also_leads_one_team_lands_on_the_team_list(client, team):
    admin = AdminFactory(username="root")
    team.leaders.add(admin)
    assert landing(client, admin) == "/teams/"
