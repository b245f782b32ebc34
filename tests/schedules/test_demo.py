"""Demo schedules: every demo team has opening hours in its zone and its country's holidays, and every demo
ticket carries Pulse's business seconds — the same figures a recompute gives."""

import datetime as dt

from accounts.demo import demo_organisation_create
from accounts.models import Team
from accounts.schedules.models import HolidaySource, Schedule
from accounts.schedules.services import business_seconds_recompute
from tickets.models import BusinessSecondsSource, Ticket

END_DATE = dt.date(2026, 1, 11)  # the demo spans Christmas and New Year


def test_demo_teams_get_schedules_holidays_and_business_seconds(db):
    summary = demo_organisation_create(teams=2, agents_per_team=2, days=30, end_date=END_DATE)
    falcons, orcas = Team.objects.get(slug="falcons"), Team.objects.get(slug="orcas")
    assert Schedule.objects.filter(team__isnull=True).exists()  # the org default for new teams
    london = Schedule.objects.get(team=falcons)
    assert (london.holiday_country, london.holiday_subdivision) == ("GB", "ENG")
    assert london.holidays.filter(date=dt.date(2025, 12, 25), source=HolidaySource.IMPORTED).exists()
    assert london.holidays.filter(date=dt.date(2026, 1, 1)).exists()
    # Orcas open a Saturday morning; Falcons do not.
    assert list(
        Schedule.objects.get(team=orcas).intervals.filter(weekday=5).values_list("start_minute", "end_minute")
    ) == [(540, 780)]
    assert not london.intervals.filter(weekday__gte=5).exists()

    tickets = Ticket.objects.all()
    assert tickets.count() == summary.tickets
    assert not tickets.exclude(business_seconds_source=BusinessSecondsSource.PULSE).exists()
    answered = tickets.filter(first_response_at__isnull=False)
    assert not answered.filter(first_response_business_seconds__isnull=True).exists()
    # Never more than the calendar time; and visibly less for some (nights, weekends, holidays).
    for ticket in answered.filter(solved_at__isnull=False):
        assert ticket.resolution_business_seconds <= (ticket.solved_at - ticket.created_at).total_seconds() + 1
    # A Falcons ticket created and answered on a Sunday in London counts no business time at all.
    sunday_answered = [
        t
        for t in answered.filter(team=falcons)
        if t.created_at.astimezone(falcons.zone).weekday() == 6
        and t.first_response_at.astimezone(falcons.zone).weekday() == 6
    ]
    assert sunday_answered
    assert {t.first_response_business_seconds for t in sunday_answered} == {0}
    # Ingestion and recompute agree exactly: a backfill changes nothing.
    assert business_seconds_recompute(teams=[falcons, orcas]).changed == 0
