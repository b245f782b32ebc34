"""Quality pages and API: the journeys of a leader and an agent, and scope (404 outside it)."""

import datetime as dt

import pytest
from django.urls import reverse

from kpis.quality import services
from kpis.quality.models import CalibrationSession, Dispute, QualityReview, RubricCategory
from tests.factories import AgentFactory, LeaderFactory, TicketFactory
from tests.quality.helpers import answers, published_rubric

UTC = dt.UTC
MARCH = "?period=custom&date_from=2026-03-01&date_to=2026-03-31"


def solved(agent, day=2):
    return TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=UTC))


@pytest.fixture
def version(leader, team):
    return published_rubric(leader, team)


def submitted(leader, ticket, version, **ratings):
    ratings = ratings or {"Greeting": 2, "Accuracy": 4, "Empathy": 3}
    return services.quality_review_create(
        reviewer=leader, ticket=ticket, rubric_version=version, scores=answers(version, **ratings), submit=True
    )


def rating_post(version, submit, **ratings):
    by_name = {c.name: c for c in version.categories.all()}
    data = {f"rating_{by_name[n].pk}": str(v) for n, v in ratings.items()}
    data |= {f"comment_{c.pk}": "" for c in by_name.values()}
    data["summary"] = "Well handled."
    data["submit" if submit else "save"] = "1"
    return data


def test_leader_builds_a_rubric_on_the_pages(client, leader, team):
    client.force_login(leader)
    response = client.post(reverse("quality:rubrics"), {"name": "Chat rubric", "team": team.pk})
    assert response.status_code == 302
    rubric_url = response["Location"]
    rubric_pk = int(rubric_url.rstrip("/").split("/")[-1])
    add = reverse("quality:category_add", args=[rubric_pk])
    post = {
        "category-name": "Accuracy",
        "category-weight": "3",
        "category-scale": "5",
        "category-is_critical": "on",
        "category-description": "",
    }
    assert client.post(add, post).status_code == 302
    bad = client.post(add, post | {"category-name": "Tone", "category-weight": "0"})
    assert bad.status_code == 400
    assert [str(e) for e in bad.context["category_form"].errors["weight"]] == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert RubricCategory.objects.filter(version__rubric_id=rubric_pk).count() == 1  # nothing half-written
    assert client.post(reverse("quality:rubric_publish", args=[rubric_pk])).status_code == 302
    page = client.get(rubric_url).content.decode()
    assert "Version 1 · Published" in page and "Start a new version" in page


def test_reviewer_scores_a_ticket_draft_then_submit_and_the_agent_reads_it(client, leader, agent, version):
    ticket = solved(agent)
    client.force_login(leader)
    url = reverse("quality:ticket_review", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert "Ticket " + ticket.external_id in page and "CSAT" in page and "Reopened" in page
    response = client.post(f"{url}?rubric_version={version.pk}", rating_post(version, False, Greeting=2))
    assert response.status_code == 302
    review = QualityReview.objects.get()
    assert review.is_draft

    client.force_login(agent)  # the agent never sees a draft
    assert client.get(review.get_absolute_url()).status_code == 404
    assert ticket.external_id not in client.get(reverse("quality:agent", args=[agent.pk]) + MARCH).content.decode()

    client.force_login(leader)
    incomplete = client.post(review.get_absolute_url(), rating_post(version, True, Greeting=2))
    assert incomplete.status_code == 400 and "before submitting" in incomplete.content.decode()
    done = client.post(review.get_absolute_url(), rating_post(version, True, Greeting=2, Accuracy=5, Empathy="na"))
    assert done.status_code == 302

    client.force_login(agent)
    page = client.get(reverse("quality:agent", args=[agent.pk]) + MARCH).content.decode()
    assert ticket.external_id in page and "100.0 %" in page
    detail = client.get(review.get_absolute_url()).content.decode()
    assert "Well handled." in detail and "Dispute this score" in detail


def test_agent_disputes_and_another_leader_settles_on_the_pages(client, leader, team, agent, version):
    second = LeaderFactory(username="sam", teams=[team])
    review = submitted(leader, solved(agent), version, Greeting=1, Accuracy=2, Empathy=2)
    client.force_login(agent)
    response = client.post(reverse("quality:review_dispute", args=[review.pk]), {"reason": "I did greet."})
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert "disputed" in client.get(reverse("quality:agent", args=[agent.pk]) + MARCH).content.decode()

    client.force_login(leader)  # the original reviewer cannot settle
    assert (
        client.post(reverse("quality:dispute_reject", args=[dispute.pk]), {"reject-resolution": "no"}).status_code
        == 404
    )

    client.force_login(second)
    by_name = {c.name: c for c in version.categories.all()}
    data = {f"accept-rating_{by_name['Greeting'].pk}": "2", f"accept-rating_{by_name['Accuracy'].pk}": "2"}
    data |= {f"accept-rating_{by_name['Empathy'].pk}": "2", "accept-resolution": "The greeting is there."}
    response = client.post(reverse("quality:dispute_accept", args=[dispute.pk]), data)
    assert response.status_code == 302
    rescore = QualityReview.objects.get(replaces=review)
    assert response["Location"] == rescore.get_absolute_url()
    old_page = client.get(review.get_absolute_url()).content.decode()
    assert "Re-scored after a dispute" in old_page


def test_scope_agents_and_other_teams_get_404(client, leader, other_leader, agent, other_agent, outside_agent, version):
    review = submitted(leader, solved(agent), version)
    client.force_login(other_agent)
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(reverse("quality:agent", args=[agent.pk])).status_code == 404
    assert client.get(reverse("quality:ticket_review", args=[review.ticket_id])).status_code == 404
    client.force_login(other_leader)
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(reverse("quality:team", args=[agent.team_id])).status_code == 404
    assert client.get(reverse("quality:ticket_review", args=[review.ticket_id])).status_code == 404
    assert client.get(reverse("quality:export")).status_code == 404


def test_calibration_pages_are_blind_until_submitted(client, leader, team, agent, version):
    a, b = LeaderFactory(username="ria", teams=[team]), LeaderFactory(username="rob", teams=[team])
    ticket = solved(agent)
    session = services.calibration_create(
        actor=leader, team=team, rubric_version=version, title="Week 10", tickets=[ticket], reviewers=[a, b]
    )
    services.calibration_score_save(
        session=session, ticket=ticket, actor=a, scores=answers(version, Greeting=2, Accuracy=5, Empathy=4), submit=True
    )
    client.force_login(b)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "submitted (hidden)" in page and "100.0 %" not in page
    score_url = reverse("quality:calibration_score", args=[session.pk, ticket.pk])
    assert client.post(score_url, rating_post(version, True, Greeting=2, Accuracy=4, Empathy=4)).status_code == 302
    page = client.get(session.get_absolute_url()).content.decode()
    assert "100.0 %" in page and "Krippendorff" in page


def test_hr_exports_quality_reviews(client, hr, leader, agent, version):
    submitted(leader, solved(agent), version)
    client.force_login(hr)
    response = client.get(
        reverse("quality:export"),
        {"format": "csv", "period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"},
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Review ID,Status,Dispute,Team,Agent")
    assert "Accuracy: 4/5" in text


# ---- API -------------------------------------------------------------------------------------


def test_api_review_create_list_and_scope(client, leader, agent, other_agent, version):
    ticket = solved(agent)
    category = {c.name: c.pk for c in version.categories.all()}
    client.force_login(leader)
    body = {
        "ticket": ticket.pk,
        "rubric_version": version.pk,
        "submit": True,
        "scores": [
            {"category": category["Greeting"], "rating": 2},
            {"category": category["Accuracy"], "rating": 1},
            {"category": category["Empathy"], "rating": None},
        ],
    }
    response = client.post("/api/v1/quality/reviews/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["points_earned"], data["points_possible"], data["auto_failed"]) == (0.0, 4.0, True)

    client.force_login(other_agent)
    assert client.get(f"/api/v1/quality/reviews/{data['id']}/").status_code == 404
    assert client.get("/api/v1/quality/reviews/").json()["results"] == []
    client.force_login(agent)
    listed = client.get("/api/v1/quality/reviews/").json()["results"]
    assert [r["id"] for r in listed] == [data["id"]]
    dispute = client.post(
        f"/api/v1/quality/reviews/{data['id']}/dispute/", {"reason": "Wrong."}, content_type="application/json"
    )
    assert dispute.status_code == 201
    assert client.get(f"/api/v1/quality/reviews/{data['id']}/").json()["disputed"] is True


def test_api_bad_scores_are_field_errors(client, leader, agent, version):
    client.force_login(leader)
    category = version.categories.get(name="Greeting")
    body = {
        "ticket": solved(agent).pk,
        "rubric_version": version.pk,
        "submit": True,
        "scores": [{"category": category.pk, "rating": 3}],
    }
    response = client.post("/api/v1/quality/reviews/", body, content_type="application/json")
    assert response.status_code == 400
    assert f"category_{category.pk}" in response.json()["errors"]
    assert not QualityReview.objects.exists()


def test_api_assignment_draw_is_recorded(client, leader, team, agent):
    solved(agent)
    client.force_login(leader)
    body = {"team": team.pk, "week_start": "2026-03-02", "per_agent": 2, "strata": ["reopened"], "seed": 7}
    response = client.post("/api/v1/quality/assignments/", body, content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["seed"], len(response.json()["items"])) == (7, 1)
    outsider = AgentFactory(username="zed", team=team)
    client.force_login(outsider)
    assert client.get("/api/v1/quality/assignments/").json()["results"] == []


def test_every_quality_page_renders_for_the_roles_that_open_it(client, leader, hr, team, agent, version):
    reviewer = LeaderFactory(username="rob", teams=[team])
    tickets = [solved(agent, day=d) for d in (2, 3)]
    review = submitted(reviewer, tickets[0], version)
    services.dispute_raise(review=review, actor=agent, reason="Please look again.")
    assignment = services.assignment_draw(team=team, week_start=dt.date(2026, 3, 2), per_agent=2, actor=leader)
    session = services.calibration_create(
        actor=leader, team=team, rubric_version=version, title="Week 10", tickets=tickets, reviewers=[leader, reviewer]
    )
    pages = [
        reverse("quality:home") + MARCH,
        reverse("quality:team", args=[team.pk]) + MARCH,
        reverse("quality:agent", args=[agent.pk]) + MARCH,
        reverse("quality:rubrics"),
        version.rubric.get_absolute_url(),
        reverse("quality:assignments"),
        assignment.get_absolute_url(),
        reverse("quality:calibrations"),
        session.get_absolute_url(),
        reverse("quality:disputes"),
        review.get_absolute_url(),
    ]
    for user in (leader, hr):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user, url)
    client.force_login(leader)
    reference = reverse("quality:calibration_reference", args=[session.pk, tickets[0].pk])
    assert "Settle the reference score" in client.get(reference).content.decode()
    assert "Accept and re-score" in client.get(review.get_absolute_url()).content.decode()  # not the reviewer
    client.force_login(agent)
    assert client.get(reverse("quality:home")).status_code == 302  # an agent lands on their own page
    assert client.get(session.get_absolute_url()).status_code == 404
    assert client.get(assignment.get_absolute_url()).status_code == 404


def test_calibration_form_offers_only_the_teams_rubrics_and_tickets(
    client, leader, team, agent, version, other_leader, other_team, outside_agent
):
    foreign = published_rubric(other_leader, other_team, name="Tigers secret rubric")
    ours, theirs = solved(agent), solved(outside_agent)
    client.force_login(leader)
    page = client.get(reverse("quality:calibrations")).content.decode()
    assert "Support rubric v1" in page and "Tigers secret rubric" not in page
    response = client.post(
        reverse("quality:calibrations"),
        {
            "title": "Week 10",
            "team": team.pk,
            "rubric_version": foreign.pk,
            "tickets": f"{ours.external_id}, {theirs.external_id}",
            "reviewers": [leader.pk],
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "rubric_version" in errors  # another team's rubric is not a valid choice
    # Another team's ticket reads exactly like a ticket that does not exist.
    assert errors["tickets"] == [f"No solved ticket with id {theirs.external_id}."]
    assert not CalibrationSession.objects.exists()


def test_a_reviewed_tickets_handle_time_reads_as_a_duration_and_its_ratings_are_cards(client, leader, agent, version):
    ticket = solved(agent)
    ticket.handle_time_seconds = 629
    ticket.save()
    review = submitted(leader, ticket, version)
    client.force_login(agent)
    page = client.get(reverse("quality:review_detail", args=[review.pk])).content.decode()
    assert "<dt>Handle time</dt><dd>10 min 29 s</dd>" in page
    assert '<table class="data cards">' in page and '<td data-label="Points">' in page
