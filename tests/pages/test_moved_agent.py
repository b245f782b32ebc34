"""An agent who moved team: their former team's dashboard keeps the figures of their days there (the team's own
history), but no longer links to a scorecard its leader may not open, nor offers to coach them; their new team's
dashboard lists them as one of its agents."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from tests.factories import AdminFactory, AgentFactory, LeaderFactory, TeamFactory
from tests.pages.conftest import activity, compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved():
    """Mover answered 2 of 12 CSAT surveys well in Alpha three days ago (17 % against an 80 % target), then moved to
    Beta; Stayer, still in Alpha, missed the same way."""
    alpha, beta = TeamFactory(name="Alpha", slug="alpha"), TeamFactory(name="Beta", slug="beta")
    mover = AgentFactory(team=alpha, first_name="Mover", last_name="Person")
    stayer = AgentFactory(team=alpha, first_name="Stayer", last_name="Person")
    today = timezone.localdate()
    for agent in (mover, stayer):
        activity(agent, today - dt.timedelta(days=3), tickets=12, csat=[5, 5] + [1] * 10)
    for team in (alpha, beta):
        Target.objects.create(
            kpi="csat", scope=Scope.TEAM, team=team, effective_from=today - dt.timedelta(days=100), value=80
        )
    compute()
    mover.team = beta
    mover.save()
    return alpha, beta, mover, stayer


def grid_row(html: str, name: str) -> str:
    """The <th> of `name`'s row in the dashboard's grid."""
    found = re.search(rf'<th scope="row" data-sort="{name}">(.*?)</th>', html, re.S)
    assert found, name
    return found.group(1)


def coaching(html: str) -> str:
    return html.split('id="coaching-heading"', 1)[1].split("</section>", 1)[0]


def test_the_former_teams_leader_sees_the_figures_without_a_link_or_a_review_offer(client, moved):
    alpha, _, mover, stayer = moved
    client.force_login(LeaderFactory(teams=[alpha]))
    html = client.get(f"/teams/{alpha.pk}/").content.decode()
    cell = grid_row(html, "Mover Person")
    assert "<a " not in cell and "no longer in this team" in cell
    assert f"/agents/{mover.pk}/" not in html  # neither the scorecard nor the figures' drill-downs
    mover_group = html.split('data-sort="Mover Person"', 1)[1].split("</tbody>", 1)[0]
    assert '<span class="value">16.7 %</span>' in mover_group  # the figure of their days in Alpha, unlinked
    assert client.get(f"/agents/{mover.pk}/").status_code == 404  # the link it no longer shows
    assert f'href="/agents/{stayer.pk}/' in grid_row(html, "Stayer Person")
    listed = coaching(html)
    assert "Stayer Person" in listed and "Mover Person" not in listed
    assert f"agent={mover.pk}" not in html


def test_the_new_teams_leader_and_an_admin_open_the_agent(client, moved):
    alpha, beta, mover, _ = moved
    client.force_login(LeaderFactory(teams=[beta]))
    html = client.get(f"/teams/{beta.pk}/").content.decode()
    assert f'href="/agents/{mover.pk}/' in grid_row(html, "Mover Person")
    assert client.get(f"/agents/{mover.pk}/").status_code == 200
    client.force_login(AdminFactory())
    # An admin sees every agent: the former team's row still links to the scorecard.
    html = client.get(f"/teams/{alpha.pk}/").content.decode()
    assert f'href="/agents/{mover.pk}/' in grid_row(html, "Mover Person")


def test_the_link_rule_is_the_scorecard_access_rule_for_every_role(moved):
    """`scoping.can_see_agent` (the grid's links, no query) holds exactly the agents of `scoping.agents_visible`."""
    from accounts import scoping
    from accounts.models import User
    from tests.factories import HRFactory

    alpha, beta, mover, stayer = moved
    viewers = [
        LeaderFactory(teams=[alpha]),
        LeaderFactory(teams=[beta]),
        LeaderFactory(teams=[alpha, beta]),
        HRFactory(),
        AdminFactory(),
        mover,
        stayer,
    ]
    for viewer in viewers:
        visible = set(scoping.agents_visible(viewer).values_list("pk", flat=True))
        for agent in User.objects.all():
            assert scoping.can_see_agent(viewer, agent) == (agent.pk in visible), (viewer, agent)
