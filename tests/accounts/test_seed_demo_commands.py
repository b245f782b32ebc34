"""`seed_demo` and `demo_logins` run by the test itself: other sizes and seeds, seeding twice, the guards, the
progress bar, and an empty database. The tests reading one shared SMALL seed are in test_seed_demo.py."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from accounts.demo import demo_organisation_create
from accounts.models import Team, User
from kpis.models import Target
from kpis.registry import KPIS
from kpis.reviews.models import Goal, Notification, Review, ReviewAction, ReviewStatus
from surveys.models import SurveyResponse
from tests.accounts.helpers import END_DATE, FIRST_DAY, LAST_DAY, SMALL, seed
from tests.factories import AgentFactory
from tickets.models import Ticket


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


# ---- the organisation ------------------------------------------------------------------------


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


def test_demo_logins_says_what_to_do_when_there_are_none(db):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert out.getvalue() == "No demo users; run `make run` or `manage.py seed_demo` to create them.\n"
