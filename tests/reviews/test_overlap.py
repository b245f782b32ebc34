"""A second review of the same agent over overlapping days asks for a confirmation, on the page and in the API;
only reviews the writer may read are counted or named (another leader's draft never is)."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kpis.reviews import services
from kpis.reviews.models import Review
from kpis.reviews.selectors import reviews_overlapping
from tests.factories import LeaderFactory
from tests.reviews.helpers import MARCH, shared_review

D = dt.date


@pytest.fixture
def co_leader(team):
    """A second leader of alice's team: their drafts are theirs alone."""
    return LeaderFactory(username="lea", email="lea@example.com", first_name="Lea", last_name="Novak", teams=[team])


def _start(client, agent, start, end, **extra):
    body = {"agent": agent.pk, "period_start": start, "period_end": end, **extra}
    return client.post(reverse("review_new"), body)


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (D(2026, 3, 31), D(2026, 4, 30), True),  # starts on the day the other ends: one shared day
        (D(2026, 2, 1), D(2026, 3, 1), True),  # ends on the day the other starts
        (D(2026, 3, 10), D(2026, 3, 20), True),  # inside it
        (D(2026, 2, 1), D(2026, 4, 30), True),  # around it
        (D(2026, 4, 1), D(2026, 4, 30), False),  # the next day on: adjacent
        (D(2026, 2, 1), D(2026, 2, 28), False),  # up to the day before: adjacent
    ],
)
def test_periods_overlap_when_they_share_a_day(draft, leader, agent, start, end, overlaps):
    found = reviews_overlapping(viewer=leader, agent=agent, period_start=start, period_end=end)
    assert list(found) == ([draft] if overlaps else [])


def test_only_the_agents_own_reviews_count(draft, leader, other_agent):
    assert not reviews_overlapping(viewer=leader, agent=other_agent, period_start=MARCH[0], period_end=MARCH[1])


def test_another_leaders_draft_is_not_counted_but_their_shared_review_is(leader, co_leader, agent, admin_user):
    hidden = services.review_create(author=co_leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert not reviews_overlapping(viewer=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert list(reviews_overlapping(viewer=admin_user, agent=agent, period_start=MARCH[0], period_end=MARCH[1])) == [
        hidden
    ]
    shared = shared_review(co_leader, agent, period=(D(2026, 3, 15), D(2026, 4, 15)))
    assert list(reviews_overlapping(viewer=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])) == [shared]


# ---- the page ------------------------------------------------------------------------------


def test_the_page_warns_names_each_overlapping_review_and_creates_nothing(client, leader, co_leader, agent):
    leader.first_name, leader.last_name = "Lena", "Park"
    leader.save()
    draft = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    shared = shared_review(co_leader, agent, period=(D(2026, 3, 16), D(2026, 4, 15)))
    client.force_login(leader)

    response = _start(client, agent, "2026-03-31", "2026-04-30")

    assert response.status_code == 400
    assert Review.objects.count() == 2
    page = response.content.decode()
    summary = page[page.index('<div class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert (
        f'<a href="#id_allow_overlap">Create another review anyway</a>: {agent} already has 2 reviews overlapping this '
        "period. Change the period, or tick this box to start another one." in summary
    )
    warning = page[page.index('<section class="overlap-warning"') : page.index("</section>")]
    assert f"{agent} already has 2 reviews overlapping this period" in warning
    assert f'<a href="{draft.get_absolute_url()}">1–31 Mar 2026</a>' in warning
    assert f'<a href="{shared.get_absolute_url()}">16 Mar – 15 Apr 2026</a>' in warning
    assert ">Draft</span> · by Lena Park" in warning and ">Shared</span> · by Lea Novak" in warning
    assert warning.index("16 Mar – 15 Apr") > warning.index("1–31 Mar")  # in the order of their periods
    assert 'type="checkbox" name="allow_overlap"' in warning and "checked" not in warning


def test_ticking_the_box_creates_the_review(client, draft, leader, agent):
    client.force_login(leader)

    response = _start(client, agent, "2026-03-10", "2026-03-20", allow_overlap="on")

    created = Review.objects.exclude(pk=draft.pk).get()
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert (created.agent, created.period_start, created.period_end) == (agent, D(2026, 3, 10), D(2026, 3, 20))


def test_an_adjacent_period_is_created_without_a_question(client, draft, leader, agent):
    client.force_login(leader)
    assert _start(client, agent, "2026-04-01", "2026-04-30").status_code == 302
    assert Review.objects.count() == 2


def test_a_draft_the_writer_cannot_see_is_never_revealed(client, leader, co_leader, agent):
    hidden = services.review_create(author=co_leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    client.force_login(leader)

    response = _start(client, agent, "2026-03-01", "2026-03-31")

    assert response.status_code == 302  # no warning, no count: nothing tells lena that lea has a draft
    created = Review.objects.exclude(pk=hidden.pk).get()
    assert created.author == leader


def test_a_reversed_period_says_so_rather_than_warning(client, draft, leader, agent):
    client.force_login(leader)
    response = _start(client, agent, "2026-03-31", "2026-03-01")
    page = response.content.decode()
    assert response.status_code == 400
    assert "The period ends before it starts." in page and "overlap-warning" not in page
    assert Review.objects.count() == 1


# ---- the API -------------------------------------------------------------------------------


@pytest.fixture
def api(leader):
    client = APIClient()
    client.force_authenticate(leader)
    return client


def _api_start(api, agent, start, end, **extra):
    body = {"agent": agent.pk, "period_start": start, "period_end": end, **extra}
    return api.post("/api/v1/reviews/", body, format="json")


def test_the_api_refuses_an_overlapping_period_and_lists_the_reviews(api, draft, leader, agent):
    response = _api_start(api, agent, "2026-03-31", "2026-04-30", notes="Check-in")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input; nothing was written."
    assert body["errors"] == {
        "allow_overlap": [
            f"{agent} already has 1 review overlapping this period: #{draft.pk} (2026-03-01 to 2026-03-31, draft, "
            f'by {leader}). Send "allow_overlap": true to start another one anyway.'
        ]
    }
    assert body["overlapping_reviews"] == [
        {
            "id": draft.pk,
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "status": "draft",
            "author": leader.pk,
        }
    ]
    assert Review.objects.count() == 1


def test_the_api_creates_it_with_allow_overlap(api, draft, agent):
    response = _api_start(api, agent, "2026-03-31", "2026-04-30", allow_overlap=True, notes="Check-in")

    assert response.status_code == 201
    created = Review.objects.get(pk=response.json()["id"])
    assert created.pk != draft.pk and created.notes == "Check-in"
    assert "allow_overlap" not in response.json()


def test_the_api_creates_an_adjacent_period_and_never_reveals_a_hidden_draft(api, co_leader, agent):
    services.review_create(author=co_leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert _api_start(api, agent, "2026-03-01", "2026-03-31").status_code == 201
    assert _api_start(api, agent, "2026-04-01", "2026-04-30").status_code == 201


def test_the_api_reports_a_reversed_period_not_an_overlap(api, draft, agent):
    response = _api_start(api, agent, "2026-03-31", "2026-03-01")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"period_end"}
