"""The business-time arithmetic: exact business seconds across weekends, holidays, DST and closed hours,
and a Hypothesis check against a per-minute walk of the wall clock."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.schedules.business_time import BusinessCalendar, WeeklyPlan, business_seconds, calendar_for

PARIS = ZoneInfo("Europe/Paris")
NINE_TO_FIVE = (540, 1020)
WEEKDAYS_NINE_TO_FIVE = ((NINE_TO_FIVE,),) * 5 + ((), ())


def plan(weekdays=WEEKDAYS_NINE_TO_FIVE, holidays=(), zone=PARIS) -> WeeklyPlan:
    return WeeklyPlan(zone=zone, weekdays=tuple(tuple(day) for day in weekdays), holidays=frozenset(holidays))


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_a_weekend_counts_nothing():
    # Friday 2026-03-06 16:00 → Monday 2026-03-09 10:00: 1 h on Friday, 1 h on Monday.
    assert business_seconds(plan(), paris(2026, 3, 6, 16), paris(2026, 3, 9, 10)) == 7200


def test_a_holiday_counts_nothing():
    # Thursday 2026-04-30 16:00 → Monday 2026-05-04 10:00, Friday 1 May a holiday: 1 h + 1 h.
    assert business_seconds(plan(holidays=[dt.date(2026, 5, 1)]), paris(2026, 4, 30, 16), paris(2026, 5, 4, 10)) == (
        7200
    )
    # The same span without the holiday: 1 h + 8 h + 1 h.
    assert business_seconds(plan(), paris(2026, 4, 30, 16), paris(2026, 5, 4, 10)) == 36000


def test_created_before_opening_counts_from_the_opening():
    # Created Monday 07:00, answered 09:30: 30 min.
    assert business_seconds(plan(), paris(2026, 3, 2, 7), paris(2026, 3, 2, 9, 30)) == 1800
    # Created Saturday, answered Monday 09:15: 15 min.
    assert business_seconds(plan(), paris(2026, 3, 7, 11), paris(2026, 3, 9, 9, 15)) == 900


def test_solved_after_closing_counts_to_the_closing():
    # Created Monday 16:00, solved Monday 20:00: 1 h; solved Tuesday 06:00: still 1 h.
    assert business_seconds(plan(), paris(2026, 3, 2, 16), paris(2026, 3, 2, 20)) == 3600
    assert business_seconds(plan(), paris(2026, 3, 2, 16), paris(2026, 3, 3, 6)) == 3600


def test_created_and_solved_while_closed_is_zero():
    assert business_seconds(plan(), paris(2026, 3, 2, 18), paris(2026, 3, 2, 23)) == 0


def test_several_intervals_a_day():
    lunch_break = (((540, 720), (780, 1020)),) * 5 + ((), ())
    # 11:00 → 14:00 with 12:00–13:00 closed: 2 h.
    assert business_seconds(plan(lunch_break), paris(2026, 3, 2, 11), paris(2026, 3, 2, 14)) == 7200
    # A whole day: 3 h + 4 h.
    assert business_seconds(plan(lunch_break), paris(2026, 3, 2, 0), paris(2026, 3, 3, 0)) == 25200


def test_nine_to_five_is_eight_hours_on_both_dst_sundays():
    every_day = ((NINE_TO_FIVE,),) * 7
    # 2026-03-29 (clocks 02:00 → 03:00) and 2026-10-25 (03:00 → 02:00) in Paris are Sundays.
    assert business_seconds(plan(every_day), paris(2026, 3, 29), paris(2026, 3, 30)) == 28800
    assert business_seconds(plan(every_day), paris(2026, 10, 25), paris(2026, 10, 26)) == 28800


def test_a_24_hour_day_lasts_23_and_25_hours_on_dst_days():
    always = (((0, 1440),),) * 7
    assert business_seconds(plan(always), paris(2026, 3, 29), paris(2026, 3, 30)) == 23 * 3600
    assert business_seconds(plan(always), paris(2026, 10, 25), paris(2026, 10, 26)) == 25 * 3600
    # Saturday → Monday across the spring change: 24 h + 23 h.
    assert business_seconds(plan(always), paris(2026, 3, 28), paris(2026, 3, 30)) == 47 * 3600


def test_an_interval_in_the_dst_gap_opens_only_when_the_clock_exists():
    # 02:30–04:00 on 2026-03-29: the clock jumps from 02:00 to 03:00, so open 03:00–04:00 CEST.
    sunday_only = ((),) * 6 + (((150, 240),),)
    assert business_seconds(plan(sunday_only), paris(2026, 3, 29), paris(2026, 3, 30)) == 3600
    # An interval wholly inside the gap never opens.
    inside_gap = ((),) * 6 + (((125, 175),),)
    assert business_seconds(plan(inside_gap), paris(2026, 3, 29), paris(2026, 3, 30)) == 0


def test_an_interval_in_the_repeated_hour_opens_both_times():
    # 02:30–03:30 on 2026-10-25: 02:30–03:00 CEST, then 02:30–03:30 CET: 90 min.
    sunday_only = ((),) * 6 + (((150, 210),),)
    assert business_seconds(plan(sunday_only), paris(2026, 10, 25), paris(2026, 10, 26)) == 5400
    # Measured in UTC: 00:30Z–01:00Z and 01:30Z–02:30Z; a ticket from 00:45Z to 01:45Z overlaps 15 + 15 min.
    utc = dt.UTC
    start, end = dt.datetime(2026, 10, 25, 0, 45, tzinfo=utc), dt.datetime(2026, 10, 25, 1, 45, tzinfo=utc)
    assert business_seconds(plan(sunday_only), start, end) == 1800


def test_moments_in_other_zones_are_the_same_instants():
    new_york = ZoneInfo("America/New_York")
    # Monday 2026-03-02 10:00 Paris = 04:00 New York; 12:00 Paris = 06:00 New York: 2 h of Paris hours.
    start = paris(2026, 3, 2, 10).astimezone(new_york)
    assert business_seconds(plan(), start, paris(2026, 3, 2, 12)) == 7200


def test_no_opening_at_all_gives_zero():
    assert business_seconds(plan(((),) * 7), paris(2026, 3, 2), paris(2026, 3, 9)) == 0


def test_missing_end_is_none():
    calendar = calendar_for(plan(), [paris(2026, 3, 2, 9)])
    assert calendar.seconds_between(paris(2026, 3, 2, 9), None) is None


def test_sub_second_moments_round_to_whole_seconds():
    start = paris(2026, 3, 2, 9, 0, 0, 400000)
    end = paris(2026, 3, 2, 9, 0, 10, 0)
    assert business_seconds(plan(), start, end) == 10  # 9.6 s rounds to 10


# ---- against a per-minute reference -----------------------------------------------------------------------

ZONES = ["Europe/Paris", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]
# Days around the changes: Paris/New York in March and October/November, Lord Howe's 30-min change in April/October.
ANCHORS = [dt.datetime(2026, 3, 7), dt.datetime(2026, 3, 27), dt.datetime(2026, 10, 23), dt.datetime(2026, 4, 3)]


def reference_seconds(weekplan: WeeklyPlan, start: dt.datetime, end: dt.datetime) -> int:
    """Walk minute by minute (UTC) and count the minutes whose wall-clock time in the zone is open."""
    total = 0
    moment = start
    while moment < end:
        local = moment.astimezone(weekplan.zone)
        minute = local.hour * 60 + local.minute
        if any(s <= minute < e for s, e in weekplan.intervals_on(local.date())):
            total += 60
        moment += dt.timedelta(minutes=1)
    return total


@st.composite
def weekly_plans(draw):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    weekdays = []
    for _ in range(7):
        # Up to three intervals on a 30-minute grid, sorted, not overlapping.
        cuts = sorted(set(draw(st.lists(st.integers(0, 48), max_size=6))))
        pairs = [(cuts[i] * 30, cuts[i + 1] * 30) for i in range(0, len(cuts) - 1, 2)]
        weekdays.append(tuple(pairs))
    anchor = draw(st.sampled_from(ANCHORS))
    holidays = draw(st.sets(st.dates(anchor.date(), anchor.date() + dt.timedelta(days=5)), max_size=2))
    return WeeklyPlan(zone=zone, weekdays=tuple(weekdays), holidays=frozenset(holidays)), anchor


@settings(max_examples=200, deadline=None)
@given(
    plan_and_anchor=weekly_plans(),
    offset=st.integers(0, 3 * 24 * 60),
    length=st.integers(0, 2 * 24 * 60),
    split=st.floats(0, 1),
)
def test_matches_a_per_minute_walk_and_adds_up(plan_and_anchor, offset, length, split):
    weekplan, anchor = plan_and_anchor
    start = anchor.replace(tzinfo=dt.UTC) + dt.timedelta(minutes=offset)
    end = start + dt.timedelta(minutes=length)
    middle = start + dt.timedelta(minutes=int(length * split))
    calendar = calendar_for(weekplan, [start, end])
    total = calendar.seconds_between(start, end)
    assert total == reference_seconds(weekplan, start, end)
    assert 0 <= total <= length * 60  # never more than the calendar time
    assert total == calendar.seconds_between(start, middle) + calendar.seconds_between(middle, end)  # additive


def test_a_wider_calendar_gives_the_same_figure():
    weekplan = plan()
    start, end = paris(2026, 3, 6, 16), paris(2026, 3, 9, 10)
    wide = BusinessCalendar(weekplan, dt.date(2025, 1, 1), dt.date(2027, 12, 31))
    assert wide.seconds_between(start, end) == 7200
