"""The conversation-quality journey in Debian's Chromium (issue #19).

A leader builds a rubric (weights, a critical category, one that allows N/A) and publishes it, gives a
senior agent the reviewer role, draws last week's sample and reviews two tickets from the queue (one an
auto-fail); she runs a calibration with the senior agent, each scoring blind, then reads the spread, the
agreement (Krippendorff's alpha) and the drift from the references she settles. The agent reads her
review and disputes it; the other leader of the team (not the reviewer) accepts and re-scores; the agent
reads the outcome and the team's IQS rolls up exactly.

Figures (rubric: Greeting 1 pt yes/no · Accuracy 3 pts 5-point critical · Empathy 2 pts 4-point, N/A allowed):
- A-1 (Alice): yes, 3 of 5, N/A → 1 + 3·2/4 = 2.5 of 4 points (N/A left out of 6) = 62.5 %.
- B-1 (Bob): yes, 1 of 5, 4 of 4 → Accuracy fails, critical: auto-fail, 0 of 6 = 0.0 %.
- Team IQS (2.5 + 0) / (4 + 6) = 25.0 %; after the re-score of A-1 (yes, 5 of 5, N/A → 4 of 4 = 100.0 %)
  (4 + 0) / (4 + 6) = 40.0 %, not the mean of the agents' 100.0 % and 0.0 % (50 %).
- Calibration on A-2 and B-2: Lena 100.0 % and 37.5 %, Sam 75.0 % and 62.5 %; interval alpha on the
  scores = 1 − D_o/D_e = 1 − 625 / (8125·2/12) = 7/13 = 0.538. References = Lena's scores, so Sam's drift
  is −25 and +25 points: mean +0.0, mean absolute 25.0.
"""

import datetime as dt

import pytest

from accounts.models import AuditEvent
from kpis.quality.forms import default_week_start
from kpis.quality.models import Dispute, QualityReview
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTC = dt.UTC


@pytest.fixture
def falcons(transactional_db):
    """Falcons (Paris): leaders Lena and Max; agents Alice, Bob and Sam. Last week each agent solved one
    ticket (A-1, B-1, S-1); the week before, Alice and Bob one more each (A-2, B-2) for the calibration."""
    team = TeamFactory(name="Falcons", slug="falcons", timezone="Europe/Paris")
    LeaderFactory(username="lena", first_name="Lena", last_name="Berg", teams=[team])
    LeaderFactory(username="max", first_name="Max", last_name="Weber", teams=[team])
    alice = AgentFactory(username="alice", first_name="Alice", last_name="Martin", team=team)
    bob = AgentFactory(username="bob", first_name="Bob", last_name="Okafor", team=team)
    sam = AgentFactory(username="sam", first_name="Sam", last_name="Novak", team=team)
    week_start = default_week_start()
    last_week = dt.datetime.combine(week_start + dt.timedelta(days=2), dt.time(9), tzinfo=UTC)
    week_before = last_week - dt.timedelta(days=7)
    for agent, prefix in ((alice, "A"), (bob, "B"), (sam, "S")):
        ticket = TicketFactory(external_id=f"{prefix}-1", agent=agent, channel="chat", created_at=last_week)
        SurveyResponseFactory(agent=agent, ticket=ticket, score=4, responded_at=last_week + dt.timedelta(hours=3))
    for agent, prefix in ((alice, "A"), (bob, "B")):
        TicketFactory(external_id=f"{prefix}-2", agent=agent, created_at=week_before, reopened_count=1)
    return {"team": team, "alice": alice, "bob": bob, "week_start": week_start}


def rate(scope, ratings: dict[str, str], comments: dict[str, str] | None = None) -> None:
    """Pick each category's rating by its label ("Yes", "3 of 5", "Not applicable") and type comments."""
    for category, label in ratings.items():
        scope.get_by_label(category, exact=True).select_option(label=label)
    for category, comment in (comments or {}).items():
        scope.get_by_label(f"Comment on {category}", exact=True).fill(comment)


def submit(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def sign_in_as(page, login, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def main_text(page) -> str:
    return page.locator("main").inner_text()


def test_rubric_reviews_calibration_and_dispute(page, login, screenshot, falcons):
    team = falcons["team"]

    # ---- Lena builds the rubric and publishes it -------------------------------------------------
    login(page, "lena")
    page.get_by_role("link", name="Quality", exact=True).click()
    page.get_by_role("link", name="Rubrics", exact=True).click()
    page.get_by_label("Name").fill("Chat quality")
    submit(page, "Create")
    assert "Rubric started: add its categories, then publish it." in main_text(page)
    categories = [
        ("Greeting", "1", "Yes / no", False, False, "Greets by name."),
        ("Accuracy", "3", "5-point", False, True, "Right per the policy pages."),
        ("Empathy", "2", "4-point", True, False, ""),
    ]
    for name, weight, scale, allows_na, critical, description in categories:
        page.get_by_label("Name").fill(name)
        page.get_by_label("Weight").fill(weight)
        page.get_by_label("Scale").select_option(label=scale)
        page.get_by_label("N/A allowed").set_checked(allows_na)
        page.get_by_label("Critical").set_checked(critical)
        page.get_by_label("Description").fill(description)
        submit(page, "Add category")
        assert "Category added." in main_text(page)
    # A weight outside 1–100 is refused on its field, and nothing is added.
    page.get_by_label("Name").fill("Tone")
    page.get_by_label("Weight").fill("0")
    submit(page, "Add category")
    weight_field = page.locator(".field-error", has=page.get_by_label("Weight"))
    assert "greater than or equal to 1" in weight_field.inner_text()
    rows = page.locator("table.data tbody tr")
    assert rows.all_inner_texts() == [
        "Greeting\t1\tYes / no\tno\tno\tGreets by name.\tRemove",
        "Accuracy\t3\t5-point\tno\tyes\tRight per the policy pages.\tRemove",
        "Empathy\t2\t4-point\tyes\tno\t—\tRemove",
    ]
    submit(page, "Publish version 1")
    assert "Version 1 published: reviews use it from now on." in main_text(page)
    assert page.get_by_role("heading", name="Version 1 · Published").is_visible()
    assert page.get_by_role("button", name="Add category").count() == 0
    screenshot(page, "quality-rubric")

    # ---- She gives Sam the reviewer role and draws last week's sample ----------------------------
    page.goto(f"/quality/teams/{team.pk}/")
    page.get_by_label("Give the reviewer role to").select_option(label="Sam Novak")
    submit(page, "Give the reviewer role")
    assert "Sam Novak now reviews Falcons's tickets." in main_text(page)
    assert "Sam Novak (reviewer)" in main_text(page)
    page.goto("/quality/assignments/")
    assert page.get_by_label("Week starting (Monday)").input_value() == falcons["week_start"].isoformat()
    page.get_by_label("Tickets per agent").fill("1")
    page.get_by_label("Seed").fill("7")
    submit(page, "Draw")
    assert "Drawn 3 tickets with seed 7." in main_text(page)

    # ---- She reviews Alice's and Bob's tickets from the queue ------------------------------------
    page.goto("/quality/")
    queue = page.locator("table", has=page.locator("caption", has_text="Drawn tickets nobody has reviewed yet"))
    assert sorted(queue.locator("tbody th").all_inner_texts()) == ["A-1", "B-1", "S-1"]
    queue.get_by_role("link", name="A-1").click()
    page.wait_for_load_state()
    facts = page.locator(".ticket-facts").inner_text()
    assert "Alice Martin" in facts and "Chat" in facts and "4 of 5" in facts
    rate(
        page,
        {"Greeting": "Yes", "Accuracy": "3 of 5", "Empathy": "Not applicable"},
        {"Accuracy": "The refund window is 14 days, not 30."},
    )
    page.get_by_label("Overall comment for the agent").fill("Friendly and quick; check the policy page.")
    submit(page, "Save draft")
    assert "Draft saved: only you see it." in main_text(page)
    submit(page, "Submit")  # from the draft, as saved
    assert "Review submitted: the agent can read it." in main_text(page)
    assert page.locator(".review-score").inner_text() == "62.5 %"
    assert "(2.50 of 4.00 points)" in main_text(page)  # N/A leaves Empathy's 2 points out
    alice_review = QualityReview.objects.get(ticket__external_id="A-1")

    page.goto("/quality/")
    page.get_by_role("link", name="B-1").click()
    page.wait_for_load_state()
    rate(page, {"Greeting": "Yes", "Accuracy": "1 of 5", "Empathy": "4 of 4"})
    submit(page, "Submit")
    assert page.locator(".review-score").inner_text() == "0.0 %"
    assert "auto-fail: a critical category failed" in main_text(page)
    ratings = page.locator("table.data", has=page.locator("caption", has_text="Ratings"))
    assert "failed" in ratings.locator("tr", has_text="Accuracy").inner_text()
    assert "1.00 / 1" in ratings.locator("tr", has_text="Greeting").inner_text()  # earned, yet the review is 0

    page.goto(f"/quality/teams/{team.pk}/")
    assert page.locator(".iqs").first.inner_text() == "25.0 %"
    assert "n = 2 reviews" in main_text(page)

    # ---- Calibration: Lena and Sam score A-2 and B-2 blind ---------------------------------------
    page.goto("/quality/calibrations/")
    page.get_by_label("Title").fill("Refund tickets")
    page.get_by_label("Rubric").select_option(label="Chat quality v1")
    page.get_by_label("Tickets", exact=False).first.fill("A-2, B-2")
    page.get_by_label("Lena Berg").check()
    page.get_by_label("Sam Novak").check()
    submit(page, "Start session")
    assert "Session started: each reviewer scores the tickets blind." in main_text(page)
    session_url = page.url
    assert "0 of 4 scores submitted" in main_text(page)
    lena_scores = {
        "A-2": {"Greeting": "Yes", "Accuracy": "5 of 5", "Empathy": "4 of 4"},  # 100.0 %
        "B-2": {"Greeting": "No", "Accuracy": "3 of 5", "Empathy": "Not applicable"},  # 1.5 of 4 = 37.5 %
    }
    sam_scores = {
        "A-2": {"Greeting": "Yes", "Accuracy": "3 of 5", "Empathy": "4 of 4"},  # 4.5 of 6 = 75.0 %
        "B-2": {"Greeting": "Yes", "Accuracy": "3 of 5", "Empathy": "Not applicable"},  # 2.5 of 4 = 62.5 %
    }
    grid = page.locator("table.calibration-grid")
    for ticket, ratings_ in lena_scores.items():
        grid.locator("tr", has_text=ticket).get_by_role("link", name="Score it").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name=f"Your blind score of ticket {ticket}").is_visible()
        rate(page, ratings_)
        submit(page, "Submit")
        assert "Score submitted." in main_text(page)
    assert "2 of 4 scores submitted" in main_text(page)

    sign_in_as(page, login, "sam")
    page.goto(session_url)
    assert grid.locator("tr", has_text="A-2").inner_text().count("submitted (hidden)") == 1
    assert "100.0 %" not in main_text(page)  # blind: Lena's score stays hidden until Sam submits his
    assert "Shown once you have submitted your score of every ticket." in main_text(page)
    grid.locator("tr", has_text="A-2").get_by_role("link", name="Score it").click()
    page.wait_for_load_state()
    assert "Reviewers' scores" not in main_text(page)
    rate(page, sam_scores["A-2"])
    submit(page, "Submit")
    a2 = grid.locator("tr", has_text="A-2").locator("td")
    assert a2.all_inner_texts()[:2] == ["100.0 %", "75.0 %"]  # reviewers in name order: Lena, Sam
    assert "submitted (hidden)" in grid.locator("tr", has_text="B-2").inner_text()
    grid.locator("tr", has_text="B-2").get_by_role("link", name="Score it").click()
    page.wait_for_load_state()
    rate(page, sam_scores["B-2"])
    submit(page, "Submit")
    assert "4 of 4 scores submitted" in main_text(page)
    assert page.locator(".alpha").inner_text() == "0.538"
    spread = page.locator("table.data", has=page.locator("caption", has_text="Per category"))
    # Two tickets are too few for the categories: one agreement and one step apart is chance level (0), and
    # Empathy has a single pair of ratings (N/A is missing), so its alpha is undefined.
    assert spread.locator("tr", has_text="Greeting").locator("td").all_inner_texts() == ["0.000", "1 of 2", "1"]
    assert spread.locator("tr", has_text="Accuracy").locator("td").all_inner_texts() == ["0.000", "1 of 2", "2"]
    assert spread.locator("tr", has_text="Empathy").locator("td").all_inner_texts() == [
        "not defined (too few scores, or no variation)",
        "1 of 1",
        "0",
    ]

    # Lena settles each ticket's reference (her own scores); the drift of each reviewer follows.
    sign_in_as(page, login, "lena")
    for ticket, ratings_ in lena_scores.items():
        page.goto(session_url)
        grid.locator("tr", has_text=ticket).get_by_role("link", name="Settle reference").click()
        page.wait_for_load_state()
        assert "Sam Novak: " in page.locator("main ul").first.inner_text()
        rate(page, ratings_)
        submit(page, "Settle reference")
        assert "Reference score settled." in main_text(page)
    assert grid.locator("tr", has_text="B-2").locator("td").last.inner_text() == "37.5 %"
    drift = page.locator("table.data", has=page.locator("caption", has_text="Reviewer's score − the settled reference"))
    # Sam is 25 points under the reference on A-2 and 25 over on B-2: no bias on average, yet far apart.
    assert drift.locator("tr", has_text="Sam Novak").locator("td").all_inner_texts() == ["2", "+0.0 pts", "25.0 pts"]
    assert drift.locator("tr", has_text="Lena Berg").locator("td").all_inner_texts() == ["2", "+0.0 pts", "0.0 pts"]
    screenshot(page, "quality-calibration")

    # ---- Alice reads her review and disputes it --------------------------------------------------
    sign_in_as(page, login, "alice")
    page.get_by_role("link", name="My quality").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="My quality").is_visible()
    assert page.locator(".iqs").first.inner_text() == "62.5 %"
    assert "n = 1 review" in main_text(page)
    pass_rates = page.locator("table.data", has=page.locator("caption", has_text="Pass rate"))
    assert pass_rates.locator("tr", has_text="Accuracy").locator("td").all_inner_texts() == [
        "Chat quality",
        "100.0 %",  # 3 of 5 is the middle of the scale: a pass
        "50.0 %",  # 1.5 of its 3 points
        "1",
        "0",
    ]
    assert pass_rates.locator("tr", has_text="Empathy").locator("td").all_inner_texts()[2:] == ["—", "0", "1"]
    assert "B-1" not in main_text(page)  # never a colleague's review
    page.get_by_role("link", name="A-1").click()
    page.wait_for_load_state()
    assert "The refund window is 14 days, not 30." in main_text(page)
    assert "Friendly and quick; check the policy page." in main_text(page)
    page.get_by_label("Why do you dispute this score?").fill("The customer had a 30-day promo; see the macro.")
    submit(page, "Send dispute")
    assert "Dispute sent: a leader other than the reviewer will settle it." in main_text(page)
    assert page.locator(".flag.disputed").is_visible()
    assert "Open — raised by Alice Martin" in page.locator("#disputes + ul").inner_text()
    assert page.get_by_role("button", name="Send dispute").count() == 0  # one open dispute at a time

    # ---- The reviewer may not settle it; the figures mark it disputed ----------------------------
    sign_in_as(page, login, "lena")
    page.goto(alice_review.get_absolute_url())
    assert "The customer had a 30-day promo" in main_text(page)
    assert page.get_by_role("heading", name="Settle the dispute").count() == 0
    page.goto(f"/quality/teams/{team.pk}/")
    assert "1 disputed (counted as scored until settled)" in main_text(page)

    # ---- Max, the other leader, accepts and re-scores ---------------------------------------------
    sign_in_as(page, login, "max")
    page.goto("/quality/")
    page.get_by_role("link", name="Disputes (1 open)").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="A-1").click()
    page.wait_for_load_state()
    accept = page.locator("form", has=page.get_by_role("button", name="Accept and re-score"))
    assert accept.get_by_label("Accuracy", exact=True).input_value() == "3"  # starts from the reviewer's ratings
    rate(accept, {"Accuracy": "5 of 5"})
    accept.get_by_label("Why the score changes").fill("The promo applied: the answer was right.")
    submit(page, "Accept and re-score")
    assert "Dispute accepted: the ticket is re-scored; the old score stays in the history." in main_text(page)
    assert page.locator(".review-score").inner_text() == "100.0 %"
    assert "This re-score replaces the original score (kept in the history)." in main_text(page)
    assert "Settled by Max Weber" in page.locator("#disputes + ul").inner_text()
    dispute = Dispute.objects.get()
    assert dispute.status == "accepted" and dispute.settled_by.username == "max"
    assert AuditEvent.objects.filter(action="quality.dispute_accepted").count() == 1

    # ---- Alice reads the outcome; the team's IQS rolls up exactly --------------------------------
    sign_in_as(page, login, "alice")
    page.goto(f"/quality/agents/{falcons['alice'].pk}/")
    assert page.locator(".iqs").first.inner_text() == "100.0 %"
    assert "disputed" not in page.locator(".helptext").first.inner_text()
    reviews = page.locator("table.data").last
    solved = f"{alice_review.work_day:%-d %b %Y}"
    assert reviews.locator("tbody tr").all_inner_texts() == [  # the original is kept, marked re-scored
        f"A-1\t{solved}\tMax Weber\t100.0 %\tSubmitted",
        f"A-1\t{solved}\tLena Berg\t62.5 %\tRe-scored",
    ]
    reviews.locator("tr", has_text="Max Weber").get_by_role("link", name="A-1").click()
    page.wait_for_load_state()
    outcome = page.locator("#disputes + ul").inner_text()
    assert "Accepted" in outcome and "Settled by Max Weber" in outcome
    assert "The promo applied: the answer was right." in outcome
    page.get_by_role("link", name="the original score").click()
    page.wait_for_load_state()
    assert page.locator(".review-score").inner_text() == "62.5 %"
    assert "Re-scored after a dispute" in main_text(page)

    sign_in_as(page, login, "lena")
    page.goto(f"/quality/teams/{team.pk}/")
    assert page.locator(".iqs").first.inner_text() == "40.0 %"  # (4 + 0) / (4 + 6), not (100 + 0) / 2
    agents = page.locator("table.data", has=page.locator("caption", has_text="sum of its agents' points"))
    assert agents.locator("tr", has_text="Alice Martin").locator(".iqs").inner_text() == "100.0 %"
    assert agents.locator("tr", has_text="Bob Okafor").locator(".iqs").inner_text() == "0.0 %"
    screenshot(page, "quality-team")
    assert page.external_requests == []
