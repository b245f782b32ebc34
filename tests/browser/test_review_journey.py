"""The coaching-review journey in Debian's Chromium: a leader writes and shares a review with two
goals and the pitfalls checklist; the agent acknowledges it with a comment; HR filters the list
and downloads the XLSX, which the test opens and checks. Screenshots: docs/screenshots/review-*.png.
"""

import datetime as dt

import openpyxl
import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from kpis.reviews.models import Review
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, HRFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory
from tests.reviews.helpers import shared_review

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTC = dt.UTC


@pytest.fixture
def falcons(transactional_db):
    """Alice's last calendar month: 20 CSAT answers (15 positive) and 12 solved tickets; Bob has a shared review."""
    today = timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    team = TeamFactory(name="Falcons", slug="falcons", timezone="Europe/Paris")
    alice = AgentFactory(username="alice", first_name="Alice", last_name="Martin", team=team)
    bob = AgentFactory(username="bob", first_name="Bob", last_name="Okafor", team=team)
    lena = LeaderFactory(username="lena", first_name="Lena", last_name="Berg", teams=[team])
    HRFactory(username="hanna", first_name="Hanna", last_name="Ruiz")
    for n in range(20):
        day = start + dt.timedelta(days=n % 25)
        SurveyResponseFactory(
            agent=alice, score=5 if n < 15 else 2, responded_at=dt.datetime.combine(day, dt.time(10), tzinfo=UTC)
        )
    for n in range(12):
        day = start + dt.timedelta(days=1 + n)
        TicketFactory(
            agent=alice,
            channel=("email", "chat")[n % 2],
            created_at=dt.datetime.combine(day, dt.time(8), tzinfo=UTC),
            handle_time_seconds=300 + 20 * n,
            agent_replies=1 if n % 3 else 2,
        )
    since = start - dt.timedelta(days=120)
    Target.objects.create(kpi="csat", scope=Scope.TEAM, team=team, effective_from=since, value=80, rationale="Loyalty")
    Target.objects.create(kpi="aht", scope=Scope.TEAM, team=team, effective_from=since, value=420, rationale="Cost")
    snapshots_compute(date_from=start - dt.timedelta(days=31), date_to=end)
    shared_review(lena, bob, period=(start, end))
    return {"alice": alice, "start": start, "end": end, "today": today}


def test_leader_shares_agent_acknowledges_hr_exports(page, login, screenshot, falcons, tmp_path):
    alice, start, end, today = falcons["alice"], falcons["start"], falcons["end"], falcons["today"]
    due_1, due_2 = today + dt.timedelta(days=30), today + dt.timedelta(days=60)

    # The leader starts a review of Alice for last month.
    login(page, "lena")
    page.goto(f"/reviews/new/?agent={alice.pk}")
    assert page.get_by_label("Agent").input_value() == str(alice.pk)
    page.get_by_label("Period start").fill(start.isoformat())
    page.get_by_label("Period end").fill(end.isoformat())
    page.get_by_role("button", name="Start draft").click()
    page.wait_for_url("**/reviews/*/")
    review = Review.objects.get(agent=alice)
    assert page.get_by_test_id("review-status").inner_text() == "Draft"
    summary = page.locator("table.review-summary")
    assert "75.0 %" in summary.locator("tr", has_text="Customer Satisfaction").inner_text()

    page.get_by_label("Strengths").fill("Warm, clear answers on chat; customers say so.")
    page.get_by_label("Improvement areas").fill("Handling time on email tickets.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()

    goals = [
        ("Customer Satisfaction", "85", due_1, "Keep the tone, follow up on every 1–3 score within a day."),
        ("Average Handling Time", "6", due_2, "Use the billing macros on email; ask for help after 10 minutes."),
    ]
    for kpi, value, due, description in goals:
        page.get_by_label("KPI", exact=True).select_option(label=kpi)
        page.get_by_label("Target value").fill(value)
        page.get_by_label("Due date").fill(due.isoformat())
        page.get_by_label("Description").fill(description)
        page.get_by_role("button", name="Add goal").click()
        page.wait_for_load_state()
    assert review.goals.count() == 2

    # Sharing before the checklist is answered is refused with a clear message.
    page.get_by_role("button", name="Share review").click()
    page.wait_for_load_state()
    assert "Confirm every item of the pitfalls checklist" in page.locator("#share-errors").inner_text()

    notes = [
        "CSAT goal is one step above her baseline.",
        "Quality (CSAT) and efficiency (AHT) goals together.",
        "Team targets carry their business rationale.",
        "Goals match the team targets.",
        "20 responses: read as an indication; checked the channel split.",
    ]
    for number, note in enumerate(notes, start=1):
        page.get_by_label(f"I have checked pitfall {number}:").check()
        page.get_by_label(f"Note on pitfall {number}").fill(note)
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_load_state()
    screenshot(page, "review-leader-draft")

    page.get_by_role("button", name="Share review").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("review-status").inner_text() == "Shared"
    assert page.get_by_role("button", name="Save draft").count() == 0
    screenshot(page, "review-leader-shared")
    page.context.clear_cookies()

    # The agent is notified in the app, reads the review and acknowledges it with a comment.
    login(page, "alice")
    badge = page.locator(".notifications-link .badge")
    assert badge.inner_text() == "1"
    page.locator(".notifications-link").click()
    page.get_by_role("link", name="Lena Berg shared your coaching review").click()
    page.wait_for_url(f"**/reviews/{review.pk}/")
    assert page.get_by_role("heading", name="SMART goals").is_visible()
    assert page.locator(".notifications-link .badge").count() == 0
    page.get_by_label("Your comment").fill("Thanks Lena — I'll start with the email macros this week.")
    page.get_by_role("button", name="Acknowledge review").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("review-status").inner_text() == "Acknowledged"
    assert "email macros" in page.get_by_test_id("ack-comment").inner_text()
    screenshot(page, "review-agent-acknowledged")
    page.context.clear_cookies()

    # HR filters the list and downloads the XLSX.
    login(page, "hanna")
    page.goto("/reviews/")
    assert page.locator("table.review-list tbody tr").count() == 2
    page.get_by_label("Team", exact=True).select_option(label="Falcons")
    page.get_by_label("Status").select_option(label="Acknowledged")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    rows = page.locator("table.review-list tbody tr")
    assert rows.count() == 1 and "Alice Martin" in rows.first.inner_text()
    screenshot(page, "review-hr-list")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    path = tmp_path / "reviews.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path)["Reviews"]
    table = list(sheet.iter_rows(values_only=True))
    header, data = table[0], table[1:]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert (row["Review ID"], row["Status"], row["Team"], row["Agent"], row["Author"]) == (
        review.pk,
        "Acknowledged",
        "Falcons",
        "Alice Martin",
        "Lena Berg",
    )
    assert (row["Period start"].date(), row["Period end"].date()) == (start, end)
    assert row["Goals (count)"] == 2
    assert row["Goals"] == (  # the AHT goal was typed in minutes and reads with its unit
        f"1. Customer Satisfaction ≥ 85.0 %, due {due_1.isoformat()}: {goals[0][3]}\n"
        f"2. Average Handling Time ≤ 6 min, due {due_2.isoformat()}: {goals[1][3]}"
    )
    assert row["Acknowledgement comment"] == "Thanks Lena — I'll start with the email macros this week."
    csat = ("Customer Satisfaction (%)", "Customer Satisfaction target (%)", "Customer Satisfaction status")
    assert [row[title] for title in (*csat, "Customer Satisfaction sample size")] == [75.0, 80, "Missed", 20]
    aht = ("Average Handling Time (h:mm:ss)", "Average Handling Time target (h:mm:ss)", "Average Handling Time status")
    assert [row[title] for title in (*aht, "Average Handling Time sample size")] == [
        dt.timedelta(seconds=410),
        dt.timedelta(seconds=420),
        "Met",
        12,
    ]
    assert isinstance(row["Shared (UTC)"], dt.datetime) and isinstance(row["Acknowledged (UTC)"], dt.datetime)

    # The print-friendly page drops navigation and forms under print media.
    page.goto(f"/reviews/{review.pk}/print/")
    page.emulate_media(media="print")
    assert page.locator("body > header").is_hidden()
    assert page.get_by_role("heading", name="Coaching review: Alice Martin").is_visible()
    screenshot(page, "review-print")
    assert page.external_requests == []
