"""The review pages: the leader's editor, field errors, sharing, the agent's acknowledgement,
notifications, the print page and the HR list."""

import datetime as dt

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from kpis.reviews import services
from kpis.reviews.models import Goal, Notification, Review
from kpis.reviews.selectors import goals_for_agent, reviews_for_agent
from tests.reviews.helpers import shared_review


def test_leader_starts_edits_and_shares_a_review(client, leader, agent):
    client.force_login(leader)
    page = client.get(reverse("review_new"), {"agent": agent.pk})
    assert page.status_code == 200
    assert f'<option value="{agent.pk}" selected>' in page.content.decode()
    response = client.post(
        reverse("review_new"), {"agent": agent.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"}
    )
    review = Review.objects.get()
    assert response.url == reverse("review_detail", args=[review.pk])
    page = client.get(response.url).content.decode()
    assert "This is a draft: only you (and admins) can see it until you share it." in page
    assert 'for="id_goal-due_date"' in page and 'for="id_pitfalls-confirmed_5"' in page

    response = client.post(
        reverse("review_edit", args=[review.pk]),
        {"review-period_start": "2026-03-01", "review-period_end": "2026-03-31", "review-strengths": "Calm on chat"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("review_goal_add", args=[review.pk]),
        {"goal-kpi": "csat", "goal-target_value": "85", "goal-due_date": "2026-04-30", "goal-description": "Lift CSAT"},
    )
    assert response.status_code == 302 and Goal.objects.get().target_value == 85

    response = client.post(reverse("review_share", args=[review.pk]))
    assert response.status_code == 400
    assert "Confirm every item of the pitfalls checklist before sharing (still open: 1, 2, 3, 4, 5)." in (
        response.content.decode()
    )
    data = {f"pitfalls-confirmed_{n}": "on" for n in range(1, 6)} | {"pitfalls-note_2": "CSAT goal added"}
    assert client.post(reverse("review_pitfalls", args=[review.pk]), data).status_code == 302
    response = client.post(reverse("review_share", args=[review.pk]))
    assert response.status_code == 400
    assert "The automatic signal is raised for pitfall 1: add a note" in response.content.decode()
    data["pitfalls-note_1"] = "No baseline yet: 85 % is the team benchmark"
    assert client.post(reverse("review_pitfalls", args=[review.pk]), data).status_code == 302
    assert client.post(reverse("review_share", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.status == "shared" and review.strengths == "Calm on chat"
    assert review.pitfalls.get(number=2).note == "CSAT goal added"
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "Add amendment" in page and "Save draft" not in page


def test_bad_goal_shows_field_errors_and_writes_nothing(client, leader, draft):
    client.force_login(leader)
    response = client.post(
        reverse("review_goal_add", args=[draft.pk]),
        {"goal-kpi": "csat", "goal-target_value": "", "goal-due_date": "2026-03-15", "goal-description": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_goal-target_value_errors"' in page
    assert "Give the target value this KPI should reach." in page
    assert "A goal is due after the reviewed period, which ends on 31 Mar 2026." in page
    assert not Goal.objects.exists()


def test_agent_reads_and_acknowledges_with_a_comment(client, leader, agent):
    review = shared_review(
        leader, agent, goals=[{"kpi": "aht", "target_value": 300, "due_date": dt.date(2026, 4, 30), "description": "x"}]
    )
    client.force_login(agent)
    badge = Template("{% include 'reviews/_notifications.html' %}")
    request = RequestFactory().get("/")
    request.user = agent
    assert '<span class="badge">1</span>' in badge.render(Context({"request": request, "user": agent}))
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "Acknowledge review" in page and "SMART goals" in page and "Not tracked" not in page
    assert Notification.objects.get().read_at is not None
    assert '<span class="badge">' not in badge.render(Context({"request": request, "user": agent}))

    response = client.post(reverse("review_acknowledge", args=[review.pk]), {"ack-comment": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(reverse("review_acknowledge", args=[review.pk]), {"ack-comment": "Thanks, agreed."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.acknowledgement_comment) == ("acknowledged", "Thanks, agreed.")
    assert "Thanks, agreed." in client.get(reverse("review_detail", args=[review.pk])).content.decode()


def test_print_page_has_the_review_and_no_forms(client, leader, agent, hr):
    review = shared_review(leader, agent)
    services.review_amend(review=review, actor=leader, text="Dates corrected")
    client.force_login(hr)
    page = client.get(reverse("review_print", args=[review.pk])).content.decode()
    assert "KPI summary" in page and "Dates corrected" in page and "KPI pitfalls checklist" in page
    assert "<form" not in page.split("<main", 1)[1]
    assert "css/reviews.css" in page


def test_hr_list_filters_by_status_and_offers_exports(client, leader, agent, other_agent, hr):
    first = shared_review(leader, agent)
    second = shared_review(leader, other_agent)
    services.review_acknowledge(review=second, actor=other_agent, comment="Seen")
    services.review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30)
    )
    client.force_login(hr)
    page = client.get(reverse("reviews")).content.decode()
    assert "2 reviews" in page
    assert "?format=xlsx" in page and "Start a review" not in page
    page = client.get(reverse("reviews"), {"status": "acknowledged"}).content.decode()
    assert reverse("review_detail", args=[second.pk]) in page
    assert reverse("review_detail", args=[first.pk]) not in page
    assert "format=xlsx&amp;status=acknowledged" in page
    response = client.get(reverse("reviews"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400 and "The end date is before the start date." in response.content.decode()


def test_history_and_goal_panels_render_for_the_scorecard(leader, agent):
    review = shared_review(
        leader,
        agent,
        goals=[{"kpi": "csat", "target_value": 85, "due_date": dt.date(2026, 4, 30), "description": "Lift CSAT"}],
    )
    history = Template("{% include 'reviews/_review_history.html' %}").render(
        Context({"reviews": reviews_for_agent(agent=agent, viewer=agent)})
    )
    assert review.get_absolute_url() in history and "Shared" in history
    panel = Template("{% include 'reviews/_goals_panel.html' %}").render(
        Context({"goals": goals_for_agent(agent=agent, viewer=agent, today=dt.date(2026, 4, 10))})
    )
    assert 'Customer Satisfaction <span class="nowrap">≥ 85' in panel and "No data yet" in panel


def test_leader_list_offers_to_start_a_review(client, leader, agent, draft):
    client.force_login(leader)
    page = client.get(reverse("reviews")).content.decode()
    assert "Start a review" in page and reverse("review_detail", args=[draft.pk]) in page
    assert "?format=csv" not in page


def test_hr_and_admins_read_the_reviews_audit_trail_leaders_do_not(client, leader, agent, hr):
    review = shared_review(leader, agent)
    services.review_amend(review=review, actor=leader, text="Warm and precise, as discussed")
    client.force_login(leader)
    assert "Audit trail" not in client.get(f"/reviews/{review.pk}/").content.decode()
    client.force_login(hr)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Audit trail" in page
    assert "review.amended" in page and "Warm and precise, as discussed" in page


def test_the_audit_trail_reads_as_fields_and_values_not_python_objects(client, leader, agent, hr):
    review = shared_review(leader, agent)
    client.force_login(hr)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    audit = page[page.index('id="audit"') :]
    assert '<li><span class="field">Status</span>: shared</li>' in audit
    assert "{&#x27;" not in audit and "{'" not in audit  # no dict text


def test_filters_with_an_error_list_no_review_and_offer_no_export(client, leader, agent, hr):
    shared_review(leader, agent)
    client.force_login(hr)
    response = client.get(reverse("reviews"), {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The end date is before the start date." in page
    assert list(response.context["page"]) == []
    assert "Fix the filters above to list reviews." in page and "format=csv" not in page
    listed = client.get(reverse("reviews"))
    assert len(listed.context["page"]) == 1 and "format=csv" in listed.content.decode()


def test_the_agent_who_acknowledges_is_pointed_to_the_form_and_the_checklist_is_folded(client, leader, agent, hr):
    review = shared_review(leader, agent)
    client.force_login(agent)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'Read it, then <a href="#acknowledgement">acknowledge it</a> with your comment.' in page
    checklist = page[page.index('id="pitfalls"') : page.index('id="acknowledgement"')]
    assert f"<details><summary>The checklist {leader} went through</summary>" in checklist
    client.force_login(hr)  # a reader who does not acknowledge sees the checklist open, and no prompt
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "acknowledge it</a>" not in page and "went through</summary>" not in page


def test_an_admin_reading_a_leaders_draft_is_told_who_can_see_it(client, leader, agent, admin_user):
    review = services.review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    client.force_login(admin_user)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert f"This is a draft: only its author, {leader}, and admins can see it until it is shared." in page
