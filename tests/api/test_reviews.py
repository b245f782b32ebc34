"""Coaching reviews over the API: the list and detail per role, drafts, goals, the checklist,
share, acknowledge and the HR export — each endpoint × role with the expected status."""

import csv
import datetime as dt
import io

import pytest

from kpis.formatting import format_target, format_value
from kpis.reviews import services
from kpis.reviews.models import Goal, Review, ReviewEvent, ReviewStatus
from tests.api.conftest import ROLES
from tests.reviews.helpers import MARCH, confirm_all, shared_review

FEBRUARY = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


@pytest.fixture
def reviews(world):
    u = world.users
    drafts = {
        "alice_draft": services.review_create(
            author=u["lena"], agent=u["alice"], period_start=MARCH[0], period_end=MARCH[1]
        ),
        "alice_ready": services.review_create(
            author=u["lena"], agent=u["alice"], period_start=MARCH[0], period_end=MARCH[1]
        ),
        "carol_draft": services.review_create(
            author=u["otto"], agent=u["carol"], period_start=MARCH[0], period_end=MARCH[1]
        ),
    }
    confirm_all(drafts["alice_ready"], u["lena"])
    return {
        **drafts,
        "alice_shared": shared_review(u["lena"], u["alice"], period=FEBRUARY),
        "bob_shared": shared_review(u["lena"], u["bob"], period=FEBRUARY),
        "carol_shared": shared_review(u["otto"], u["carol"], period=FEBRUARY),
    }


VISIBLE = {
    "agent": ["alice_shared"],
    "other_agent": ["bob_shared"],
    "leader": ["alice_draft", "alice_ready", "alice_shared", "bob_shared"],
    "other_leader": ["carol_draft", "carol_shared"],
    "hr": ["alice_shared", "bob_shared", "carol_shared"],
    "admin": ["alice_draft", "alice_ready", "carol_draft", "alice_shared", "bob_shared", "carol_shared"],
}


@pytest.mark.parametrize("role", ROLES)
def test_the_review_list_and_details_follow_the_scope(world, reviews, api, role):
    client = api(world.users.get(ROLES[role]))
    listed = client.get("/api/v1/reviews/")
    if role == "anonymous":
        assert listed.status_code == 401
        assert {client.get(f"/api/v1/reviews/{r.pk}/").status_code for r in reviews.values()} == {401}
        return
    assert listed.status_code == 200
    assert sorted(row["id"] for row in listed.data["results"]) == sorted(reviews[n].pk for n in VISIBLE[role])
    for name, review in reviews.items():
        response = client.get(f"/api/v1/reviews/{review.pk}/")
        assert response.status_code == (200 if name in VISIBLE[role] else 404), name


def test_the_review_list_filters_by_status_team_and_period(world, reviews, api):
    client = api(world.users["root"])
    shared = client.get("/api/v1/reviews/", {"status": "shared"}).data["results"]
    assert sorted(r["id"] for r in shared) == sorted(
        reviews[n].pk for n in ("alice_shared", "bob_shared", "carol_shared")
    )
    owls = client.get("/api/v1/reviews/", {"team": world.teams["owls"].pk}).data["results"]
    assert sorted(r["id"] for r in owls) == sorted(reviews[n].pk for n in ("carol_draft", "carol_shared"))
    march = client.get("/api/v1/reviews/", {"date_from": "2026-03-10", "date_to": "2026-03-20"}).data["results"]
    assert sorted(r["id"] for r in march) == sorted(
        reviews[n].pk for n in ("alice_draft", "alice_ready", "carol_draft")
    )
    assert client.get("/api/v1/reviews/", {"status": "lost"}).status_code == 400


def test_a_shared_review_shows_its_frozen_summary_and_checklist(world, reviews, api):
    body = api(world.users["alice"]).get(f"/api/v1/reviews/{reviews['alice_shared'].pk}/").json()
    assert body["status"] == "shared"
    assert [k["kpi"] for k in body["kpi_summary"]][:3] == ["csat", "nps", "ces"]
    # Each figure also reads as the pages show it (the unit, "—" for no data); values stay raw.
    for row in body["kpi_summary"]:
        assert row["value_display"] == format_value(row["kpi"], row["value"]), row["kpi"]
        assert row["target_display"] == format_target(row["kpi"], row["target_value"]), row["kpi"]
    for goal in body["goals"]:
        assert goal["target_display"] == (format_target(goal["kpi"], goal["target_value"]) if goal["kpi"] else "")
    assert [p["number"] for p in body["pitfalls"]] == [1, 2, 3, 4, 5]
    assert all(p["confirmed"] for p in body["pitfalls"])


FORBIDDEN = {"agent": 403, "other_agent": 403, "hr": 403, "anonymous": 401}
WRITES = {
    "start a review": (
        "post",
        lambda w, r: "/api/v1/reviews/",
        lambda w, r: {"agent": w.users["alice"].pk, "period_start": "2026-04-01", "period_end": "2026-04-30"},
        {**FORBIDDEN, "leader": 201, "other_leader": 400, "admin": 201},
    ),
    "edit a draft": (
        "patch",
        lambda w, r: f"/api/v1/reviews/{r['alice_draft'].pk}/",
        lambda w, r: {"notes": "Great month."},
        {**FORBIDDEN, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "edit a shared review": (
        "patch",
        lambda w, r: f"/api/v1/reviews/{r['alice_shared'].pk}/",
        lambda w, r: {"notes": "Changed my mind."},
        {**FORBIDDEN, "leader": 400, "other_leader": 404, "admin": 400},
    ),
    "add a goal": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_draft'].pk}/goals/",
        lambda w, r: {"kpi": "csat", "target_value": 85, "due_date": "2026-05-31", "description": "Reach 85 % CSAT."},
        {**FORBIDDEN, "leader": 201, "other_leader": 404, "admin": 201},
    ),
    "answer a pitfall": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_draft'].pk}/pitfalls/",
        lambda w, r: {"number": 2, "confirmed": True, "note": "CSAT and AHT goals together."},
        {**FORBIDDEN, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "share a ready draft": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_ready'].pk}/share/",
        lambda w, r: {},
        {**FORBIDDEN, "leader": 200, "other_leader": 404, "admin": 200},
    ),
    "share a draft with its checklist open": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_draft'].pk}/share/",
        lambda w, r: {},
        {**FORBIDDEN, "leader": 400, "other_leader": 404, "admin": 400},
    ),
    "acknowledge": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_shared'].pk}/acknowledge/",
        lambda w, r: {"comment": "Thanks, I will work on it."},
        {
            "agent": 200,
            "other_agent": 404,
            "leader": 403,
            "other_leader": 404,
            "hr": 403,
            "admin": 403,
            "anonymous": 401,
        },
    ),
    "acknowledge a draft": (
        "post",
        lambda w, r: f"/api/v1/reviews/{r['alice_draft'].pk}/acknowledge/",
        lambda w, r: {"comment": "Thanks."},
        {
            "agent": 404,
            "other_agent": 404,
            "leader": 403,
            "other_leader": 404,
            "hr": 404,
            "admin": 403,
            "anonymous": 401,
        },
    ),
}


def review_state():
    return (
        list(Review.objects.order_by("pk").values()),
        list(Goal.objects.order_by("pk").values()),
        ReviewEvent.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", WRITES)
def test_review_writes_per_role(world, reviews, api, name, role):
    method, path, body, expected = WRITES[name]
    client = api(world.users.get(ROLES[role]))
    before = review_state()
    response = getattr(client, method)(path(world, reviews), body(world, reviews), format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert review_state() == before
        assert set(response.json()) <= {"detail", "errors"}
    else:
        assert review_state() != before


def test_sharing_then_acknowledging_through_the_api(world, reviews, api):
    lena, alice = api(world.users["lena"]), api(world.users["alice"])
    review = reviews["alice_ready"]
    assert alice.get(f"/api/v1/reviews/{review.pk}/").status_code == 404  # a draft is not the agent's yet
    shared = lena.post(f"/api/v1/reviews/{review.pk}/share/")
    assert shared.status_code == 200 and shared.json()["status"] == "shared"
    empty = alice.post(f"/api/v1/reviews/{review.pk}/acknowledge/", {"comment": ""}, format="json")
    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["comment"]
    done = alice.post(f"/api/v1/reviews/{review.pk}/acknowledge/", {"comment": "Agreed."}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["acknowledgement_comment"]) == ("acknowledged", "Agreed.")
    again = alice.post(f"/api/v1/reviews/{review.pk}/acknowledge/", {"comment": "Again."}, format="json")
    assert again.status_code == 400 and list(again.json()["errors"]) == ["status"]
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.ACKNOWLEDGED


EXPORTERS = {"hr": ["alice_shared", "bob_shared", "carol_shared"], "admin": VISIBLE["admin"]}


@pytest.mark.parametrize("role", ROLES)
def test_only_hr_and_admins_export(world, reviews, api, role):
    client = api(world.users.get(ROLES[role]))
    response = client.get("/api/v1/reviews/export/", {"format": "csv"})
    if role not in EXPORTERS:
        assert response.status_code == (401 if role == "anonymous" else 403)
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(int(row["Review ID"]) for row in rows) == sorted(reviews[n].pk for n in EXPORTERS[role])
    workbook = client.get("/api/v1/reviews/export/", {"format": "xlsx", "team": world.teams["owls"].pk})
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert workbook.content[:2] == b"PK"


def test_the_export_needs_a_known_format(world, reviews, api):
    client = api(world.users["hanna"])
    assert client.get("/api/v1/reviews/export/").status_code == 400
    assert client.get("/api/v1/reviews/export/", {"format": "csv", "status": "lost"}).status_code == 400
