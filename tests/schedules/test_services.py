"""Schedule writes: business seconds at ingestion, recomputed on a change, exactly the changed days dirty,
field errors, write rules and the audit trail."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from accounts.schedules.models import Holiday, HolidaySource, Schedule, ScheduleInterval
from accounts.schedules.services import (
    holiday_add,
    holiday_remove,
    holidays_import,
    schedule_delete,
    schedule_save,
)
from kpis.models import DirtyDay
from tests.factories import AgentFactory
from tickets.models import BusinessSecondsSource, Ticket
from tickets.services import tickets_upsert

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = {day: [(540, 1020)] for day in range(5)}


def at(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def record(external_id, team, created, first_response=None, solved=None, **extra):
    return {
        "external_id": external_id,
        "channel": "email",
        "status": "solved" if solved else "open",
        "team_slug": team.slug,
        "created_at": created,
        "first_response_at": first_response,
        "solved_at": solved,
        **extra,
    }


def figures(external_id):
    ticket = Ticket.objects.get(external_id=external_id)
    return ticket.first_response_business_seconds, ticket.resolution_business_seconds, ticket.business_seconds_source


def dirty_days():
    return set(DirtyDay.objects.values_list("team_id", "date"))


# ---- at ingestion ---------------------------------------------------------------------------------------------


def test_ingestion_computes_business_seconds_from_the_team_schedule(team):
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    # Friday 16:00 → first response Monday 10:00 (1 h + 1 h), solved Monday 12:00 (1 h + 3 h).
    tickets_upsert(
        records=[record("T-1", team, at(PARIS, 2026, 3, 6, 16), at(PARIS, 2026, 3, 9, 10), at(PARIS, 2026, 3, 9, 12))],
        actor=None,
    )
    assert figures("T-1") == (7200, 14400, BusinessSecondsSource.PULSE)


def test_an_open_ticket_has_no_resolution_figure(team):
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    tickets_upsert(records=[record("T-1", team, at(PARIS, 2026, 3, 2, 7), at(PARIS, 2026, 3, 2, 9, 30))], actor=None)
    assert figures("T-1") == (1800, None, BusinessSecondsSource.PULSE)  # created before opening: from 09:00


def test_no_schedule_anywhere_leaves_the_figures_empty(team):
    tickets_upsert(
        records=[record("T-1", team, at(PARIS, 2026, 3, 2, 9), at(PARIS, 2026, 3, 2, 10), at(PARIS, 2026, 3, 2, 11))],
        actor=None,
    )
    assert figures("T-1") == (None, None, BusinessSecondsSource.NONE)


def test_org_default_applies_in_each_teams_own_zone_and_a_team_schedule_wins(team, other_team):
    schedule_save(actor=None, team=None, weekdays=NINE_TO_FIVE)
    schedule_save(actor=None, team=team, weekdays={day: [(480, 720)] for day in range(5)})  # Paris: 08:00–12:00
    tickets_upsert(
        records=[
            # New York follows the default 09:00–17:00 in New York time: 08:00 → 10:00 is 1 h.
            record("NY-1", other_team, at(NEW_YORK, 2026, 3, 2, 8), at(NEW_YORK, 2026, 3, 2, 10)),
            # Paris follows its own 08:00–12:00: 07:00 → 13:00 is 4 h.
            record("PA-1", team, at(PARIS, 2026, 3, 2, 7), at(PARIS, 2026, 3, 2, 13)),
        ],
        actor=None,
    )
    assert figures("NY-1") == (3600, None, BusinessSecondsSource.PULSE)
    assert figures("PA-1") == (14400, None, BusinessSecondsSource.PULSE)


def test_the_helpdesks_own_figures_are_kept(team):
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    tickets_upsert(
        records=[
            record(
                "ZD-1",
                team,
                at(PARIS, 2026, 3, 6, 16),
                at(PARIS, 2026, 3, 9, 10),
                at(PARIS, 2026, 3, 9, 12),
                business_seconds_source="helpdesk",
                first_response_business_seconds=60,
                resolution_business_seconds=120,
            )
        ],
        actor=None,
    )
    assert figures("ZD-1") == (60, 120, BusinessSecondsSource.HELPDESK)
    schedule_save(actor=None, team=team, weekdays={day: [(0, 1440)] for day in range(7)})
    assert figures("ZD-1") == (60, 120, BusinessSecondsSource.HELPDESK)  # a schedule change leaves them


# ---- a change recomputes exactly what it changes ------------------------------------------------------------


@pytest.fixture
def may_tickets(team, other_team):
    """Paris 09:00–17:00 Mon–Fri; tickets around Friday 1 May 2026."""
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    tickets_upsert(
        records=[
            # Thursday 16:00, answered 16:30, solved Monday 4 May 10:00: spans Friday 1 May.
            record("A", team, at(PARIS, 2026, 4, 30, 16), at(PARIS, 2026, 4, 30, 16, 30), at(PARIS, 2026, 5, 4, 10)),
            # Tuesday 5 May, within the day.
            record("B", team, at(PARIS, 2026, 5, 5, 9), at(PARIS, 2026, 5, 5, 10), at(PARIS, 2026, 5, 5, 15)),
            # Another team (no schedule): untouched by this team's changes.
            record("C", other_team, at(NEW_YORK, 2026, 4, 30, 9), None, at(NEW_YORK, 2026, 5, 4, 9)),
        ],
        actor=None,
    )
    assert figures("A") == (1800, 36000, BusinessSecondsSource.PULSE)  # 1 h + 8 h + 1 h
    assert figures("B") == (3600, 21600, BusinessSecondsSource.PULSE)
    DirtyDay.objects.all().delete()


def test_a_holiday_recomputes_the_tickets_across_it_and_marks_only_their_changed_days(team, leader, may_tickets):
    schedule = Schedule.objects.get(team=team)
    holiday = holiday_add(actor=leader, schedule=schedule, date=dt.date(2026, 5, 1), name="Fête du Travail")
    assert figures("A") == (1800, 7200, BusinessSecondsSource.PULSE)  # Friday no longer counts
    assert figures("B") == (3600, 21600, BusinessSecondsSource.PULSE)
    assert figures("C") == (None, None, BusinessSecondsSource.NONE)
    # Only A's resolution changed: its solved day (Monday 4 May) — not its created/first-response day.
    assert dirty_days() == {(team.pk, dt.date(2026, 5, 4))}
    event = AuditEvent.objects.get(action="schedule.holiday_add")
    assert event.after == {"date": "2026-05-01", "name": "Fête du Travail", "source": "manual"}
    assert event.actor == leader

    DirtyDay.objects.all().delete()
    holiday_remove(actor=leader, holiday=holiday)
    assert figures("A") == (1800, 36000, BusinessSecondsSource.PULSE)
    assert dirty_days() == {(team.pk, dt.date(2026, 5, 4))}
    assert AuditEvent.objects.filter(action="schedule.holiday_remove").count() == 1


def test_a_weekly_change_recomputes_all_the_teams_tickets(team, other_team, may_tickets):
    schedule_save(actor=None, team=team, weekdays={day: [(540, 720)] for day in range(5)})  # mornings only
    # A: first response 16:30 → now closed all afternoon: 0; resolution Thursday none, Friday 3 h, Monday 1 h.
    assert figures("A") == (0, 14400, BusinessSecondsSource.PULSE)
    # B: 09:00 → 10:00 still 1 h (unchanged); solved 15:00 → 3 h.
    assert figures("B") == (3600, 10800, BusinessSecondsSource.PULSE)
    assert figures("C") == (None, None, BusinessSecondsSource.NONE)
    # A's first-response day (30 April) and solved day (4 May); B's solved day (5 May) — its unchanged
    # first response marks nothing more (same day anyway).
    assert dirty_days() == {
        (team.pk, dt.date(2026, 4, 30)),
        (team.pk, dt.date(2026, 5, 4)),
        (team.pk, dt.date(2026, 5, 5)),
    }
    event = AuditEvent.objects.get(action="schedule.update")
    assert event.before["monday"] == ["09:00-17:00"]
    assert event.after["monday"] == ["09:00-12:00"]
    assert event.after["saturday"] == []


def test_an_unchanged_save_marks_nothing(team, may_tickets):
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    assert dirty_days() == set()


def test_the_org_default_change_reaches_only_teams_without_their_own(team, other_team, may_tickets):
    schedule_save(actor=None, team=None, weekdays={day: [(0, 1440)] for day in range(7)})
    # C (New York): Thursday 09:00 → Monday 09:00 around the clock: 4 days.
    assert figures("C") == (None, 4 * 86400, BusinessSecondsSource.PULSE)
    assert figures("A") == (1800, 36000, BusinessSecondsSource.PULSE)  # Paris has its own
    assert dirty_days() == {(other_team.pk, dt.date(2026, 5, 4))}


def test_removing_a_team_schedule_falls_back_to_the_default_or_to_nothing(team, may_tickets):
    schedule_delete(actor=None, schedule=Schedule.objects.get(team=team))
    assert figures("A") == (None, None, BusinessSecondsSource.NONE)
    assert AuditEvent.objects.filter(action="schedule.delete").count() == 1
    assert dirty_days() == {
        (team.pk, dt.date(2026, 4, 30)),
        (team.pk, dt.date(2026, 5, 4)),
        (team.pk, dt.date(2026, 5, 5)),
    }


def test_a_large_change_goes_to_the_refresh_task(team, may_tickets, settings, django_capture_on_commit_callbacks):
    settings.SCHEDULE_RECOMPUTE_INLINE_LIMIT = 1  # two tickets of the team can move: queued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule_save(actor=None, team=team, weekdays={day: [(540, 720)] for day in range(5)})
    assert figures("A") == (1800, 36000, BusinessSecondsSource.PULSE)  # not yet
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = previous
    assert figures("A") == (0, 14400, BusinessSecondsSource.PULSE)
    assert (team.pk, dt.date(2026, 5, 4)) in dirty_days()


def test_the_task_is_routed_to_the_refresh_queue():
    from django.conf import settings as django_settings

    from accounts.schedules.tasks import recompute_business_seconds
    from config.celery_app import app

    route = app.amqp.router.route({}, recompute_business_seconds.name)
    assert route["queue"].name == "refresh"
    assert django_settings.CELERY_TASK_ROUTES["schedules.*"] == {"queue": "refresh"}


# ---- field errors, all or nothing, rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "weekdays, field, message",
    [
        ({0: [(540, 720), (700, 1020)]}, "monday", "09:00-12:00 and 11:40-17:00 overlap."),
        ({2: [(600, 540)]}, "wednesday", "10:00-09:00: the end must be after the start."),
        ({6: [(0, 1500)]}, "sunday", "Times run from 00:00 to 24:00."),
    ],
)
def test_bad_intervals_are_field_errors_and_nothing_is_written(team, weekdays, field, message):
    with pytest.raises(ValidationError) as caught:
        schedule_save(actor=None, team=team, weekdays=weekdays)
    assert caught.value.message_dict == {field: [message]}
    assert not Schedule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="schedule.").exists()


def test_a_24_hour_day_and_several_intervals_are_accepted(team):
    schedule = schedule_save(actor=None, team=team, weekdays={0: [(0, 1440)], 1: [(780, 1020), (540, 720)]})
    assert list(schedule.intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (0, 0, 1440),
        (1, 540, 720),
        (1, 780, 1020),
    ]


def test_who_may_edit(team, other_team, leader, other_leader, admin_user, hr):
    schedule_save(actor=leader, team=team, weekdays=NINE_TO_FIVE)  # a leader: the teams they lead
    with pytest.raises(PermissionDenied):
        schedule_save(actor=other_leader, team=team, weekdays=NINE_TO_FIVE)
    with pytest.raises(PermissionDenied):
        schedule_save(actor=leader, team=None, weekdays=NINE_TO_FIVE)  # the org default: admins only
    with pytest.raises(PermissionDenied):
        schedule_save(actor=hr, team=team, weekdays=NINE_TO_FIVE)
    agent = AgentFactory(username="ann", email="ann@example.com", team=team)
    with pytest.raises(PermissionDenied):
        holiday_add(actor=agent, schedule=Schedule.objects.get(team=team), date=dt.date(2026, 1, 2), name="x")
    schedule_save(actor=admin_user, team=None, weekdays=NINE_TO_FIVE)
    schedule_save(actor=admin_user, team=other_team, weekdays=NINE_TO_FIVE)
    assert Schedule.objects.count() == 3


def test_a_new_team_schedule_starts_with_the_defaults_holidays(team):
    default = schedule_save(actor=None, team=None, weekdays=NINE_TO_FIVE)
    holiday_add(actor=None, schedule=default, date=dt.date(2026, 12, 24), name="Christmas Eve")
    own = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    assert list(own.holidays.values_list("date", "name", "source")) == [
        (dt.date(2026, 12, 24), "Christmas Eve", HolidaySource.MANUAL)
    ]


def test_holiday_field_errors(team):
    schedule = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    holiday_add(actor=None, schedule=schedule, date=dt.date(2026, 5, 1), name="Fête du Travail")
    with pytest.raises(ValidationError) as caught:
        holiday_add(actor=None, schedule=schedule, date=dt.date(2026, 5, 1), name=" ")
    assert caught.value.message_dict == {
        "name": ["Give the holiday a name."],
        "date": ["This date is already a holiday."],
    }
    assert Holiday.objects.count() == 1


def test_importing_a_countrys_holidays_keeps_manual_ones_and_is_repeatable(team):
    schedule = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    holiday_add(actor=None, schedule=schedule, date=dt.date(2026, 5, 1), name="Our own May Day")
    holiday_add(actor=None, schedule=schedule, date=dt.date(2026, 12, 24), name="Christmas Eve")
    added, removed = holidays_import(actor=None, schedule=schedule, country="fr", year_from=2026, year_to=2026)
    # France has 11 public holidays in 2026; 1 May is already a manual one.
    assert (added, removed) == (10, 0)
    imported = dict(schedule.holidays.filter(source=HolidaySource.IMPORTED).values_list("date", "name"))
    assert imported[dt.date(2026, 7, 14)] == "National Day"
    assert imported[dt.date(2026, 4, 6)] == "Easter Monday"
    assert schedule.holidays.get(date=dt.date(2026, 5, 1)).name == "Our own May Day"
    assert schedule.holidays.count() == 12
    schedule.refresh_from_db()
    assert (schedule.holiday_country, schedule.holiday_subdivision) == ("FR", "")
    assert holidays_import(actor=None, schedule=schedule, country="FR", year_from=2026, year_to=2026) == (0, 0)
    assert AuditEvent.objects.filter(action="schedule.holidays_import").count() == 2


def test_importing_a_subdivisions_holidays(team):
    schedule = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    holidays_import(actor=None, schedule=schedule, country="DE", subdivision="by", year_from=2026, year_to=2026)
    # Bavaria keeps Epiphany (6 January); Berlin would not.
    assert schedule.holidays.filter(date=dt.date(2026, 1, 6)).exists()


@pytest.mark.parametrize(
    "kwargs, errors",
    [
        (
            {"country": "XX"},
            {"country": ["“XX” is not a country the holidays library knows (ISO 3166-1 alpha-2, e.g. FR)."]},
        ),
        ({"year_from": 2027, "year_to": 2026}, {"year_to": ["The last year cannot be before the first."]}),
        ({"year_from": 2020, "year_to": 2035}, {"year_to": ["Import at most 10 years at a time."]}),
        ({"year_from": 1800}, {"year_from": ["Give a year between 1970 and 2100."]}),
    ],
)
def test_import_field_errors(team, kwargs, errors):
    schedule = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    arguments = {"country": "FR", "year_from": 2026, "year_to": 2026, **kwargs}
    with pytest.raises(ValidationError) as caught:
        holidays_import(actor=None, schedule=schedule, **arguments)
    assert caught.value.message_dict == errors
    assert not schedule.holidays.exists()


def test_interval_rows_cannot_break_the_order_rule_in_the_database(team):
    from django.db import IntegrityError, transaction

    schedule = schedule_save(actor=None, team=team, weekdays={})
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleInterval.objects.create(schedule=schedule, weekday=0, start_minute=600, end_minute=600)


def test_one_schedule_per_team_and_one_default_in_the_database(team):
    from django.db import IntegrityError, transaction

    Schedule.objects.create(team=None)
    Schedule.objects.create(team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(team=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(team=team)


def test_the_backfill_command(team, other_team, may_tickets):
    from io import StringIO

    from django.core.management import CommandError, call_command

    Ticket.objects.filter(external_id="A").update(
        first_response_business_seconds=None, resolution_business_seconds=None, business_seconds_source=""
    )
    out = StringIO()
    call_command("recompute_business_seconds", "--team", team.slug, stdout=out)
    assert figures("A") == (1800, 36000, BusinessSecondsSource.PULSE)
    assert "falcons: 1 of 2 tickets changed" in out.getvalue()
    assert dirty_days() == {(team.pk, dt.date(2026, 4, 30)), (team.pk, dt.date(2026, 5, 4))}
    with pytest.raises(CommandError, match=r"No team with slug “nope”\."):
        call_command("recompute_business_seconds", "--team", "nope")


def test_iso_strings_as_the_api_sends_them(team):
    schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    tickets_upsert(
        records=[record("T-1", team, "2026-03-06T16:00:00+01:00", "2026-03-09T10:00:00+01:00", "2026-03-09T12:00:00Z")],
        actor=None,
    )
    # Friday 16:00 → Monday 10:00 Paris: 2 h; → Monday 13:00 Paris (12:00Z): 1 h + 4 h.
    assert figures("T-1") == (7200, 18000, BusinessSecondsSource.PULSE)
