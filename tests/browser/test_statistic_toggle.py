"""The dashboard's statistic toggle in Debian's Chromium at 1280 px: following "median" keeps the period, the grid
still fits without scrolling sideways, and the time-KPI cells change to the medians while the others stay."""

import pytest

from kpis.registry import KPIS
from tests.browser.chromium import LAPTOP
from tests.browser.test_layout import world  # noqa: F401 (the fixture: Falcons' 20 days, a leader)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def cell_text(page, kpi_name: str) -> str:
    """The team row's cell of one KPI, by its column header."""
    headers = page.locator("table.kpi-grid thead th").all_inner_texts()
    index = next(i for i, text in enumerate(headers) if text.strip() == kpi_name)
    return (
        page.locator("table.kpi-grid tbody.row-team tr")
        .first.locator("th, td")
        .nth(index)
        .locator(".cell-line")
        .inner_text()
    )


def test_the_toggle_shows_medians_keeps_the_period_and_the_grid_fits(page, login, world):  # noqa: F811
    team = world["team"]
    login(page, "lena")
    page.goto(f"/teams/{team.pk}/?period=7d", wait_until="load")
    mean_frt, mean_csat = cell_text(page, KPIS["frt"].name), cell_text(page, KPIS["csat"].name)
    page.get_by_role("navigation", name="Statistic of the time KPIs").get_by_role("link", name="median").click()
    page.wait_for_load_state("load")
    assert "period=7d" in page.url and "stat=median" in page.url
    current = page.get_by_role("navigation", name="Statistic of the time KPIs").locator("[aria-current='true']")
    assert current.inner_text() == "median"
    # The 7-day preset is still the one chosen, and the presets keep the statistic.
    assert page.locator(".period-presets a.current").inner_text() == "Last 7 days"
    assert "stat=median" in page.locator(".period-presets a", has_text="Last 30 days").get_attribute("href")
    median_frt = cell_text(page, KPIS["frt"].name)
    assert median_frt != mean_frt  # the demo-like first responses are skewed: the median is not the mean
    assert cell_text(page, KPIS["csat"].name) == mean_csat  # a rate has no median: unchanged
    grid = page.locator(".table-fit")
    assert grid.evaluate("el => el.scrollWidth <= el.clientWidth")
    box = page.locator("table.kpi-grid thead th").last.bounding_box()
    assert box["x"] + box["width"] <= LAPTOP["width"]
