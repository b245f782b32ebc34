"""Layout in Debian's Chromium: no page of any role (quality pages included) scrolls sideways on a phone
(390 × 844) or a laptop (1280 × 800); the team dashboard answers "who needs me" above the fold, shows the
volume column without scrolling, sorts its grid from the keyboard, and a phone shows each KPI's status next
to its value.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from kpis.quality import services as quality
from kpis.quality.forms import default_week_start
from kpis.quality.models import Stratum
from kpis.registry import KPIS
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
from tests.quality.helpers import answers, published_rubric
from tests.reviews.helpers import shared_review
from tickets.customers.models import Customer
from tickets.models import ImportRun, Ticket

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
    # Customers (long names, some churned in the period) so the dashboard's outcomes panel shows its tables.
    customers = [
        Customer.objects.create(
            external_id=f"CUST-{number:03d}",
            name=f"Northwind Traders International Holdings {number}",
            started_on=today - dt.timedelta(days=400),
            churned_on=today - dt.timedelta(days=number) if number % 4 == 0 else None,
        )
        for number in range(1, 17)
    ]
    for offset in range(1, 21):
        day = today - dt.timedelta(days=offset)
        for index, agent in enumerate(agents):
            for n in range(1 + (offset + index) % 3):
                TicketFactory(
                    customer=customers[(offset * 4 + index + n) % len(customers)],
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
    return {
        "team": team,
        "agents": agents,
        "review": review,
        "run": run,
        "target": target,
        "quality": quality_world(team, lena, agents),
    }


def quality_world(team, lena, agents) -> dict:
    """Quality pages with content: a published rubric, two reviews of Alice (one disputed), last week's
    sample, a calibration with Bruno as reviewer (two tickets scored by both, one left for Lena to score)."""
    alice, bruno = agents[0], agents[1]
    version = published_rubric(lena, team, name="Falcons customer care conversation rubric")
    tickets = list(Ticket.objects.filter(team=team).order_by("pk"))
    of = {agent.pk: [t for t in tickets if t.agent_id == agent.pk] for agent in agents}

    def review(ticket, **ratings):
        scores = answers(version, **ratings)
        return quality.quality_review_create(
            reviewer=lena, ticket=ticket, rubric_version=version, scores=scores, summary="Well done.", submit=True
        )

    disputed = review(of[alice.pk][0], Greeting=2, Accuracy=1, Empathy=3)
    quality.dispute_raise(review=disputed, actor=alice, reason="The customer confirmed the answer was right. " * 3)
    undisputed = review(of[alice.pk][1], Greeting=2, Accuracy=4, Empathy="na")
    assignment = quality.assignment_draw(
        team=team,
        week_start=default_week_start(),
        per_agent=2,
        strata=[Stratum.LOW_CSAT, Stratum.REOPENED],
        seed=3,
        actor=lena,
    )
    quality.reviewer_role_grant(team=team, user=bruno, actor=lena)
    session_tickets = [of[agents[2].pk][0], of[agents[3].pk][0], of[agents[2].pk][1]]
    session = quality.calibration_create(
        actor=lena,
        team=team,
        rubric_version=version,
        title="Calibration of the refund and delivery tickets, week of the long holiday",
        tickets=session_tickets,
        reviewers=[lena, bruno],
    )
    for ticket in session_tickets[:2]:
        for reviewer, accuracy in ((lena, 4), (bruno, 3)):
            quality.calibration_score_save(
                session=session,
                ticket=ticket,
                actor=reviewer,
                scores=answers(version, Greeting=2, Accuracy=accuracy, Empathy=3),
                submit=True,
            )
        quality.calibration_reference_settle(
            session=session, ticket=ticket, actor=lena, scores=answers(version, Greeting=2, Accuracy=4, Empathy=3)
        )
    return {
        "rubric": version.rubric,
        "disputed": disputed,
        "undisputed": undisputed,
        "assignment": assignment,
        "session": session,
        "unscored": session_tickets[2],
        "unreviewed": of[agents[3].pk][1],
    }


def quality_pages(world) -> dict[str, list[str]]:
    """The quality pages of each role, with their widest content (tables, forms, long names)."""
    team, alice, q = world["team"], world["agents"][0], world["quality"]
    session = q["session"].pk
    seen_by_managers = [
        "/quality/",
        f"/quality/teams/{team.pk}/",
        f"/quality/agents/{alice.pk}/",
        "/quality/rubrics/",
        f"/quality/rubrics/{q['rubric'].pk}/",
        f"/quality/reviews/{q['disputed'].pk}/",
        "/quality/disputes/",
        "/quality/assignments/",
        f"/quality/assignments/{q['assignment'].pk}/",
        "/quality/calibrations/",
        f"/quality/calibrations/{session}/",
    ]
    writing = [
        f"/quality/tickets/{q['unreviewed'].pk}/review/",
        f"/quality/calibrations/{session}/tickets/{q['unscored'].pk}/reference/",
    ]
    return {
        "lena": [*seen_by_managers, *writing, f"/quality/calibrations/{session}/tickets/{q['unscored'].pk}/"],
        "alice": [
            f"/quality/agents/{alice.pk}/",
            f"/quality/reviews/{q['disputed'].pk}/",
            f"/quality/reviews/{q['undisputed'].pk}/",
            "/quality/disputes/",
        ],
        "hanna": seen_by_managers,
        "adam": [*seen_by_managers, *writing],  # the admin is not the reviewer: the settle forms show
    }


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
    pages = {
        "lena": [*team_pages, *writer_pages, f"/imports/{run.pk}/"],
        "alice": ["/me/", f"/agents/{alice.pk}/kpis/csat/", "/reviews/", f"/reviews/{review.pk}/", "/accounts/token/"],
        "hanna": team_pages,
        "adam": [*team_pages, *writer_pages, f"/imports/{run.pk}/", "/outcomes/", "/customers/"],
    }
    return {user: [*paths, *quality_pages(world)[user]] for user, paths in pages.items()}


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
    # The grid fits: the last KPI column is on screen without scrolling the page or the table.
    grid_region = page.locator(".table-fit")
    assert grid_region.evaluate("el => el.scrollWidth <= el.clientWidth")
    last_kpi = list(KPIS.values())[-1]
    last_column = page.locator("table.kpi-grid thead th").last
    assert last_kpi.name in last_column.inner_text()
    box = last_column.bounding_box()
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


def test_the_teams_overview_is_a_card_per_team_on_a_phone(phone_page, login, world):
    login(phone_page, "adam")
    phone_page.goto("/teams/", wait_until="load")
    scroll_width, inner_width = phone_page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width <= PHONE["width"]
    card = phone_page.locator("table.team-overview tbody tr").first
    assert card.evaluate("el => getComputedStyle(el).display") == "grid"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Each figure with its status and its n on the card; the coaching count links to the dashboard.
    csat = card.locator("td.figure[data-label='Customer Satisfaction']")
    assert csat.locator(".status-symbol").is_visible()
    assert csat.locator(".sample-size, .low-mark").first.is_visible()
    coaching = card.locator("td[data-label='Needs coaching'] a")
    assert coaching.is_visible() and f"/teams/{world['team'].pk}/" in coaching.get_attribute("href")
    coaching_box = coaching.bounding_box()
    assert coaching_box["x"] + coaching_box["width"] <= PHONE["width"]


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
