"""The trend charts as drawn by static/js/charts.js: labels with the year, low-confidence points, a one-day axis."""

import datetime as dt

import pytest

from kpis.services import snapshots_compute
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTC = dt.UTC
DECEMBER_DAY, JANUARY_DAY = dt.date(2025, 12, 10), dt.date(2026, 1, 14)

# What Chart.js made of one KPI's chart: axis labels, y ticks, point fills and the tooltip of a point.
CHART_STATE = """([code, index]) => {
  const chart = Chart.getChart(document.querySelector(`figure.chart[data-kpi='${code}'] canvas`));
  chart.tooltip.setActiveElements([{datasetIndex: 0, index: index}], {x: 0, y: 0});
  chart.update();
  return {
    labels: chart.data.labels,
    yTicks: chart.scales.y.ticks.map((tick) => tick.label),
    yValues: chart.scales.y.ticks.map((tick) => tick.value),
    fills: chart.getDatasetMeta(0).data.map((point) => point.options.backgroundColor),
    title: chart.tooltip.title,
    body: chart.tooltip.body.map((item) => item.lines.join(" ")),
  };
}"""


@pytest.fixture
def owls(transactional_db):
    """CSAT: 3 responses on a December day (a low sample), 12 on a January day; one ticket in January."""
    team = TeamFactory(name="Owls", slug="owls", timezone="UTC")
    LeaderFactory(username="olga", teams=[team])
    agent = AgentFactory(team=team)
    for day, scores in ((DECEMBER_DAY, [5, 5, 1]), (JANUARY_DAY, [5] * 9 + [2] * 3)):
        for score in scores:
            SurveyResponseFactory(agent=agent, score=score, responded_at=dt.datetime.combine(day, dt.time(12), UTC))
    TicketFactory(agent=agent, created_at=dt.datetime.combine(JANUARY_DAY, dt.time(9), UTC))
    snapshots_compute(date_from=DECEMBER_DAY, date_to=JANUARY_DAY)
    return team


def test_a_range_across_years_is_drawn_per_month_with_the_year_and_low_confidence_hollow(page, login, owls):
    login(page, "olga")
    page.goto(f"/teams/{owls.pk}/?period=custom&date_from=2025-11-01&date_to=2026-05-20")
    page.wait_for_selector("html.charts-ready")
    state = page.evaluate(CHART_STATE, ["csat", 1])
    assert state["labels"] == ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "1–20 May 2026"]
    # December (3 responses) is hollow; January (12) is filled with the line's colour.
    assert state["fills"][1] == "#ffffff"
    assert state["fills"][2] == "#1849a9"
    assert state["title"] == ["Dec 2025"]
    assert state["body"][0] == "Owls: 66.7 % (n = 3 CSAT responses; low confidence, fewer than 10)"
    january = page.evaluate(CHART_STATE, ["csat", 2])
    assert january["body"][0] == "Owls: 75.0 % (n = 12 CSAT responses)"
    assert (
        page.locator(".chart-note")
        .inner_text()
        .endswith(
            "A hollow point on a dotted line is low confidence: fewer than 10 records. "
            "Each point's value and number of records show on hover or tap."
        )
    )


def test_a_one_day_period_has_integer_ticks_for_counts_and_a_whole_scale_for_a_rate(page, login, owls):
    login(page, "olga")
    page.goto(f"/teams/{owls.pk}/?period=custom&date_from=2026-01-14&date_to=2026-01-14")
    page.wait_for_selector("html.charts-ready")
    assert "trends compare with the day before" in page.locator(".period-current").inner_text()
    volume = page.evaluate(CHART_STATE, ["volume", 0])
    assert volume["labels"] == ["14 Jan"]
    assert all(value == int(value) for value in volume["yValues"])
    assert len(set(volume["yTicks"])) == len(volume["yTicks"]) >= 2
    assert volume["yValues"][0] == 0
    assert volume["body"][0] == "Owls: 1 ticket"
    csat = page.evaluate(CHART_STATE, ["csat", 0])
    assert (csat["yValues"][0], csat["yValues"][-1]) == (0, 100)
    assert len(set(csat["yTicks"])) == len(csat["yTicks"])


def test_y_ticks_are_round_values_in_the_kpis_unit(page, login, owls):
    """One 5-minute handle time and a 2-hour resolution: durations tick in whole minutes or half hours (Chart.js's
    own steps read "1 min 40 s", "3 min 20 s"); a percent tick has no needless decimal ("20 %", not "20.0 %")."""
    login(page, "olga")
    page.goto(f"/teams/{owls.pk}/?period=custom&date_from=2026-01-14&date_to=2026-01-14")
    page.wait_for_selector("html.charts-ready")
    assert page.evaluate(CHART_STATE, ["aht", 0])["yTicks"] == ["0 s", "2 min", "4 min", "6 min", "8 min"]
    resolution = page.evaluate(CHART_STATE, ["resolution_time", 0])["yTicks"]
    assert resolution == ["0 s", "30 min", "1 h", "1 h 30 min", "2 h", "2 h 30 min"]
    assert page.evaluate(CHART_STATE, ["csat", 0])["yTicks"] == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
