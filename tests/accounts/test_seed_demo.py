"""The demo organisation (`seed_demo`) and the demo logins (`demo_logins`), read from ONE seed at the SMALL size.

Every database test here takes `small_demo`: the module seeds once, inside a transaction rolled back when the module
ends, and each test's own transaction (`db`) is a savepoint within it, so what a test writes (a login's session, a
user) is gone before the next one reads the demo. Tests that seed with other options, seed more than once, or need an
empty database are in test_seed_demo_commands.py: a module whose seed is open would show them its rows.
"""

import datetime as dt
import io
import statistics
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse

from accounts.demo import (
    DEMO_PASSWORD,
    MAX_AGENTS_PER_TEAM,
    MAX_TEAMS,
    TEAM_SPECS,
    agent_spec,
    demo_cutoff,
    leader_username,
)
from accounts.models import Role, Team, User
from accounts.scoping import home_page
from kpis.days import local_date
from kpis.models import Scope, Snapshot, Target
from kpis.reviews.models import Review, ReviewStatus
from surveys.models import SCORE_RANGES, SurveyResponse
from tests.accounts.helpers import END_DATE, FIRST_DAY, LAST_DAY, SOLVED, seed
from tests.factories import AgentFactory
from tickets.models import SOLVED_STATUSES, Ticket


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker) -> str:
    """The SMALL demo, seeded once for the module; returns the command's output. Rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        with django_db_blocker.block():  # between tests, database access is the tests' own (`db`) as usual
            yield output
        transaction.set_rollback(True)


def csat_share(username: str) -> float:
    csat = SurveyResponse.objects.filter(agent__username=username, kind="csat")
    return csat.filter(score__gte=4).count() / csat.count()


def mean_handle_seconds(username: str) -> float:
    return Ticket.objects.filter(SOLVED, agent__username=username).aggregate(v=Avg("handle_time_seconds"))["v"]


# ---- the organisation ------------------------------------------------------------------------


def test_seed_creates_the_organisation_of_the_requested_size(small_demo, db):
    output = small_demo

    teams = list(Team.objects.order_by("slug").values_list("slug", "timezone"))
    assert teams == [("falcons", "Europe/London"), ("orcas", "America/New_York")]
    assert User.objects.filter(role=Role.AGENT).count() == 6
    assert dict(User.objects.filter(role=Role.AGENT).values_list("team__slug").annotate(n=Count("id"))) == {
        "falcons": 3,
        "orcas": 3,
    }
    leaders = {
        u.username: sorted(u.led_teams.values_list("slug", flat=True)) for u in User.objects.filter(role="leader")
    }
    assert leaders == {"lead.falcons": ["falcons"], "lead.orcas": ["orcas"], "lead.ops": ["falcons", "orcas"]}
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    hr = User.objects.get(username="hr")
    assert (hr.role, hr.is_staff) == (Role.HR, False)
    assert User.objects.count() == 11
    assert User.objects.exclude(email__endswith="@demo.pulse").count() == 0
    assert User.objects.get(username="agent.maya").email == "maya.lopez@demo.pulse"
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())

    # Pinned figures for seed 42 at this size: a change to the generator shows up here.
    assert Ticket.objects.count() == 902
    assert SurveyResponse.objects.count() == 198
    assert Ticket.objects.order_by("external_id").values_list("external_id", flat=True)[0] == "DEMO-T-000001"
    assert SurveyResponse.objects.order_by("external_id").values_list("external_id", flat=True)[0] == "DEMO-S-000001"
    assert "Created 2 teams, 11 users, 902 tickets and 198 survey responses (2026-03-17 to 2026-03-30, seed 42)" in (
        output
    )

    # The benchmark targets and the snapshots of the seeded range came with it.
    assert Target.objects.filter(scope=Scope.ORG).count() == 11
    # The overall (all-channel) First Response Time has a target, so it never reads "No target".
    assert Target.objects.get(scope=Scope.ORG, kpi="frt", channel="").value == 3600.0
    days = set(Snapshot.objects.filter(scope=Scope.TEAM, kpi="volume", channel="").values_list("date", flat=True))
    assert min(days) == FIRST_DAY
    assert LAST_DAY in days
    assert "agent.maya" in output  # the logins are printed at the end


def test_agent_names_stay_unique_at_the_largest_size():
    specs = [agent_spec(t, p) for t in range(MAX_TEAMS) for p in range(MAX_AGENTS_PER_TEAM)]
    assert len({spec.username for spec in specs}) == len(specs) == 1600
    assert len({spec.email for spec in specs}) == len(specs)
    assert agent_spec(0, 0).username == "agent.maya"
    assert agent_spec(4, 12).username == "agent.maya2"  # the 101st name comes round again
    assert agent_spec(4, 12).email == "maya.kim2@demo.pulse"


def test_every_ticket_falls_on_a_seeded_local_day_of_its_team(small_demo, db):
    for created_at, zone in Ticket.objects.values_list("created_at", "team__timezone"):
        assert FIRST_DAY <= local_date(created_at, zone) <= LAST_DAY


# ---- the rows are valid and plausible --------------------------------------------------------


def test_every_row_satisfies_the_model_rules(small_demo, db):
    tickets = Ticket.objects.all()
    assert tickets.filter(solved_at__lt=F("created_at")).count() == 0
    assert tickets.filter(first_response_at__lt=F("created_at")).count() == 0
    assert tickets.filter(handle_time_seconds__lt=0).count() == 0
    assert tickets.exclude(team=F("agent__team")).count() == 0
    assert tickets.filter(solved_at__isnull=False).exclude(status__in=SOLVED_STATUSES).count() == 0
    assert tickets.filter(status__in=SOLVED_STATUSES, solved_at__isnull=True).count() == 0
    cutoff = demo_cutoff(END_DATE)
    assert (
        tickets.filter(Q(created_at__gte=cutoff) | Q(first_response_at__gte=cutoff) | Q(solved_at__gte=cutoff)).count()
        == 0
    )
    for ticket in tickets.order_by("external_id")[:40]:
        ticket.full_clean()

    responses = SurveyResponse.objects.all()
    for kind, (low, high) in SCORE_RANGES.items():
        assert responses.filter(kind=kind).filter(Q(score__lt=low) | Q(score__gt=high)).count() == 0
    assert responses.filter(ticket__isnull=True).count() == 0
    assert responses.exclude(agent=F("ticket__agent")).count() == 0
    assert responses.exclude(team=F("ticket__team")).count() == 0
    assert responses.exclude(ticket__status__in=SOLVED_STATUSES).count() == 0
    assert responses.filter(responded_at__lt=F("ticket__solved_at")).count() == 0
    assert responses.filter(responded_at__gte=cutoff).count() == 0
    for response in responses:
        assert response.responded_at - response.ticket.solved_at <= dt.timedelta(days=5)
    for moment in tickets.values_list("created_at", flat=True)[:20]:
        assert moment.utcoffset() == dt.timedelta(0)


def test_recent_tickets_are_partly_unsolved_and_some_were_reopened(small_demo, db):
    unsolved = Ticket.objects.exclude(SOLVED)
    assert unsolved.count() > 0
    assert unsolved.filter(created_at__gte=demo_cutoff(END_DATE) - dt.timedelta(days=3)).exists()
    assert Ticket.objects.filter(reopened_count__gt=0).exists()
    replies = Counter(Ticket.objects.filter(SOLVED).values_list("agent_replies", flat=True))
    assert sum(replies[n] for n in (1, 2, 3)) / sum(replies.values()) > 0.9
    assert replies[1] > replies[2] > replies[3]
    assert set(Ticket.objects.values_list("category", flat=True)) == {
        "billing",
        "shipping",
        "returns",
        "account",
        "technical",
    }


def test_first_responses_are_seconds_on_live_channels_and_hours_on_email(small_demo, db):
    def median_first_response(channel: str) -> float:
        rows = Ticket.objects.filter(channel=channel, first_response_at__isnull=False)
        return statistics.median((t.first_response_at - t.created_at).total_seconds() for t in rows)

    assert 10 <= median_first_response("chat") <= 90
    assert 10 <= median_first_response("phone") <= 90
    assert 3600 <= median_first_response("email") <= 8 * 3600
    assert 60 <= median_first_response("social") <= 3600
    email_handle = Ticket.objects.filter(SOLVED, channel="email").aggregate(v=Avg("handle_time_seconds"))["v"]
    chat_handle = Ticket.objects.filter(SOLVED, channel="chat").aggregate(v=Avg("handle_time_seconds"))["v"]
    assert email_handle < chat_handle


def test_weekdays_are_busier_than_weekends(small_demo, db):
    by_weekday = Counter(
        local_date(created_at, zone).weekday()
        for created_at, zone in Ticket.objects.values_list("created_at", "team__timezone")
    )
    # 14 days from Tuesday 17 March: two of each weekday.
    weekday_mean = sum(by_weekday[d] for d in range(5)) / 5
    weekend_mean = (by_weekday[5] + by_weekday[6]) / 2
    assert weekend_mean < 0.5 * weekday_mean


def test_survey_response_rates_are_well_under_one_hundred_percent(small_demo, db):
    solved = Ticket.objects.filter(SOLVED).count()
    kinds = Counter(SurveyResponse.objects.values_list("kind", flat=True))
    assert kinds["csat"] > kinds["nps"] > 0
    assert kinds["ces"] > 0
    assert 0.10 <= kinds["csat"] / solved <= 0.30
    assert SurveyResponse.objects.count() / solved < 0.4
    # Agents without the few-surveys profile: about a quarter of solved tickets get a CSAT answer.
    usual = ~Q(agent__username__in=["agent.leah", "agent.tomas"])
    usual_solved = Ticket.objects.filter(SOLVED).filter(usual).count()
    usual_csat = SurveyResponse.objects.filter(usual, kind="csat").count()
    assert 0.18 <= usual_csat / usual_solved <= 0.32


def test_agent_profiles_really_differ(small_demo, db):
    # Position 0 of each team is the star, 1 struggles on AHT, 2 gets few survey responses.
    star, struggling, few = "agent.maya", "agent.chloe", "agent.leah"
    assert {u.team.slug for u in User.objects.filter(username__in=[star, struggling, few])} == {"falcons"}
    assert csat_share(star) > csat_share(struggling) + 0.1
    assert mean_handle_seconds(struggling) > 1.4 * mean_handle_seconds(star)
    team_mean = Ticket.objects.filter(SOLVED, team__slug="falcons").aggregate(v=Avg("handle_time_seconds"))["v"]
    assert mean_handle_seconds(struggling) > 1.2 * team_mean

    def response_rate(username: str) -> float:
        solved = Ticket.objects.filter(SOLVED, agent__username=username).count()
        return SurveyResponse.objects.filter(agent__username=username).count() / solved

    assert response_rate(few) < 0.5 * response_rate(star)


# ---- coaching reviews ------------------------------------------------------------------------


def test_every_demo_role_lands_on_a_reviews_page_with_reviews(small_demo, db, client):
    def reviews_listed(username: str) -> list[int]:
        client.force_login(User.objects.get(username=username))
        response = client.get(reverse("reviews"))
        assert response.status_code == 200
        return [review.pk for review in response.context["page"].object_list]

    hr = User.objects.get(username="hr")
    assert home_page(hr) == ("reviews", ())  # HR's home is the reviews page, and it is not empty
    assert len(reviews_listed("hr")) == Review.objects.exclude(status=ReviewStatus.DRAFT).count() == 4
    for team in Team.objects.all():
        leader = leader_username(next(spec for spec in TEAM_SPECS if spec.slug == team.slug))
        assert set(reviews_listed(leader)) == set(Review.objects.filter(team=team).values_list("pk", flat=True))
        agents = User.objects.filter(role=Role.AGENT, team=team)
        seen = {agent.username: reviews_listed(agent.username) for agent in agents}
        assert any(seen.values()), team.slug
        for username, pks in seen.items():
            assert set(pks) == set(
                Review.objects.filter(agent__username=username)
                .exclude(status=ReviewStatus.DRAFT)
                .values_list("pk", flat=True)
            )


# ---- demo logins -----------------------------------------------------------------------------


def test_demo_logins_lists_every_demo_user_and_the_password(small_demo, db):
    AgentFactory(username="not.demo", email="someone@example.com")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "pulse-demo" in text
    for username in User.objects.filter(email__endswith="@demo.pulse").values_list("username", flat=True):
        assert username in text
    assert "not.demo" not in text
    lines = text.splitlines()
    assert lines[0] == "Demo logins — every demo user's password is: pulse-demo"
    assert lines[3].split()[:3] == ["admin", "admin", "all"]
    ops = next(line for line in lines if line.startswith("lead.ops"))
    assert "Falcons, Orcas" in ops
    maya = next(line for line in lines if line.startswith("agent.maya"))
    assert "Falcons" in maya
    assert "star performer" in maya
