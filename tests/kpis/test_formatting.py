"""The one formatter of KPI figures: units on every value, human durations, typed durations read back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.formatting import (
    DURATION_INPUT_ERROR,
    duration_input_text,
    format_change,
    format_duration,
    format_scale,
    format_target,
    format_value,
    format_value_against,
    parse_duration_input,
    scale_error,
)
from kpis.registry import KPIS


@pytest.mark.parametrize(
    ("code", "value", "text"),
    [
        ("csat", 85.94, "85.9 %"),
        ("fcr", 100, "100.0 %"),
        ("nps", 38, "+38"),
        ("nps", -20, "−20"),
        ("nps", 0, "0"),
        ("ces", 6.111, "6.11"),
        ("aht", 331, "5 min 31 s"),
        ("aht", 330, "5 min 30 s"),
        ("aht", 360, "6 min"),
        ("frt", 45, "45 s"),
        ("frt", 0.4, "0 s"),
        ("resolution_time", 86400, "24 h"),
        ("resolution_time", 93600, "1 d 2 h"),
        ("resolution_time", 172800, "2 d"),
        ("resolution_time", 3900, "1 h 5 min"),
        ("resolution_time", 3600, "1 h"),
        ("volume", 247, "247 tickets"),
        ("volume", 1, "1 ticket"),
        ("volume", 1204, "1,204 tickets"),
        ("csat", None, "—"),
        ("aht", None, "—"),
    ],
)
def test_every_value_reads_in_its_unit(code, value, text):
    assert format_value(code, value) == text
    assert format_value(KPIS[code], value) == text  # a KPI or its code


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (59.6, "1 min"),  # rounded to the second first
        (3599.6, "1 h"),
        (5430, "1 h 31 min"),  # to the minute from an hour on
        (86399, "24 h"),  # a day reads as 24 h, the usual service level
        (86400 + 1800, "1 d 1 h"),  # to the hour beyond a day
        (-65, "−1 min 5 s"),
    ],
)
def test_durations_read_in_the_largest_useful_units(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("code", "change", "text"),
    [
        ("csat", 3.25, "+3.2 pts"),
        ("csat", -1.0, "−1.0 pts"),
        ("aht", -65, "−1 min 5 s"),
        ("aht", 0.3, "+0.3 s"),  # not nil: never "0 s" beside a trend
        ("aht", -0.04, "−0.04 s"),
        ("csat", 0.04, "+0.04 pts"),
        ("nps", 12, "+12"),
        ("ces", -0.25, "−0.25"),
        ("volume", 12, "+12 tickets"),
        ("volume", None, "—"),
    ],
)
def test_changes_read_with_sign_and_unit(code, change, text):
    assert format_change(code, change) == text


def test_targets_read_as_the_comparison_they_ask_for():
    assert format_target("aht", 330) == "≤ 5 min 30 s"
    assert format_target("resolution_time", 86400) == "≤ 24 h"
    assert format_target("csat", 80) == "≥ 80.0 %"
    assert format_target("nps", 30) == "≥ +30"
    assert format_target("aht", 330, "=") == "= 5 min 30 s"
    assert format_target("aht", None) == ""


def test_scales_read_in_the_units_they_are_typed_in():
    assert format_scale("csat") == "from 0 to 100 %"
    assert format_scale("nps") == "from −100 to 100"
    assert format_scale("ces") == "from 1 to 7"
    assert format_scale("aht") == "above 0 s and at most 24 h"
    assert format_scale("frt") == "above 0 s and at most 30 d"
    assert format_scale("volume") == "at least 0"
    assert scale_error("aht") == "Average Handling Time: give a duration above 0 s and at most 24 h."
    assert scale_error("csat") == "Customer Satisfaction: give a value from 0 to 100 %."


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("5", 300.0),
        ("5.5", 330.0),
        ("5,5", 330.0),
        ("0.5", 30.0),
        ("1:30", 5400.0),
        ("0:05", 300.0),
        ("24:00", 86400.0),
        ("0:05:30", 330.0),
        ("  2:00 ", 7200.0),
        ("-10", -600.0),  # read, so that the scale refuses it with its own message
        ("0", 0.0),
    ],
)
def test_typed_durations_are_minutes_or_h_mm(typed, seconds):
    assert parse_duration_input(typed) == seconds


@pytest.mark.parametrize("typed", ["", "330 s", "5m", "1e3", "nan", "inf", "5:75", "1:5", "1:30:75", "1.5:30", "::"])
def test_other_typed_durations_are_refused_with_the_hint(typed):
    with pytest.raises(ValueError) as error:
        parse_duration_input(typed)
    assert str(error.value) == DURATION_INPUT_ERROR


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(330, "5.5"), (300, "5"), (30, "0.5"), (5400, "1:30"), (86400, "24:00"), (331, "0:05:31"), (3930, "1:05:30")],
)
def test_stored_seconds_are_shown_as_a_person_types_them(seconds, text):
    assert duration_input_text(seconds) == text


@given(st.integers(min_value=0, max_value=365 * 86400))
def test_a_shown_duration_reads_back_to_the_same_seconds(seconds):
    assert parse_duration_input(duration_input_text(seconds)) == seconds


# ---- a value beside its target -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "value", "target", "text"),
    [
        ("frt", 3607.5, 3600, "1 h 0 min 8 s"),  # missed, and "1 h" would read as the target itself
        ("frt", 3599.6, 3600, "59 min 59.6 s"),
        ("frt", 3600.04, 3600, "1 h 0 min 0.04 s"),
        ("frt", 90_000.4, 90_000, "1 d 1 h 0 min 0.4 s"),
        ("frt", 30.4, 30, "30.4 s"),
        ("csat", 79.96, 80, "79.96 %"),
        ("nps", -0.2, 0, "−0.2"),
        ("ces", 5.004, 5, "5.004"),
        # Values that already read apart, or equal their target, read as everywhere else.
        ("aht", 361, 360, "6 min 1 s"),
        ("csat", 75, 80, "75.0 %"),
        ("frt", 3600, 3600, "1 h"),
        ("csat", 80.0, None, "80.0 %"),
        ("csat", None, 80, "—"),
    ],
)
def test_a_value_beside_its_target_reads_apart_from_it(kpi, value, target, text):
    assert format_value_against(kpi, value, target) == text


@given(
    kpi=st.sampled_from([code for code, kpi in KPIS.items() if kpi.has_target]),
    value=st.floats(min_value=-100, max_value=200_000, allow_nan=False),
    target=st.floats(min_value=-100, max_value=200_000, allow_nan=False),
)
def test_a_value_reads_apart_from_its_target_unless_they_are_within_a_ten_thousandth(kpi, value, target):
    text = format_value_against(kpi, value, target)
    if abs(value - target) >= 1e-4 * max(1.0, abs(target)) * 10:
        assert text != format_value_against(kpi, target, value) or value == target


def test_a_grid_cell_and_the_needs_coaching_list_show_a_miss_by_seconds():
    """3,607.5 s of first response against "≤ 1 h": the cell and the missed list say 1 h 0 min 8 s, not 1 h."""
    from kpis.models import Target
    from kpis.selectors import make_figure
    from kpis.templatetags.pulse import figure_row_html

    frt = KPIS["frt"]
    figure = make_figure(frt, 3607.5 * 40, 40, target=Target(kpi="frt", value=3600, statistic="mean"))
    html = figure_row_html({"frt": figure}, [frt])
    assert figure.status == "missed"
    assert '<span class="value">1 h 0 min 8 s</span>' in html.cells
    assert html.missed == [
        '<span class="missed-kpi">First Response Time <span class="nowrap">1 h 0 min 8 s</span> '
        '(target <span class="nowrap">≤ 1 h</span>)</span>'
    ]
