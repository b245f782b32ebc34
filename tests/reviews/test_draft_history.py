"""Draft content stays with its author (issue 12): HR, the agent and other leaders read a shared review's
history and audit trail from the share on — on the page, the print page, the API and the export — while
the author and admins still read the drafting; what happens after the share is shown to everyone."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts import scoping
from accounts.audit import audit_record
from accounts.models import AuditEvent
from kpis.reviews import services
from kpis.reviews.models import Review, ReviewEvent, ReviewStatus
from kpis.reviews.selectors import review_audit_for, review_history_for
from tests.factories import LeaderFactory
from tests.reviews.helpers import MARCH, confirm_all

DRAFT_NOTES = "draft secret"
REMOVED_GOAL = "Removed goal never shared"
DRAFT_PITFALL_NOTE = "pitfall draft musing"
FINAL_NOTES = "Final notes as shared"
KEPT_GOAL = "Kept goal answer within a day"
AMENDMENT = "Amendment after sharing"
DRAFT_VALUES = (DRAFT_NOTES, REMOVED_GOAL, DRAFT_PITFALL_NOTE)


@pytest.fixture
def shared(leader, agent):
    """A review drafted with notes, a goal and a pitfall note that were all rewritten or removed, then shared."""
    review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    services.review_update(review=review, actor=leader, notes=DRAFT_NOTES)
    removed = services.goal_add(review=review, actor=leader, due_date=dt.date(2026, 4, 30), description=REMOVED_GOAL)
    services.goal_remove(goal=removed, actor=leader)
    services.goal_add(review=review, actor=leader, due_date=dt.date(2026, 5, 31), description=KEPT_GOAL)
    services.pitfall_confirm(review=review, actor=leader, number=1, confirmed=True, note=DRAFT_PITFALL_NOTE)
    confirm_all(review, leader)
    services.review_update(review=review, actor=leader, notes=FINAL_NOTES)
    return services.review_share(review=review, actor=leader)


@pytest.fixture
def co_leader(team):
    return LeaderFactory(username="cora", teams=[team])


def _page(client, user, name, review) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api(user, path: str):
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response


def _history(user, review) -> dict:
    return _api(user, f"/api/v1/reviews/{review.pk}/history/").json()


def _assert_no_draft_values(text: str) -> None:
    leaked = [value for value in DRAFT_VALUES if value in text]
    assert leaked == [], f"draft-stage values shown: {leaked}"


# ---- the rule -----------------------------------------------------------------------------


def test_only_the_author_and_admins_read_the_drafting(shared, leader, co_leader, agent, hr, admin_user, other_leader):
    readers = {u.username: scoping.can_read_review_draft_history(u, shared) for u in (leader, admin_user)}
    others = {
        u.username: scoping.can_read_review_draft_history(u, shared) for u in (co_leader, agent, hr, other_leader)
    }
    assert readers == {"lena": True, "root": True}
    assert others == {"cora": False, "alice": False, "hanna": False, "otto": False}


# ---- the review page and its print version ------------------------------------------------


@pytest.mark.parametrize("reader", ["hr", "agent", "co_leader"])
@pytest.mark.parametrize("page", ["review_detail", "review_print"])
def test_hr_agent_and_co_leaders_read_no_draft_values_on_the_pages(client, request, shared, leader, reader, page):
    services.review_amend(review=shared, actor=leader, text=AMENDMENT)
    user = request.getfixturevalue(reader)
    html = _page(client, user, page, shared)
    _assert_no_draft_values(html)
    assert FINAL_NOTES in html and KEPT_GOAL in html and AMENDMENT in html
    assert "Goal removed" not in html and "Pitfall answered" not in html
    assert "Shared" in html and "Amended" in html
    assert "From the day it was shared" in html


def test_hr_reads_the_audit_trail_from_the_share_on(client, shared, leader, agent, hr):
    services.review_amend(review=shared, actor=leader, text=AMENDMENT)
    services.review_acknowledge(review=shared, actor=agent, comment="Thanks, on it")
    html = _page(client, hr, "review_detail", shared)
    _assert_no_draft_values(html)
    assert "Audit trail" in html and "Every change since this review was shared" in html
    assert "review.shared" in html and "review.amended" in html and "review.acknowledged" in html
    assert "review.created" not in html and "review.updated" not in html and "review.goal_removed" not in html


def test_the_author_still_reads_the_drafting_in_the_history(client, shared, leader):
    html = _page(client, leader, "review_detail", shared)
    assert REMOVED_GOAL in html and DRAFT_PITFALL_NOTE in html
    assert "Goal removed" in html and "From the day it was shared" not in html
    assert "Audit trail" not in html  # the audit trail is HR's and admins', as before


def test_admins_read_the_whole_audit_trail(client, shared, admin_user):
    html = _page(client, admin_user, "review_detail", shared)
    assert DRAFT_NOTES in html and REMOVED_GOAL in html
    assert "review.created" in html and "review.goal_removed" in html


# ---- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["hr", "agent", "co_leader"])
def test_the_api_history_starts_at_the_share_for_hr_agent_and_co_leaders(request, shared, leader, agent, reader):
    services.review_amend(review=shared, actor=leader, text=AMENDMENT)
    user = request.getfixturevalue(reader)
    history = _history(user, shared)
    _assert_no_draft_values(json.dumps(history))
    assert [event["action"] for event in history["events"]] == ["shared", "amended"]
    assert history["events"][1]["note"] == AMENDMENT
    if reader == "hr":
        assert [row["action"] for row in history["audit"]] == ["review.amended", "review.shared"]
        assert history["audit"][1]["before"] == {"status": "draft"}
    else:
        assert history["audit"] is None
    detail = _api(user, f"/api/v1/reviews/{shared.pk}/").json()
    _assert_no_draft_values(json.dumps(detail))
    assert detail["notes"] == FINAL_NOTES and [g["description"] for g in detail["goals"]] == [KEPT_GOAL]


def test_the_api_history_is_whole_for_the_author_and_admins(shared, leader, admin_user):
    events = [event["action"] for event in _history(leader, shared)["events"]]
    assert events[:3] == ["created", "updated", "goal_added"] and "goal_removed" in events and events[-1] == "shared"
    assert _history(leader, shared)["audit"] is None
    admin_history = _history(admin_user, shared)
    assert DRAFT_NOTES in json.dumps(admin_history) and REMOVED_GOAL in json.dumps(admin_history)
    assert admin_history["audit"][-1]["action"] == "review.created"


def test_the_api_history_of_a_review_out_of_scope_is_not_found(shared, other_leader):
    client = APIClient()
    client.force_authenticate(user=other_leader)
    assert client.get(f"/api/v1/reviews/{shared.pk}/history/").status_code == 404
    assert (
        client.get("/api/v1/reviews/999999/history/").json()
        == client.get(f"/api/v1/reviews/{shared.pk}/history/").json()
    )


def test_reading_the_history_writes_nothing(shared, hr):
    counts = (ReviewEvent.objects.count(), AuditEvent.objects.count())
    _history(hr, shared)
    assert (ReviewEvent.objects.count(), AuditEvent.objects.count()) == counts


# ---- the export ---------------------------------------------------------------------------


def test_the_hr_export_carries_the_review_as_shared(client, shared, hr):
    client.force_login(hr)
    csv_text = client.get(reverse("reviews_export"), {"format": "csv"}).content.decode("utf-8-sig")
    _assert_no_draft_values(csv_text)
    assert FINAL_NOTES in csv_text and KEPT_GOAL in csv_text
    workbook = load_workbook(io.BytesIO(client.get(reverse("reviews_export"), {"format": "xlsx"}).content))
    cells = " ".join(str(cell.value) for row in workbook["Reviews"].iter_rows() for cell in row if cell.value)
    _assert_no_draft_values(cells)
    api_csv = _api(hr, "/api/v1/reviews/export/?format=csv").content.decode("utf-8-sig")
    _assert_no_draft_values(api_csv)
    assert FINAL_NOTES in api_csv


# ---- the selectors' edges -----------------------------------------------------------------


def test_a_review_marked_shared_without_a_share_event_is_read_from_its_shared_at(leader, agent, hr):
    review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    services.review_update(review=review, actor=leader, notes=DRAFT_NOTES)
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.SHARED, shared_at=dt.datetime.now(dt.UTC))
    review.refresh_from_db()
    assert list(review_history_for(hr, review)) == []
    assert review_audit_for(hr, review) == []
    assert len(review_history_for(leader, review)) == 2


def test_a_share_row_carrying_draft_values_shows_only_the_status_it_left(leader, agent, hr, admin_user):
    review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    confirm_all(review, leader)
    review = services.review_share(review=review, actor=leader)
    # A share recorded with the draft's values in "before" (as an older writer or an import might).
    audit_record(
        actor=leader,
        action="review.shared",
        target=review,
        before={"status": "draft", "notes": DRAFT_NOTES},
        after={"status": "shared"},
    )
    befores = [entry.before for entry in review_audit_for(hr, review) if entry.action == "review.shared"]
    assert befores == [{"status": "draft"}, {"status": "draft"}]
    assert {"status": "draft", "notes": DRAFT_NOTES} in [e.before for e in review_audit_for(admin_user, review)]


def test_a_draft_yields_no_history_to_a_reader_without_the_drafting(draft, leader, hr, co_leader):
    services.review_update(review=draft, actor=leader, notes=DRAFT_NOTES)
    assert list(review_history_for(co_leader, draft)) == []
    assert review_audit_for(hr, draft) == []
    assert len(review_history_for(leader, draft)) == 2
