"""Every review page × every role: 200 (or the action's redirect / form error), 302 to login, or 404.

alice (agent) has a draft and a shared review, both by lena (her leader); bob is her teammate,
otto leads another team; hanna is HR; root is an admin.
"""

import datetime as dt

import pytest
from django.urls import reverse

from kpis.reviews import services
from tests.reviews.helpers import MARCH, shared_review

ROLES = ["agent", "other_agent", "leader", "other_leader", "hr", "admin_user", "anonymous"]
DUE = dt.date(2026, 4, 30)


@pytest.fixture
def objects(leader, agent):
    draft = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    draft_goal = services.goal_add(review=draft, actor=leader, due_date=DUE, description="Draft goal")
    shared = shared_review(
        leader,
        agent,
        period=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        goals=[{"kpi": "csat", "target_value": 85, "due_date": DUE, "description": "Lift CSAT"}],
    )
    return {"draft": draft, "draft_goal": draft_goal, "shared": shared}


def only(*roles, status=200, others=404):
    """Expected status per role: `status` for `roles`, `others` for the rest, 302 (login) for anonymous."""
    return {role: (302 if role == "anonymous" else status if role in roles else others) for role in ROLES}


EVERYONE = only(*ROLES[:-1])
WRITERS = ("leader", "admin_user")

# (name, method, url builder, data, expected per role)
PAGES = [
    ("list", "get", lambda o: reverse("reviews"), None, EVERYONE),
    ("list filtered", "get", lambda o: reverse("reviews") + "?status=shared&date_from=2026-01-01", None, EVERYONE),
    ("new", "get", lambda o: reverse("review_new"), None, only(*WRITERS)),
    ("new for alice", "get", lambda o: reverse("review_new") + f"?agent={o['shared'].agent_id}", None, only(*WRITERS)),
    (
        "new (post)",
        "post",
        lambda o: reverse("review_new"),
        lambda o: {"agent": o["shared"].agent_id, "period_start": "2026-04-01", "period_end": "2026-04-30"},
        only(*WRITERS, status=302),
    ),
    ("draft", "get", lambda o: reverse("review_detail", args=[o["draft"].pk]), None, only(*WRITERS)),
    ("draft print", "get", lambda o: reverse("review_print", args=[o["draft"].pk]), None, only(*WRITERS)),
    (
        "shared",
        "get",
        lambda o: reverse("review_detail", args=[o["shared"].pk]),
        None,
        only("agent", "leader", "hr", "admin_user"),
    ),
    (
        "shared print",
        "get",
        lambda o: reverse("review_print", args=[o["shared"].pk]),
        None,
        only("agent", "leader", "hr", "admin_user"),
    ),
    (
        "edit draft",
        "post",
        lambda o: reverse("review_edit", args=[o["draft"].pk]),
        lambda o: {"review-period_start": "2026-03-01", "review-period_end": "2026-03-31", "review-strengths": "Calm"},
        only(*WRITERS, status=302),
    ),
    (
        "edit shared",
        "post",
        lambda o: reverse("review_edit", args=[o["shared"].pk]),
        lambda o: {"review-period_start": "2026-02-01", "review-period_end": "2026-02-28", "review-strengths": "X"},
        only(),
    ),
    (
        "add goal",
        "post",
        lambda o: reverse("review_goal_add", args=[o["draft"].pk]),
        lambda o: {
            "goal-kpi": "fcr",
            "goal-target_value": "75",
            "goal-due_date": "2026-04-30",
            "goal-description": "x",
        },
        only(*WRITERS, status=302),
    ),
    (
        "edit goal",
        "get",
        lambda o: reverse("review_goal_edit", args=[o["draft"].pk, o["draft_goal"].pk]),
        None,
        only(*WRITERS),
    ),
    (
        "edit goal (post)",
        "post",
        lambda o: reverse("review_goal_edit", args=[o["draft"].pk, o["draft_goal"].pk]),
        lambda o: {"goal-due_date": "2026-05-15", "goal-description": "Later"},
        only(*WRITERS, status=302),
    ),
    (
        "edit shared goal",
        "get",
        lambda o: reverse("review_goal_edit", args=[o["shared"].pk, o["shared"].goals.get().pk]),
        None,
        only(),
    ),
    (
        "remove goal",
        "post",
        lambda o: reverse("review_goal_remove", args=[o["draft"].pk, o["draft_goal"].pk]),
        lambda o: {},
        only(*WRITERS, status=302),
    ),
    (
        "pitfalls",
        "post",
        lambda o: reverse("review_pitfalls", args=[o["draft"].pk]),
        lambda o: {"pitfalls-confirmed_1": "on", "pitfalls-note_1": "Baseline checked"},
        only(*WRITERS, status=302),
    ),
    (
        "share (checklist open)",
        "post",
        lambda o: reverse("review_share", args=[o["draft"].pk]),
        lambda o: {},
        only(*WRITERS, status=400),
    ),
    (
        "acknowledge",
        "post",
        lambda o: reverse("review_acknowledge", args=[o["shared"].pk]),
        lambda o: {"ack-comment": "Thanks"},
        only("agent", status=302),
    ),
    (
        "acknowledge draft",
        "post",
        lambda o: reverse("review_acknowledge", args=[o["draft"].pk]),
        lambda o: {"ack-comment": "Thanks"},
        only(),
    ),
    (
        "amend",
        "post",
        lambda o: reverse("review_amend", args=[o["shared"].pk]),
        lambda o: {"amend-text": "Correction"},
        only(*WRITERS, status=302),
    ),
    ("notifications", "get", lambda o: reverse("review_notifications"), None, EVERYONE),
    ("export csv", "get", lambda o: reverse("reviews_export") + "?format=csv", None, only("hr", "admin_user")),
    ("export xlsx", "get", lambda o: reverse("reviews_export") + "?format=xlsx", None, only("hr", "admin_user")),
    ("missing review", "get", lambda o: reverse("review_detail", args=[999999]), None, only()),
]

CASES = [
    pytest.param(method, build, data, role, expected[role], id=f"{name}-{role}")
    for name, method, build, data, expected in PAGES
    for role in ROLES
]


@pytest.mark.parametrize(("method", "build", "data", "role", "expected"), CASES)
def test_page_access(request, client, objects, method, build, data, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = build(objects)
    response = client.post(url, data(objects)) if method == "post" else client.get(url)
    assert response.status_code == expected, response.content[:500]
    if expected == 302 and role == "anonymous":
        assert response.url.startswith(reverse("login"))


def test_a_new_review_for_an_agent_outside_the_leaders_teams_is_404(client, leader, agent, outside_agent):
    client.force_login(leader)
    assert client.get(reverse("review_new") + f"?agent={outside_agent.pk}").status_code == 404
    response = client.post(
        reverse("review_new"), {"agent": outside_agent.pk, "period_start": "2026-03-01", "period_end": "2026-03-31"}
    )
    assert response.status_code == 400  # not a choice: a field error, and nothing written
    assert "Select a valid choice" in response.content.decode()


def test_post_only_actions_refuse_get(client, leader, objects):
    client.force_login(leader)
    assert client.get(reverse("review_share", args=[objects["draft"].pk])).status_code == 405
