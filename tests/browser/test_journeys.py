"""Journeys of a CS leader and an agent through the live application in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTC = dt.UTC


def at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


@pytest.fixture
def falcons(transactional_db):
    """A team of three agents with 25 days of tickets and CSAT surveys; CSAT and AHT targets."""
    today = timezone.localdate()
    team = TeamFactory(name="Falcons", slug="falcons", timezone="Europe/Paris")
    lena = LeaderFactory(username="lena", first_name="Lena", last_name="Leader", teams=[team])
    agents = [
        AgentFactory(username="alice", first_name="Alice", last_name="Martin", team=team),
        AgentFactory(username="bruno", first_name="Bruno", last_name="Keller", team=team),
        AgentFactory(username="chloe", first_name="Chloé", last_name="Dubois", team=team),
    ]
    for offset in range(25):
        day = today - dt.timedelta(days=offset)
        for index, agent in enumerate(agents):
            for n in range(2 + (offset + index) % 3):
                TicketFactory(
                    agent=agent,
                    channel=("email", "chat", "phone")[(n + index) % 3],
                    category=("billing", "delivery", "returns")[(offset + n) % 3],
                    created_at=at(day, 8 + n),
                    first_response_at=at(day, 8 + n) + dt.timedelta(minutes=3 + index * 4),
                    solved_at=at(day, 10 + n),
                    handle_time_seconds=240 + index * 110 + (offset % 5) * 15,
                    agent_replies=1 if (offset + n + index) % 4 else 2,
                )
            score = 5 if (offset + index * 2) % 5 else 2
            if index == 1 and offset % 3 == 0:
                score = 3
            SurveyResponseFactory(agent=agent, score=score, responded_at=at(day, 15))
    start = today - dt.timedelta(days=200)
    Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=team, effective_from=start, value=80, stretch=90, rationale="Loyalty"
    )
    Target.objects.create(kpi="aht", scope=Scope.TEAM, team=team, effective_from=start, value=420, rationale="Cost")
    Target.objects.create(kpi="fcr", scope=Scope.TEAM, team=team, effective_from=start, value=70, rationale="Effort")
    snapshots_compute(date_from=today - dt.timedelta(days=60), date_to=today)
    return {"team": team, "lena": lena, "agents": agents}


def test_leader_opens_dashboard_switches_period_drills_down_and_opens_an_agent(page, login, screenshot, falcons):
    team = falcons["team"]
    login(page, "lena")
    assert page.url.endswith(f"/teams/{team.pk}/")  # a leader of one team lands on its dashboard
    page.wait_for_selector("html.charts-ready")
    assert page.get_by_role("heading", name="Falcons", level=1).is_visible()
    assert page.locator("#coaching-heading").is_visible()
    screenshot(page, "leader-team-dashboard")

    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_selector("html.charts-ready")
    assert "period=7d" in page.url
    assert page.locator(".period-presets a.current").inner_text() == "Last 7 days"
    # Seven KPIs have data and get a chart; NPS and CES (no survey of those kinds) say so instead.
    assert page.locator("figure.chart canvas").count() == 7
    assert page.locator("figure.chart[data-kpi='nps'] .chart-empty").inner_text() == "No data in this period."

    # Drill into the team's CSAT figure: the records behind it, with the CSV export.
    page.locator(f"a[href^='/teams/{team.pk}/kpis/csat/']").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Customer Satisfaction: the records behind the figure").is_visible()
    assert "period=7d" in page.url
    assert page.locator("table.records tbody tr").count() == 21  # 3 agents × 7 days
    screenshot(page, "leader-drill-down")

    page.get_by_role("link", name="Back to Falcons").click()
    page.get_by_role("link", name="Bruno Keller").first.click()
    page.wait_for_selector("html.charts-ready")
    assert page.get_by_role("heading", name="Bruno Keller", level=1).is_visible()
    assert page.locator("table.scorecard").is_visible()
    screenshot(page, "leader-agent-scorecard")
    assert page.external_requests == []


def test_agent_sees_only_their_own_scorecard(page, phone_page, login, screenshot, falcons):
    alice, bruno = falcons["agents"][0], falcons["agents"][1]
    login(page, "alice")
    assert page.url.endswith("/me/")
    page.wait_for_selector("html.charts-ready")
    assert page.get_by_role("heading", name="My scorecard", level=1).is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == ["My scorecard", "My reviews", "My quality"]
    assert "Bruno" not in page.content()
    screenshot(page, "agent-scorecard")

    for path in (f"/agents/{bruno.pk}/", f"/teams/{alice.team_id}/", "/teams/", "/targets/"):
        response = page.goto(path)
        assert response.status == 404, path

    login(phone_page, "alice")
    phone_page.wait_for_selector("html.charts-ready")
    assert phone_page.get_by_role("heading", name="My scorecard").is_visible()
    screenshot(phone_page, "agent-scorecard-phone")
    assert page.external_requests == [] and phone_page.external_requests == []
