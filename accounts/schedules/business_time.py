"""Business seconds between two moments under a weekly schedule: opening intervals as UTC instants and prefix sums.

A `WeeklyPlan` is what a schedule says (wall-clock intervals per weekday, holidays, the zone it is read in).
A `BusinessCalendar` lays the plan out for a range of local days as sorted, non-overlapping UTC intervals
with a running total of open seconds, so `seconds_between(a, b)` is two bisections and a subtraction —
no per-minute or per-day loop, whatever the span.

Wall clock and DST (one rule, deterministic): the schedule is open at every instant at which the team's wall
clock shows a time inside an opening interval of that local day. So
- an interval lasts the real seconds the clock spends in it: a 09:00–17:00 day is 8 h on DST days too, and a
  00:00–24:00 day lasts 23 h (spring) or 25 h (autumn) on the change days;
- wall-clock times that do not exist (the DST gap, e.g. 02:00–03:00 on 2026-03-29 in Europe/Paris) are never
  open: an interval 02:30–04:00 that day is open 03:00–04:00 CEST, 1 h;
- wall-clock times that occur twice (e.g. 02:00–03:00 on 2026-10-25 in Europe/Paris) are open both times:
  an interval 02:30–03:30 that day is open 90 min (02:30–03:00 CEST, then 02:30–03:30 CET).
A per-minute walk over the wall clock gives exactly these figures (the Hypothesis test checks it).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
UTC = dt.UTC


@dataclass(frozen=True)
class WeeklyPlan:
    """Opening intervals per weekday (0 = Monday) as (start minute, end minute) with 0 ≤ start < end ≤ 1440."""

    zone: ZoneInfo
    weekdays: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def intervals_on(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        if day in self.holidays:
            return ()
        return self.weekdays[day.weekday()]

    @property
    def is_open_ever(self) -> bool:
        return any(self.weekdays)


def _offset(zone: ZoneInfo, moment: float) -> float:
    """The zone's UTC offset (seconds) at an instant (epoch seconds)."""
    return dt.datetime.fromtimestamp(moment, tz=zone).utcoffset().total_seconds()


def _segments(zone: ZoneInfo, low: float, high: float) -> list[tuple[float, float, float]]:
    """[low, high) cut where the zone's offset changes: (start, end, offset) pieces. Finds one change per window
    (transitions are months apart) to the second by bisection."""
    offset_low, offset_high = _offset(zone, low), _offset(zone, high)
    if offset_low == offset_high:
        return [(low, high, offset_low)]
    before, after = low, high  # offset(before) == offset_low, offset(after) != offset_low
    while after - before > 1:
        middle = (before + after) // 2
        if _offset(zone, middle) == offset_low:
            before = middle
        else:
            after = middle
    return [(low, after, offset_low), (after, high, _offset(zone, after))]


_EPOCH = dt.date(1970, 1, 1)
_WINDOW_BEFORE = 15 * 3600  # offsets lie within −12 h … +14 h
_WINDOW_AFTER = 39 * 3600


def day_pieces(day: dt.date, intervals: tuple[tuple[int, int], ...], zone: ZoneInfo) -> list[tuple[float, float]]:
    """The UTC instants (epoch seconds) at which the wall clock in `zone` shows `day` and a time inside one of
    the intervals — unsorted, possibly adjacent pieces."""
    if not intervals:
        return []
    naive_midnight = (day - _EPOCH).days * 86400  # the wall-clock midnight read as if it were UTC
    pieces: list[tuple[float, float]] = []
    for low, high, offset in _segments(zone, naive_midnight - _WINDOW_BEFORE, naive_midnight + _WINDOW_AFTER):
        for start_minute, end_minute in intervals:
            start = max(low, naive_midnight + start_minute * 60 - offset)
            end = min(high, naive_midnight + end_minute * 60 - offset)
            if end > start:
                pieces.append((start, end))
    return pieces


class BusinessCalendar:
    """A plan laid out over local days `date_from`..`date_to` (inclusive) as UTC intervals with prefix sums.

    Moments outside the laid-out range count as closed; build the calendar over every day the moments touch
    (`calendar_for` does).
    """

    def __init__(self, plan: WeeklyPlan, date_from: dt.date, date_to: dt.date) -> None:
        self.plan = plan
        self.date_from = date_from
        self.date_to = date_to
        starts: list[float] = []
        ends: list[float] = []
        cumulative: list[float] = [0.0]  # cumulative[i]: open seconds before interval i
        pieces: list[tuple[float, float]] = []
        day = date_from
        one = dt.timedelta(days=1)
        while day <= date_to:
            pieces.extend(day_pieces(day, plan.intervals_on(day), plan.zone))
            day += one
        for start, end in sorted(pieces):  # merge what touches (a day's 24:00 and the next 00:00, a repeated hour)
            if starts and start <= ends[-1]:
                if end > ends[-1]:
                    cumulative[-1] += end - ends[-1]
                    ends[-1] = end
                continue
            starts.append(start)
            ends.append(end)
            cumulative.append(cumulative[-1] + (end - start))
        self.starts = starts
        self.ends = ends
        self.cumulative = cumulative

    def open_seconds_before(self, moment: float) -> float:
        """Open seconds from the start of the range to `moment` (epoch seconds)."""
        index = bisect.bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0.0
        inside = min(moment, self.ends[index]) - self.starts[index]
        return self.cumulative[index] + inside

    def seconds_between(self, start: dt.datetime | None, end: dt.datetime | None) -> int | None:
        """Whole business seconds from `start` to `end` (aware datetimes); None when either is None."""
        if start is None or end is None:
            return None
        value = self.open_seconds_before(end.timestamp()) - self.open_seconds_before(start.timestamp())
        return max(0, round(value))


def calendar_for(plan: WeeklyPlan, moments: Iterable[dt.datetime | None]) -> BusinessCalendar:
    """A calendar covering every local day the given moments fall on (one spare day either side)."""
    days = [moment.astimezone(plan.zone).date() for moment in moments if moment is not None]
    if not days:
        today = dt.date.today()
        return BusinessCalendar(plan, today, today)
    one = dt.timedelta(days=1)
    return BusinessCalendar(plan, min(days) - one, max(days) + one)


def business_seconds(plan: WeeklyPlan, start: dt.datetime, end: dt.datetime) -> int:
    """Business seconds from `start` to `end` under `plan` (a one-off; batches build one calendar)."""
    return calendar_for(plan, [start, end]).seconds_between(start, end) or 0
