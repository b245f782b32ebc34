"""Local calendar days: the one helper that turns UTC moments into a team's days and back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_date(moment: dt.datetime, zone: ZoneInfo | str) -> dt.date:
    """The calendar day of an aware `moment` in `zone`."""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return moment.astimezone(zone).date()


def utc_bounds(date_from: dt.date, date_to: dt.date, zone: ZoneInfo | str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC covering the local days date_from..date_to (inclusive) in `zone`."""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
