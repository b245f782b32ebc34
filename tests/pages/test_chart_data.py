"""The trend data the pages hand to static/js/charts.js, and the words around the charts."""

import datetime as dt
import json
import re

import pytest

pytestmark = pytest.mark.django_db


def chart_json(response) -> dict:
    """The JSON of #chart-data as the browser reads it."""
    page = response.content.decode()
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page embeds no chart data"
    return json.loads(match.group(1))


def chart(data: dict, code: str) -> dict:
    return next(c for c in data["charts"] if c["code"] == code)


def custom(first: dt.date, last: dt.date) -> str:
    return f"?period=custom&date_from={first.isoformat()}&date_to={last.isoformat()}"


def test_a_daily_trend_carries_iso_dates_sample_sizes_and_low_confidence(
    client, settings, leader, team, agent, other_agent, team_data, today
):
    settings.KPI_MIN_SAMPLE = 10
    day = team_data["day"]
    first = day - dt.timedelta(days=5)
    client.force_login(leader)
    data = chart_json(client.get(f"/teams/{team.pk}/{custom(first, day)}"))
    assert data["grain"] == "day" and data["min_sample"] == 10
    assert data["labels"] == data["ends"] == [(first + dt.timedelta(days=i)).isoformat() for i in range(6)]
    csat = chart(data, "csat")
    (team_set,) = csat["datasets"]
    assert team_set["label"] == team.name
    # The team's day: 12 of 15 responses positive = 80 %, enough records.
    assert team_set["data"] == [None] * 5 + [80.0]
    assert team_set["n"] == [0] * 5 + [15]
    assert team_set["text"] == ["—"] * 5 + ["80.0 %"]
    assert team_set["low_confidence"] == [False] * 6
    assert csat["unit"] == "percent" and csat["records"] == "CSAT responses" and csat["target"] == 80.0
    assert (csat["scale_min"], csat["scale_max"]) == (0.0, 100.0)
    volume = chart(data, "volume")
    assert volume["datasets"][0]["data"][-1] == 15.0 and volume["datasets"][0]["n"][-1] == 15
    assert volume["datasets"][0]["text"][-2:] == ["0 tickets", "15 tickets"]
    assert data["has_low_confidence"] is False

    # bob's own scorecard: 3 of 3 is 100 % from a low sample, next to the team's line.
    data = chart_json(client.get(f"/agents/{other_agent.pk}/{custom(first, day)}"))
    bob_set, team_line = chart(data, "csat")["datasets"]
    assert bob_set["data"][-1] == 100.0 and bob_set["n"][-1] == 3 and bob_set["low_confidence"][-1] is True
    assert team_line["label"] == f"{team} (team)" and team_line["low_confidence"][-1] is False
    assert data["has_low_confidence"] is True


def test_a_long_range_is_drawn_per_week_then_per_month(client, leader, team, team_data):
    day = team_data["day"]
    client.force_login(leader)
    weekly = chart_json(client.get(f"/teams/{team.pk}/{custom(day - dt.timedelta(days=42), day)}"))  # 43 days
    assert weekly["grain"] == "week"
    assert weekly["labels"][0] == (day - dt.timedelta(days=42)).isoformat()
    assert all(dt.date.fromisoformat(label).weekday() == 0 for label in weekly["labels"][1:])
    assert weekly["ends"][-1] == day.isoformat()
    week_of_day = next(i for i, end in enumerate(weekly["ends"]) if dt.date.fromisoformat(end) >= day)
    # The week holding the team's only day: the same 12 of 15 as that day.
    csat = chart(weekly, "csat")["datasets"][0]
    assert csat["data"][week_of_day] == 80.0 and csat["n"][week_of_day] == 15

    monthly = chart_json(client.get(f"/teams/{team.pk}/{custom(day - dt.timedelta(days=183), day)}"))  # 184 days
    assert monthly["grain"] == "month"
    assert all(dt.date.fromisoformat(label).day == 1 for label in monthly["labels"][1:])
    assert monthly["labels"][0] == (day - dt.timedelta(days=183)).isoformat()
    assert chart(monthly, "volume")["datasets"][0]["data"][-1] == 15.0


@pytest.mark.parametrize(
    ("days", "wording", "grain_note"),
    [
        (1, "(1 day; trends compare with the day before)", "One point per day."),
        (2, "(2 days; trends compare with the 2 days before)", "One point per day."),
        (
            60,
            "(60 days; trends compare with the 60 days before)",
            "One point per week (Monday to Sunday), from all the records of its days; the first and last may be "
            "partial.",
        ),
    ],
)
def test_the_period_and_chart_wording_is_singular_or_plural(client, leader, team, team_data, days, wording, grain_note):
    day = team_data["day"]
    client.force_login(leader)
    page = client.get(f"/teams/{team.pk}/{custom(day - dt.timedelta(days=days - 1), day)}").content.decode()
    assert wording in page
    assert "1 days" not in page
    assert f'<p class="helptext chart-note">{grain_note}' in page


def test_the_low_confidence_note_appears_only_with_such_points(client, settings, leader, agent, other_agent, team_data):
    settings.KPI_MIN_SAMPLE = 10
    day = team_data["day"]
    client.force_login(leader)
    bob = client.get(f"/agents/{other_agent.pk}/{custom(day, day)}").content.decode()
    assert "A hollow point on a dotted line is low confidence: fewer than 10 records." in bob
    settings.KPI_MIN_SAMPLE = 3
    bob = client.get(f"/agents/{other_agent.pk}/{custom(day, day)}").content.decode()
    assert "hollow point" not in bob
