"""Demo schedules: each demo team gets opening hours in its own zone and its country's public holidays, so the
business-hours figures show weekend and holiday effects. Called by `accounts.demo` before tickets are written."""

from __future__ import annotations

import datetime as dt

from accounts.models import Team

from .services import holidays_import, schedule_save

# The public holidays of each demo team's zone: (country, subdivision) for the `holidays` library.
DEMO_HOLIDAY_REGIONS = {
    "Europe/London": ("GB", "ENG"),
    "America/New_York": ("US", "NY"),
    "Asia/Kolkata": ("IN", ""),
    "Australia/Sydney": ("AU", "NSW"),
    "America/Sao_Paulo": ("BR", "SP"),
    "Europe/Berlin": ("DE", "BE"),
    "Asia/Tokyo": ("JP", ""),
    "America/Los_Angeles": ("US", "CA"),
}
WEEKDAYS_NINE_TO_FIVE = {day: [(9 * 60, 17 * 60)] for day in range(5)}
# The second demo team (Orcas) opens longer on weekdays and a Saturday morning.
EXTENDED_WITH_SATURDAY = {**{day: [(8 * 60, 18 * 60)] for day in range(5)}, 5: [(9 * 60, 13 * 60)]}


def demo_schedules_create(*, teams: list[Team], date_from: dt.date, date_to: dt.date) -> None:
    """The org default (Mon–Fri 09:00–17:00) and one schedule per team with its country's holidays."""
    schedule_save(actor=None, team=None, weekdays=WEEKDAYS_NINE_TO_FIVE)
    for index, team in enumerate(teams):
        schedule = schedule_save(
            actor=None, team=team, weekdays=EXTENDED_WITH_SATURDAY if index == 1 else WEEKDAYS_NINE_TO_FIVE
        )
        country, subdivision = DEMO_HOLIDAY_REGIONS.get(team.timezone, ("", ""))
        if country:
            holidays_import(
                actor=None,
                schedule=schedule,
                country=country,
                subdivision=subdivision,
                year_from=date_from.year,
                year_to=date_to.year,
            )
