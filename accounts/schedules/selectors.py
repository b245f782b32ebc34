"""Reads of schedules: which plan applies to a team, laid out for the business-time arithmetic."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import Team

from .business_time import WeeklyPlan
from .models import Schedule


def _plan(schedule: Schedule, team: Team) -> WeeklyPlan:
    weekdays: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for interval in sorted(schedule.intervals.all(), key=lambda i: (i.weekday, i.start_minute)):
        weekdays[interval.weekday].append((interval.start_minute, interval.end_minute))
    return WeeklyPlan(
        zone=team.zone,
        weekdays=tuple(tuple(day) for day in weekdays),
        holidays=frozenset(holiday.date for holiday in schedule.holidays.all()),
    )


def schedules_by_team(team_ids: Iterable[int]) -> tuple[dict[int, Schedule], Schedule | None]:
    """The teams' own schedules by team id, and the org default (None if there is none)."""
    own: dict[int, Schedule] = {}
    default = None
    queryset = Schedule.objects.filter(team__in=list(team_ids)) | Schedule.objects.filter(team__isnull=True)
    for schedule in queryset.prefetch_related("intervals", "holidays"):
        if schedule.team_id is None:
            default = schedule
        else:
            own[schedule.team_id] = schedule
    return own, default


def plans_for_teams(teams: Iterable[Team]) -> dict[int, WeeklyPlan | None]:
    """Each team's plan: its own schedule, else the org default read in the team's zone, else None."""
    teams = list(teams)
    own, default = schedules_by_team(team.pk for team in teams)
    plans: dict[int, WeeklyPlan | None] = {}
    for team in teams:
        schedule = own.get(team.pk, default)
        plans[team.pk] = _plan(schedule, team) if schedule is not None else None
    return plans


def schedule_applying(team: Team) -> Schedule | None:
    """The schedule a team's business seconds follow: its own, else the org default, else None."""
    own, default = schedules_by_team([team.pk])
    return own.get(team.pk, default)


def teams_following(schedule: Schedule) -> list[Team]:
    """The teams whose business seconds a schedule sets: its team, or (org default) every team without its own."""
    if schedule.team_id is not None:
        return [schedule.team]
    return list(Team.objects.exclude(schedules__isnull=False))


def weekly_hours(schedule: Schedule | None) -> float:
    """Open hours in a week (no holidays), e.g. 40.0."""
    if schedule is None:
        return 0.0
    return sum(i.end_minute - i.start_minute for i in schedule.intervals.all()) / 60


def week_of(schedule: Schedule | None) -> dict[int, list[tuple[int, int]]]:
    """{weekday: [(start minute, end minute), …]} of a schedule (empty when None)."""
    week: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
    if schedule is not None:
        for interval in schedule.intervals.all():
            week[interval.weekday].append((interval.start_minute, interval.end_minute))
    return week


def schedule_list_rows(teams: Iterable[Team]) -> tuple[Schedule | None, list[dict]]:
    """The org default and, per team, the schedule it follows ("own", "org default" or none)."""
    teams = list(teams)
    own, default = schedules_by_team(team.pk for team in teams)
    rows = []
    for team in teams:
        schedule = own.get(team.pk, default)
        rows.append(
            {
                "team": team,
                "follows": "own" if team.pk in own else ("default" if default is not None else "none"),
                "weekly_hours": weekly_hours(schedule),
                "holidays": len(schedule.holidays.all()) if schedule is not None else 0,
            }
        )
    return default, rows
