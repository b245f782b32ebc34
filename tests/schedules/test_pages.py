"""The schedule pages: who sees and edits what (404 out of scope), field errors in the forms, the links."""

import datetime as dt

import pytest

from accounts.models import AuditEvent
from accounts.schedules.models import Holiday, HolidaySource, Schedule
from accounts.schedules.services import schedule_save
from tests.factories import AgentFactory

NINE_TO_FIVE = {day: [(540, 1020)] for day in range(5)}


def week_post(**days):
    data = {"action": "week", **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "")}
    data.update({"saturday": "", "sunday": ""})
    data.update(days)
    return data


@pytest.fixture
def team_schedule(team):
    return schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)


def test_agents_see_no_schedule_page(client, agent, team_schedule, team):
    client.force_login(agent)
    assert client.get("/schedules/").status_code == 404
    assert client.get("/schedules/default/").status_code == 404
    assert client.get(f"/schedules/teams/{team.slug}/").status_code == 404


def test_a_leader_lists_the_teams_they_lead_only(client, leader, team, other_team):
    client.force_login(leader)
    response = client.get("/schedules/")
    assert response.status_code == 200
    assert [row["team"] for row in response.context["rows"]] == [team]
    assert f"/schedules/teams/{other_team.slug}/" not in response.content.decode()
    assert client.get(f"/schedules/teams/{other_team.slug}/").status_code == 404
    assert client.get("/schedules/teams/no-such-team/").status_code == 404


def test_the_list_says_what_each_team_follows_with_units(client, admin_user, team, other_team, team_schedule):
    client.force_login(admin_user)
    page = client.get("/schedules/").content.decode()
    assert "Its own schedule" in page  # Falcons
    assert "No schedule (no business-hours figures)" in page  # Owls, no default yet
    assert "Open (h a week)" in page
    assert "<td>40</td>" in page


def test_a_leader_edits_their_teams_hours(client, leader, team):
    client.force_login(leader)
    response = client.post(
        f"/schedules/teams/{team.slug}/", week_post(monday="09:00-12:00, 13:00-17:00", saturday="10:00-14:00")
    )
    assert response.status_code == 302
    schedule = Schedule.objects.get(team=team)
    assert list(schedule.intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (0, 540, 720),
        (0, 780, 1020),
        (5, 600, 840),
    ]
    assert AuditEvent.objects.get(action="schedule.create").actor == leader
    page = client.get(f"/schedules/teams/{team.slug}/").content.decode()
    assert 'value="09:00-12:00, 13:00-17:00"' in page
    assert "Open 11 h a week." in page


@pytest.mark.parametrize(
    "monday, message",
    [
        ("9-17", "“9-17” is not HH:MM-HH:MM (for example 09:00-17:00)."),
        ("09:00-12:00, 11:00-13:00", "09:00-12:00 and 11:00-13:00 overlap."),
        ("17:00-09:00", "17:00-09:00: the end must be after the start."),
        ("09:00-24:30", "“09:00-24:30”: times run from 00:00 to 24:00."),
    ],
)
def test_bad_hours_are_field_errors_and_nothing_is_saved(client, leader, team, monday, message):
    client.force_login(leader)
    response = client.post(f"/schedules/teams/{team.slug}/", week_post(monday=monday))
    assert response.status_code == 400
    assert response.context["week_form"].errors == {"monday": [message]}
    assert not Schedule.objects.exists()


def test_a_24_hour_day_is_accepted(client, leader, team):
    client.force_login(leader)
    assert client.post(f"/schedules/teams/{team.slug}/", week_post(sunday="00:00-24:00")).status_code == 302
    assert list(Schedule.objects.get(team=team).intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (6, 0, 1440)
    ]


def test_holidays_added_removed_and_imported(client, leader, team, team_schedule):
    client.force_login(leader)
    url = f"/schedules/teams/{team.slug}/"
    assert client.post(url, {"action": "holiday_add", "date": "2026-12-24", "name": "Christmas Eve"}).status_code == 302
    response = client.post(url, {"action": "holiday_add", "date": "2026-12-24", "name": "Again"})
    assert response.status_code == 400
    assert response.context["holiday_form"].errors == {"date": ["This date is already a holiday."]}
    response = client.post(url, {"action": "import", "country": "ZZ", "year_from": "2026", "year_to": "2026"})
    assert response.status_code == 400
    assert list(response.context["import_form"].errors) == ["country"]
    response = client.post(url, {"action": "import", "country": "FR", "year_from": "2026", "year_to": "2026"})
    assert response.status_code == 302
    assert team_schedule.holidays.filter(source=HolidaySource.IMPORTED).count() == 11
    page = client.get(url).content.decode()
    assert "Imported (country holidays)" in page and "Added by a leader" in page
    christmas_eve = Holiday.objects.get(date=dt.date(2026, 12, 24))
    assert client.post(url, {"action": "holiday_remove", "holiday": christmas_eve.pk}).status_code == 302
    assert not Holiday.objects.filter(pk=christmas_eve.pk).exists()


def test_another_schedules_holiday_cannot_be_removed_through_this_page(client, leader, team, other_team):
    own = schedule_save(actor=None, team=team, weekdays=NINE_TO_FIVE)
    other = schedule_save(actor=None, team=other_team, weekdays=NINE_TO_FIVE)
    theirs = Holiday.objects.create(schedule=other, date=dt.date(2026, 7, 4), name="Independence Day")
    client.force_login(leader)
    response = client.post(f"/schedules/teams/{team.slug}/", {"action": "holiday_remove", "holiday": theirs.pk})
    assert response.status_code == 404
    assert Holiday.objects.filter(pk=theirs.pk).exists()
    assert own.holidays.count() == 0


def test_hr_reads_but_cannot_write(client, hr, team, team_schedule):
    client.force_login(hr)
    url = f"/schedules/teams/{team.slug}/"
    page = client.get(url).content.decode()
    assert "09:00-17:00" in page
    assert 'name="action"' not in page  # no form
    assert client.post(url, week_post(monday="09:00-10:00")).status_code == 404
    assert list(team_schedule.intervals.values_list("start_minute", flat=True)) == [540] * 5


def test_the_org_default_is_read_by_leaders_and_edited_by_admins(client, leader, admin_user, team):
    client.force_login(leader)
    assert client.get("/schedules/default/").status_code == 200
    assert client.post("/schedules/default/", week_post(monday="09:00-17:00")).status_code == 404
    client.force_login(admin_user)
    assert client.post("/schedules/default/", week_post(monday="09:00-17:00")).status_code == 302
    assert Schedule.objects.get(team__isnull=True).intervals.count() == 1
    page = client.get(f"/schedules/teams/{team.slug}/").content.decode()
    assert "This team follows the" in page


def test_a_team_goes_back_to_the_org_default(client, admin_user, team, team_schedule):
    client.force_login(admin_user)
    assert client.post(f"/schedules/teams/{team.slug}/", {"action": "delete"}).status_code == 302
    assert not Schedule.objects.filter(team=team).exists()


def test_links_from_the_navigation_and_the_team_page(client, leader, team):
    client.force_login(leader)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert 'href="/schedules/"' in page
    assert f'href="/schedules/teams/{team.slug}/"' in page


def test_an_agent_has_no_schedules_link(client, team):
    agent = AgentFactory(username="ann", email="ann@example.com", team=team)
    client.force_login(agent)
    assert 'href="/schedules/"' not in client.get("/me/").content.decode()
