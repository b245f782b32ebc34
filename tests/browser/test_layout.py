"""Layout in Debian's Chromium: no page of any role scrolls sideways on a phone (390 × 844) or a laptop
(1280 × 800); the team dashboard answers "who needs me" above the fold, shows the volume column without
scrolling, sorts its grid from the keyboard, and a phone shows each KPI's status next to its value.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from kpis.services import snapshots_compute
from tests.browser.chromium import LAPTOP, PHONE
from tests.factories import (
    AdminFactory,
    AgentFactory,
    HRFactory,
    LeaderFactory,
    SurveyResponseFactory,
    TeamFactory,
    TicketFactory,
)
from tests.reviews.helpers import shared_review
from tickets.models import ImportRun

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTC = dt.UTC
# A phone browser zooms out to fit a page wider than the screen, which widens innerWidth: compare with the
# screen's width too, or an overflow on a phone would pass unseen.
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"


def at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


@pytest.fixture
def world(transactional_db):
    """Falcons: four agents (long names), 20 complete days of tickets and CSAT answers, targets on three KPIs,
    a shared review of Alice with a goal, a finished import; a leader, HR and an admin."""
    today = timezone.localdate()
    team = TeamFactory(name="Falcons Customer Care Europe", slug="falcons", timezone="Europe/Paris")
    lena = LeaderFactory(username="lena", first_name="Lena", last_name="Leader", teams=[team])
    HRFactory(username="hanna", first_name="Hanna", last_name="Ruiz")
    AdminFactory(username="adam", first_name="Adam", last_name="Admin")
    agents = [
        AgentFactory(username="alice", first_name="Alice", last_name="Martin-Delacroix", team=team),
        AgentFactory(username="bruno", first_name="Bruno", last_name="Keller", team=team),
        AgentFactory(username="chloe", first_name="Chloé", last_name="Dubois", team=team),
        AgentFactory(username="dimitri", first_name="Dimitri", last_name="Papadopoulos", team=team),
    ]
    for offset in range(1, 21):
        day = today - dt.timedelta(days=offset)
        for index, agent in enumerate(agents):
            for n in range(1 + (offset + index) % 3):
                TicketFactory(
                    agent=agent,
                    channel=("email", "chat", "phone")[(n + index) % 3],
                    category=("billing", "delivery", "returns")[(offset + n) % 3],
                    created_at=at(day, 8 + n),
                    first_response_at=at(day, 8 + n) + dt.timedelta(minutes=3 + index * 40),
                    solved_at=at(day, 10 + n) + dt.timedelta(days=index),
                    handle_time_seconds=240 + index * 900 + (offset % 5) * 15,
                    agent_replies=1 if (offset + n + index) % 4 else 2,
                )
            SurveyResponseFactory(
                agent=agent, score=2 if (offset + index) % (index + 2) == 0 else 5, responded_at=at(day, 15)
            )
    start = today - dt.timedelta(days=200)
    for kpi, value in (("csat", 85), ("aht", 600), ("fcr", 70)):
        Target.objects.create(kpi=kpi, scope=Scope.TEAM, team=team, effective_from=start, value=value, rationale="Plan")
    snapshots_compute(date_from=today - dt.timedelta(days=45), date_to=today)
    review = shared_review(
        lena,
        agents[0],
        period=(today - dt.timedelta(days=20), today - dt.timedelta(days=1)),
        goals=[
            {"kpi": "csat", "target_value": 90, "due_date": today + dt.timedelta(days=30), "description": "Follow up."}
        ],
    )
    run = ImportRun.objects.create(
        created_by=lena,
        kind=ImportRun.Kind.TICKETS,
        profile="zendesk",
        file="imports/falcons-tickets-with-a-rather-long-file-name-2026.csv",
        original_name="falcons-tickets-with-a-rather-long-file-name-2026.csv",
        status=ImportRun.RunStatus.SUCCEEDED,
        rows_total=80,
        rows_done=80,
        rows_created=80,
    )
    target = Target.objects.get(kpi="csat")
    return {"team": team, "agents": agents, "review": review, "run": run, "target": target}


def role_pages(world):
    team, alice, review, run = world["team"], world["agents"][0], world["review"], world["run"]
    team_pages = [
        "/teams/",
        f"/teams/{team.pk}/",
        f"/teams/{team.pk}/pitfalls/",
        f"/teams/{team.pk}/kpis/csat/",
        f"/agents/{alice.pk}/",
        f"/agents/{alice.pk}/kpis/aht/",
        "/targets/",
        "/reviews/",
        f"/reviews/{review.pk}/",
    ]
    writer_pages = [f"/targets/{world['target'].pk}/", f"/targets/new/?scope=agent&agent={alice.pk}", "/imports/"]
    return {
        "lena": [*team_pages, *writer_pages, f"/imports/{run.pk}/"],
        "alice": ["/me/", f"/agents/{alice.pk}/kpis/csat/", "/reviews/", f"/reviews/{review.pk}/", "/accounts/token/"],
        "hanna": team_pages,
        "adam": [*team_pages, *writer_pages, f"/imports/{run.pk}/"],
    }


def overflowing_pages(page, paths):
    """Each path whose document is wider than the window, with both widths."""
    wide = []
    for path in paths:
        response = page.goto(path, wait_until="load")
        assert response.status == 200, path
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        if scroll_width > inner_width or inner_width > page.viewport_size["width"]:
            wide.append((path, scroll_width, inner_width))
    return wide


@pytest.mark.parametrize("username", ["lena", "alice", "hanna", "adam"])
def test_no_page_scrolls_sideways_at_phone_or_laptop_width(page, phone_page, login, world, username):
    paths = role_pages(world)[username]
    for browser_page, viewport in ((page, LAPTOP), (phone_page, PHONE)):
        assert browser_page.viewport_size == viewport
        login(browser_page, username)
        assert overflowing_pages(browser_page, paths) == [], f"{username} at {viewport['width']} px"


def test_dashboard_shows_who_needs_coaching_above_the_fold_every_column_and_sorts(page, login, world):
    team = world["team"]
    login(page, "lena")
    page.goto(f"/teams/{team.pk}/", wait_until="load")
    coaching = page.locator(".needs-coaching")
    assert coaching.locator("li").count() >= 1
    assert coaching.bounding_box()["y"] < LAPTOP["height"]
    # The grid fits: the volume column is on screen without scrolling the page or the table.
    grid_region = page.locator(".table-fit")
    assert grid_region.evaluate("el => el.scrollWidth <= el.clientWidth")
    volume = page.locator("table.kpi-grid thead th").last
    assert "Ticket Volume" in volume.inner_text()
    box = volume.bounding_box()
    assert box["x"] + box["width"] <= LAPTOP["width"]
    # One line per cell.
    cell = page.locator("table.kpi-grid tbody.agent-group td.figure").first
    line_height = cell.locator(".cell-line").bounding_box()["height"]
    assert line_height < 24

    # Without sorting the grid reads in name order; the header buttons sort it from the keyboard.
    names = page.locator("table.kpi-grid tbody.agent-group th[scope='row']")
    assert names.all_inner_texts() == ["Alice Martin-Delacroix", "Bruno Keller", "Chloé Dubois", "Dimitri Papadopoulos"]
    page.wait_for_selector("table.kpi-grid.sort-ready")

    aht = page.locator("table.kpi-grid thead th").filter(has_text="Average Handling Time")
    aht.get_by_role("button").focus()
    page.keyboard.press("Enter")
    # Handling time is better lower: the first press puts the longest (worst) first.
    assert aht.get_attribute("aria-sort") == "descending"
    assert names.first.inner_text() == "Dimitri Papadopoulos"
    assert names.last.inner_text() == "Alice Martin-Delacroix"
    page.keyboard.press("Enter")
    assert aht.get_attribute("aria-sort") == "ascending"
    assert names.first.inner_text() == "Alice Martin-Delacroix"
    # The team and organisation rows stay at the bottom, each agent's details row stays with the agent.
    assert page.locator("table.kpi-grid > tbody").last.get_attribute("class") == "row-org"
    first_group = page.locator("table.kpi-grid tbody.agent-group").first
    assert "of Alice Martin-Delacroix" in first_group.locator("summary").inner_text()


def test_phone_shows_each_kpi_status_beside_its_value(phone_page, login, world):
    login(phone_page, "alice")
    phone_page.goto("/me/", wait_until="load")
    status = phone_page.locator("table.scorecard tr", has_text="Customer Satisfaction").locator(".status-label")
    box = status.bounding_box()
    assert status.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    phone_page.context.clear_cookies()
    login(phone_page, "lena")
    phone_page.goto(f"/teams/{world['team'].pk}/", wait_until="load")
    item = phone_page.locator(".needs-coaching li").first
    box = item.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    card = phone_page.locator("table.kpi-grid tbody.agent-group").first
    card_box = card.bounding_box()
    assert card_box["width"] <= PHONE["width"]
    assert card.locator("td.figure[data-label='Customer Satisfaction'] .status-symbol").is_visible()
