"""The demo organisation (`seed_demo`) and the demo logins (`demo_logins`)."""

import datetime as dt
import io
import statistics
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
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
    demo_organisation_create,
    leader_username,
)
from accounts.models import Role, Team, User
from accounts.scoping import home_page
from kpis.days import local_date
from kpis.models import Scope, Snapshot, Target
from kpis.registry import KPIS
from kpis.reviews.models import Goal, Notification, Review, ReviewAction, ReviewStatus
from surveys.models import SCORE_RANGES, SurveyResponse
from tests.factories import AgentFactory
from tickets.models import SOLVED_STATUSES, Ticket

END_DATE = dt.date(2026, 3, 31)
FIRST_DAY, LAST_DAY = dt.date(2026, 3, 17), dt.date(2026, 3, 30)
SMALL = ["--teams", "2", "--agents-per-team", "3", "--days", "14", "--end-date", "2026-03-31"]
SOLVED = Q(solved_at__isnull=False, status__in=SOLVED_STATUSES)


def seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def seeded_then_rolled_back(*extra: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Seed, read the rows, and roll everything back so the next seed starts from an empty database."""
    with transaction.atomic():
        seed(*extra)
        rows = fingerprint()
        transaction.set_rollback(True)
    return rows


def fingerprint() -> tuple[list[tuple], list[tuple], list[tuple]]:
    tickets = list(
        Ticket.objects.order_by("external_id").values_list(
            "external_id",
            "channel",
            "category",
            "priority",
            "status",
            "agent__username",
            "team__slug",
            "created_at",
            "first_response_at",
            "solved_at",
            "handle_time_seconds",
            "agent_replies",
            "reopened_count",
        )
    )
    surveys = list(
        SurveyResponse.objects.order_by("external_id").values_list(
            "external_id",
            "ticket__external_id",
            "agent__username",
            "team__slug",
            "kind",
            "score",
            "comment",
            "responded_at",
        )
    )
    reviews = list(
        Review.objects.order_by("agent__username").values_list(
            "agent__username",
            "author__username",
            "status",
            "period_start",
            "period_end",
            "strengths",
            "improvement_areas",
            "acknowledgement_comment",
        )
    )
    goals = list(
        Goal.objects.order_by("review__agent__username", "pk").values_list(
            "review__agent__username", "kpi", "target_value", "due_date", "description"
        )
    )
    return tickets, surveys, reviews + goals


def csat_share(username: str) -> float:
    csat = SurveyResponse.objects.filter(agent__username=username, kind="csat")
    return csat.filter(score__gte=4).count() / csat.count()


def mean_handle_seconds(username: str) -> float:
    return Ticket.objects.filter(SOLVED, agent__username=username).aggregate(v=Avg("handle_time_seconds"))["v"]


# ---- the organisation ------------------------------------------------------------------------


def test_seed_creates_the_organisation_of_the_requested_size(db):
    output = seed()

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


def test_every_ticket_falls_on_a_seeded_local_day_of_its_team(db):
    seed()
    for created_at, zone in Ticket.objects.values_list("created_at", "team__timezone"):
        assert FIRST_DAY <= local_date(created_at, zone) <= LAST_DAY


def test_teams_have_distinct_time_zones(db):
    call_command("seed_demo", "--teams", "5", "--agents-per-team", "1", "--days", "2", "--end-date", "2026-03-31",
                 stdout=io.StringIO())  # fmt: skip
    zones = list(Team.objects.values_list("timezone", flat=True))
    assert len(zones) == 5
    assert len(set(zones)) == 5


def test_same_seed_gives_identical_rows_and_another_seed_different_rows(db):
    first = seeded_then_rolled_back()
    assert (len(first[0]), len(first[1])) == (902, 198)
    assert seeded_then_rolled_back() == first
    other = seeded_then_rolled_back("--seed", "7")
    assert other[0] != first[0]
    assert other[1] != first[1]
    assert other[2] != first[2]  # goals step from each agent's own (seed-dependent) baseline
    # The people do not depend on the seed, so the logins stay the same.
    assert {row[5] for row in other[0]} == {row[5] for row in first[0]}


# ---- the rows are valid and plausible --------------------------------------------------------


def test_every_row_satisfies_the_model_rules(db):
    seed()
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


def test_recent_tickets_are_partly_unsolved_and_some_were_reopened(db):
    seed()
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


def test_first_responses_are_seconds_on_live_channels_and_hours_on_email(db):
    seed()

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


def test_weekdays_are_busier_than_weekends(db):
    seed()
    by_weekday = Counter(
        local_date(created_at, zone).weekday()
        for created_at, zone in Ticket.objects.values_list("created_at", "team__timezone")
    )
    # 14 days from Tuesday 17 March: two of each weekday.
    weekday_mean = sum(by_weekday[d] for d in range(5)) / 5
    weekend_mean = (by_weekday[5] + by_weekday[6]) / 2
    assert weekend_mean < 0.5 * weekday_mean


def test_survey_response_rates_are_well_under_one_hundred_percent(db):
    seed()
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


def test_agent_profiles_really_differ(db):
    seed()
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


def test_each_team_leader_writes_acknowledged_shared_and_draft_reviews_through_the_workflow(db):
    seed("--agents-per-team", "4")

    statuses = {
        (team, status): n
        for team, status, n in Review.objects.values_list("team__slug", "status").annotate(n=Count("id"))
    }
    assert statuses == {
        (team, status): n
        for team in ("falcons", "orcas")
        for status, n in ((ReviewStatus.ACKNOWLEDGED, 2), (ReviewStatus.SHARED, 1), (ReviewStatus.DRAFT, 1))
    }
    assert set(Review.objects.values_list("author__username", flat=True)) == {"lead.falcons", "lead.orcas"}
    # The review covers the last four weeks of data; 14 days of data give all 14.
    assert set(Review.objects.values_list("period_start", "period_end")) == {(FIRST_DAY, LAST_DAY)}
    assert Review.objects.exclude(strengths="").exclude(improvement_areas="").count() == 8

    for review in Review.objects.prefetch_related("goals", "pitfalls", "events", "kpi_summary"):
        goals = list(review.goals.all())
        assert len(goals) == 2
        for goal in goals:
            assert goal.is_tracked
            assert KPIS[goal.kpi].target_errors(goal.target_value).get("value") is None
            assert goal.due_date > review.period_end
        actions = [event.action for event in review.events.order_by("pk")]
        if review.status == ReviewStatus.DRAFT:
            assert not any(item.confirmed for item in review.pitfalls.all())
            assert review.kpi_summary.count() == 0
            continue
        # Shared ones: every pitfall confirmed with a note, the KPI summary frozen, the agent notified.
        assert [(item.number, item.confirmed, bool(item.note)) for item in review.pitfalls.order_by("number")] == [
            (number, True, True) for number in range(1, 6)
        ]
        assert review.kpi_summary.count() > 0
        assert actions[0] == ReviewAction.CREATED
        assert actions.count(ReviewAction.PITFALL_CONFIRMED) == 5
        assert ReviewAction.SHARED in actions
        assert Notification.objects.filter(review=review, recipient=review.agent).exists()
        if review.status == ReviewStatus.ACKNOWLEDGED:
            assert actions[-1] == ReviewAction.ACKNOWLEDGED
            assert review.acknowledgement_comment
            assert Notification.objects.filter(review=review, recipient=review.author).exists()

    # The agents reviewed are the star, the one struggling on AHT, the new hire (shared) and, in draft,
    # the one with few survey answers.
    assert dict(Review.objects.filter(team__slug="falcons").values_list("agent__username", "status")) == {
        "agent.maya": ReviewStatus.ACKNOWLEDGED,
        "agent.chloe": ReviewStatus.ACKNOWLEDGED,
        "agent.amara": ReviewStatus.SHARED,
        "agent.leah": ReviewStatus.DRAFT,
    }


def test_every_demo_role_lands_on_a_reviews_page_with_reviews(db, client):
    seed()

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


# ---- options and guards ----------------------------------------------------------------------


def test_if_empty_does_nothing_when_a_user_exists(db):
    AgentFactory(username="someone")
    out = io.StringIO()
    call_command("seed_demo", *SMALL, "--if-empty", stdout=out)
    assert out.getvalue() == "Users already exist; demo data not seeded (--if-empty).\n"
    assert Ticket.objects.count() == 0
    assert Target.objects.count() == 0
    assert User.objects.count() == 1


def test_if_empty_seeds_an_empty_database(db):
    seed("--if-empty")
    assert Ticket.objects.count() == 902


def test_seeding_twice_is_refused_and_writes_nothing(db):
    seed()
    tickets = Ticket.objects.count()
    with pytest.raises(CommandError, match="Demo data is already present"):
        seed()
    assert Ticket.objects.count() == tickets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--teams", "9"], "--teams must be between 1 and 8."),
        (["--agents-per-team", "0"], "--agents-per-team must be between 1 and 200."),
        (["--days", "0"], "--days must be between 1 and 3660."),
        (["--end-date", "31/03/2026"], "“31/03/2026” is not a date (YYYY-MM-DD)."),
    ],
)
def test_bad_options_are_refused_and_write_nothing(db, args, message):
    with pytest.raises(CommandError) as raised:
        call_command("seed_demo", *args, stdout=io.StringIO())
    assert message in str(raised.value)
    assert User.objects.count() == 0
    assert Team.objects.count() == 0


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_generator_reports_progress_and_draws_nothing(db):
    calls = []
    summary = demo_organisation_create(
        teams=1, agents_per_team=1, days=2, end_date=END_DATE, on_rows_written=lambda *done: calls.append(done)
    )
    total = summary.tickets + summary.surveys
    assert calls and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_the_commands_draw_their_progress_bar_on_a_terminal_only(db):
    terminal, pipe = FakeTerminal(), io.StringIO()
    with transaction.atomic():
        call_command("seed_demo", "--teams", "1", "--agents-per-team", "1", "--days", "2", stdout=io.StringIO(),
                     stderr=terminal)  # fmt: skip
        transaction.set_rollback(True)
    assert "Writing demo rows" in terminal.getvalue() and "Computing snapshots" in terminal.getvalue()
    call_command("seed_demo", "--teams", "1", "--agents-per-team", "1", "--days", "2", stdout=io.StringIO(),
                 stderr=pipe)  # fmt: skip
    assert pipe.getvalue() == ""


# ---- demo logins -----------------------------------------------------------------------------


def test_demo_logins_lists_every_demo_user_and_the_password(db):
    seed()
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


def test_demo_logins_says_what_to_do_when_there_are_none(db):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert out.getvalue() == "No demo users; run `make run` or `manage.py seed_demo` to create them.\n"
