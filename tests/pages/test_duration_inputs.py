"""Durations are typed as minutes or h:mm on the target and goal forms, and stored in seconds."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from kpis.formatting import DURATION_INPUT_ERROR, DURATION_INPUT_HINT
from kpis.models import Scope, Target
from kpis.reviews import services
from kpis.reviews.models import Goal
from tests.reviews.helpers import MARCH

pytestmark = pytest.mark.django_db


def target_form(team, **fields) -> dict:
    return {"kpi": "aht", "scope": "team", "team": team.pk, "effective_from": "2026-01-01", "save": "1", **fields}


def input_value(page: str, name: str) -> str:
    """The value attribute of the text input `name` (absent → "")."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag is not None, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize(
    ("typed", "stretch", "seconds", "stretch_seconds"),
    [
        ("5.5", "", 330.0, None),  # minutes with a decimal point
        ("5,5", "4", 330.0, 240.0),  # a decimal comma, and whole minutes
        ("1:30", "1:05:30", 5400.0, 3930.0),  # h:mm and h:mm:ss
        (" 24:00 ", "", 86400.0, None),  # the scale's upper end, surrounding spaces ignored
    ],
)
def test_a_duration_target_is_typed_in_minutes_or_h_mm_and_stored_in_seconds(
    client, leader, team, typed, stretch, seconds, stretch_seconds
):
    client.force_login(leader)
    response = client.post("/targets/new/", target_form(team, value=typed, stretch=stretch, rationale="Cost"))
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.value, target.stretch) == (seconds, stretch_seconds)


def test_the_target_form_states_how_to_type_a_duration(client, leader, team):
    client.force_login(leader)
    page = client.get("/targets/new/").content.decode()
    assert DURATION_INPUT_HINT in page
    assert "Average Handling Time above 0 s and at most 24 h" in page
    assert "Customer Satisfaction from 0 to 100 %" in page


def test_a_percentage_target_is_still_a_plain_number(client, leader, team):
    client.force_login(leader)
    response = client.post("/targets/new/", target_form(team, kpi="csat", value="82.5"))
    assert response.status_code == 302
    assert Target.objects.get().value == 82.5
    response = client.post("/targets/new/", target_form(team, kpi="nps", value="1:30"))
    assert response.status_code == 200 and "Enter a number." in response.content.decode()


def test_editing_a_duration_target_shows_it_as_typed_and_saves_it_unchanged(client, leader, team, today):
    target = Target.objects.create(
        kpi="aht", scope=Scope.TEAM, team=team, effective_from=today, value=5400, stretch=330, rationale="Cost"
    )
    client.force_login(leader)
    page = client.get(f"/targets/{target.pk}/").content.decode()
    assert (input_value(page, "value"), input_value(page, "stretch")) == ("1:30", "5.5")
    data = target_form(team, value="1:30", stretch="5.5", rationale="Cost", effective_from=today.isoformat())
    assert client.post(f"/targets/{target.pk}/", data).status_code == 302
    target.refresh_from_db()
    assert (target.value, target.stretch) == (5400.0, 330.0)


@pytest.fixture
def draft(leader, agent):
    return services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])


def goal_form(**fields) -> dict:
    data = {"kpi": "aht", "target_value": "", "due_date": "2026-04-30", "description": "Use the macros"} | fields
    return {f"goal-{name}": value for name, value in data.items()}


def test_a_duration_goal_is_typed_in_minutes_and_reads_with_its_unit(client, leader, draft):
    client.force_login(leader)
    response = client.post(reverse("review_goal_add", args=[draft.pk]), goal_form(target_value="5.5"))
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.target_value == 330.0
    assert goal.target_label == "≤ 5 min 30 s"
    page = client.get(reverse("review_detail", args=[draft.pk])).content.decode()
    assert 'Average Handling Time <span class="nowrap">≤ 5 min 30 s</span>' in page  # the target on one line
    assert DURATION_INPUT_HINT in page
    edit = client.get(reverse("review_goal_edit", args=[draft.pk, goal.pk])).content.decode()
    assert input_value(edit, "goal-target_value") == "5.5"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("330 s", DURATION_INPUT_ERROR),
        ("1e3", DURATION_INPUT_ERROR),
        ("nan", DURATION_INPUT_ERROR),
        ("0", "Average Handling Time: give a duration above 0 s and at most 24 h."),
        ("25:00", "Average Handling Time: give a duration above 0 s and at most 24 h."),
    ],
)
def test_a_bad_duration_goal_gets_a_field_error_and_writes_nothing(client, leader, draft, typed, message):
    client.force_login(leader)
    response = client.post(reverse("review_goal_add", args=[draft.pk]), goal_form(target_value=typed))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_goal-target_value_errors"' in page and message in page
    assert not Goal.objects.exists()


def test_a_goal_due_date_still_checked_with_a_duration_value(client, leader, draft):
    client.force_login(leader)
    response = client.post(
        reverse("review_goal_add", args=[draft.pk]), goal_form(target_value="6", due_date=dt.date(2026, 3, 15))
    )
    assert response.status_code == 400
    assert "A goal is due after the reviewed period, which ends on 31 Mar 2026." in response.content.decode()
