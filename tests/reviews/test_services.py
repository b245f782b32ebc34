"""The review workflow: who may do what, the audit trail, the frozen summary and goal tracking."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import scoping
from kpis.models import Scope, Target
from kpis.registry import KPIS
from kpis.reviews import services
from kpis.reviews.models import Goal, Notification, Review, ReviewEvent, ReviewKpi, ReviewPitfall
from kpis.reviews.selectors import (
    GoalStatus,
    goal_progress,
    goals_for_agent,
    goals_for_team,
    review_checklist,
    review_summary,
    reviews_list,
)
from kpis.selectors import Period, scorecard
from kpis.services import snapshots_compute
from tests.factories import LeaderFactory, SurveyResponseFactory, TicketFactory
from tests.reviews.helpers import MARCH, confirm_all, shared_review

UTC = dt.UTC


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def events(review):
    return list(ReviewEvent.objects.filter(review=review).values_list("action", "from_status", "to_status", "actor"))


# ---- creating ------------------------------------------------------------------------------


def test_leader_starts_a_draft_with_five_pitfalls_and_an_event(leader, agent, team):
    before = timezone.now()
    review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert (review.status, review.team, review.author, review.agent) == ("draft", team, leader, agent)
    assert list(review.pitfalls.values_list("number", "confirmed", "triggered")) == [
        (n, False, None) for n in range(1, 6)
    ]
    assert review.pitfalls.get(number=2).title == "Focusing too much on a single metric"
    event = ReviewEvent.objects.get(review=review)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("created", "draft", "draft", leader)
    assert before <= event.at <= timezone.now()


@pytest.mark.parametrize("who", ["other_leader", "hr", "agent", "other_agent"])
def test_only_leaders_of_the_agents_team_and_admins_start_reviews(request, who, agent):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.review_create(author=user, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert Review.objects.count() == 0


def test_admin_starts_a_review(admin_user, agent):
    review = services.review_create(author=admin_user, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert review.author == admin_user


def test_a_period_ending_before_it_starts_is_refused_and_nothing_written(leader, agent):
    with pytest.raises(ValidationError) as error:
        services.review_create(author=leader, agent=agent, period_start=MARCH[1], period_end=MARCH[0])
    assert error.value.message_dict == {"period_end": ["The period ends before it starts."]}
    assert (Review.objects.count(), ReviewPitfall.objects.count(), ReviewEvent.objects.count()) == (0, 0, 0)


def test_a_leader_cannot_review_another_leader(leader, team):
    co_leader = LeaderFactory(teams=[team])
    with pytest.raises(PermissionDenied):
        services.review_create(author=leader, agent=co_leader, period_start=MARCH[0], period_end=MARCH[1])


# ---- editing a draft -----------------------------------------------------------------------


def test_author_edits_a_draft_and_the_change_is_recorded(draft, leader):
    services.review_update(review=draft, actor=leader, strengths="Clear answers", notes="Good month")
    draft.refresh_from_db()
    assert (draft.strengths, draft.notes) == ("Clear answers", "Good month")
    updated = ReviewEvent.objects.get(review=draft, action="updated")
    assert (updated.actor, updated.note) == (leader, "strengths, notes")


def test_unknown_fields_are_refused(draft, leader):
    with pytest.raises(ValidationError) as error:
        services.review_update(review=draft, actor=leader, status="shared")
    assert error.value.message_dict == {"status": ["This field cannot be edited."]}
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_co_leader_of_the_team_neither_sees_nor_edits_someone_elses_draft(draft, team):
    co_leader = LeaderFactory(teams=[team])
    assert not scoping.reviews_visible(co_leader).filter(pk=draft.pk).exists()
    with pytest.raises(PermissionDenied):
        services.review_update(review=draft, actor=co_leader, strengths="Mine now")
    with pytest.raises(PermissionDenied):
        services.goal_add(review=draft, actor=co_leader, due_date=dt.date(2026, 4, 30), description="x")


@pytest.mark.parametrize("who", ["other_leader", "hr", "agent"])
def test_only_the_author_or_an_admin_shares_a_draft(request, who, draft, leader, admin_user):
    confirm_all(draft, leader)
    for outsider in (request.getfixturevalue(who), LeaderFactory(teams=[draft.team])):
        with pytest.raises(PermissionDenied):
            services.review_share(review=draft, actor=outsider)
        with pytest.raises(PermissionDenied):
            services.pitfall_confirm(review=draft, actor=outsider, number=1, confirmed=False)
    draft.refresh_from_db()
    assert draft.status == "draft"
    services.review_update(review=draft, actor=admin_user, notes="Admin fix")
    review = services.review_share(review=draft, actor=admin_user)
    assert review.status == "shared"
    assert events(review)[-1] == ("shared", "draft", "shared", admin_user.pk)


def test_goal_rules_give_field_errors_and_write_nothing(draft, leader):
    cases = [
        ({"kpi": "csat"}, {"target_value": ["Give the target value this KPI should reach."]}),
        ({"target_value": 80.0}, {"kpi": ["Choose the KPI this target value is for."]}),
        (
            {"kpi": "csat", "target_value": 120.0},
            {"target_value": ["Customer Satisfaction: give a value from 0 to 100 %."]},
        ),
        (
            {"kpi": "aht", "target_value": -5.0},
            {"target_value": ["Average Handling Time: give a value above 0 and at most 86,400 seconds."]},
        ),
        (
            {"kpi": "nps", "target_value": 500.0},
            {"target_value": ["Net Promoter Score: give a value from -100 to 100."]},
        ),
        ({"kpi": "ces", "target_value": 99.0}, {"target_value": ["Customer Effort Score: give a value from 1 to 7."]}),
        ({"kpi": "frt", "target_value": float("nan")}, {"target_value": ["Give a finite number."]}),
    ]
    for extra, expected in cases:
        with pytest.raises(ValidationError) as error:
            services.goal_add(review=draft, actor=leader, due_date=dt.date(2026, 4, 30), description="Goal", **extra)
        assert error.value.message_dict == expected
    with pytest.raises(ValidationError) as error:
        services.goal_add(review=draft, actor=leader, due_date=dt.date(2026, 3, 31), description="Too early")
    assert error.value.message_dict == {
        "due_date": ["A goal is due after the reviewed period, which ends on 31 Mar 2026."]
    }
    assert Goal.objects.count() == 0
    assert not ReviewEvent.objects.filter(action="goal_added").exists()


def test_goals_are_added_changed_and_removed_on_a_draft(draft, leader):
    goal = services.goal_add(
        review=draft, actor=leader, kpi="csat", target_value=85, due_date=dt.date(2026, 4, 30), description="Lift CSAT"
    )
    services.goal_update(goal=goal, actor=leader, target_value=82.5)
    goal.refresh_from_db()
    assert goal.target_value == 82.5 and str(goal) == "Customer Satisfaction ≥ 82.5 % by 30 Apr 2026"
    services.goal_remove(goal=goal, actor=leader)
    assert not Goal.objects.exists()
    assert [e[0] for e in events(draft)] == ["created", "goal_added", "goal_updated", "goal_removed"]


def test_moving_the_period_end_past_a_goal_is_refused(draft, leader):
    services.goal_add(review=draft, actor=leader, due_date=dt.date(2026, 4, 10), description="Shadow a senior")
    with pytest.raises(ValidationError) as error:
        services.review_update(review=draft, actor=leader, period_end=dt.date(2026, 4, 15))
    assert "period_end" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.period_end == MARCH[1]


def test_pitfall_answers_are_recorded_once_per_change(draft, leader):
    services.pitfall_confirm(review=draft, actor=leader, number=3, confirmed=True, note=" Rationale added ")
    services.pitfall_confirm(review=draft, actor=leader, number=3, confirmed=True, note="Rationale added")
    item = draft.pitfalls.get(number=3)
    assert (item.confirmed, item.note, item.confirmed_by) == (True, "Rationale added", leader)
    assert item.confirmed_at is not None
    assert ReviewEvent.objects.filter(review=draft, action="pitfall_confirmed").count() == 1
    with pytest.raises(ValidationError):
        services.pitfall_confirm(review=draft, actor=leader, number=6, confirmed=True)


# ---- sharing -------------------------------------------------------------------------------


def test_sharing_requires_every_pitfall_confirmed(draft, leader):
    for number in (1, 2, 4):
        services.pitfall_confirm(review=draft, actor=leader, number=number, confirmed=True)
    with pytest.raises(ValidationError) as error:
        services.review_share(review=draft, actor=leader)
    assert error.value.message_dict == {
        "pitfalls": ["Confirm every item of the pitfalls checklist before sharing (still open: 3, 5)."]
    }
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.shared_at is None
    assert not ReviewKpi.objects.exists() and not Notification.objects.exists()


def test_a_raised_signal_needs_a_note_before_sharing(draft, leader):
    # One efficiency goal only, and no baseline: pitfalls 1 and 2 are raised.
    services.goal_add(
        review=draft, actor=leader, kpi="aht", target_value=300, due_date=dt.date(2026, 4, 30), description="Faster"
    )
    for number in range(1, 6):
        services.pitfall_confirm(review=draft, actor=leader, number=number, confirmed=True, note="")
    services.pitfall_confirm(review=draft, actor=leader, number=1, confirmed=True, note="New agent, benchmark used")
    with pytest.raises(ValidationError) as error:
        services.review_share(review=draft, actor=leader)
    assert error.value.message_dict == {
        "pitfalls": ["The automatic signal is raised for pitfall 2: add a note on how you addressed it."]
    }
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert list(draft.pitfalls.values_list("triggered", flat=True)) == [None] * 5


def test_share_freezes_signals_notifies_the_agent_and_records_the_transition(draft, leader, agent):
    services.goal_add(
        review=draft, actor=leader, kpi="aht", target_value=300, due_date=dt.date(2026, 4, 30), description="Faster"
    )
    confirm_all(draft, leader)
    review = services.review_share(review=draft, actor=leader)
    assert review.status == "shared" and review.shared_at is not None
    assert ReviewKpi.objects.filter(review=review).count() == len(KPIS)  # every KPI of the registry, IQS included
    pitfall_2 = review.pitfalls.get(number=2)
    assert pitfall_2.triggered is True
    assert pitfall_2.evidence == [
        "All goals are on one KPI: Average Handling Time.",
        "Efficiency goals (Average Handling Time) have no quality counterpart (CSAT, NPS, CES or FCR).",
    ]
    assert all(item.frozen for item in review_checklist(review))
    notification = Notification.objects.get()
    assert (notification.recipient, notification.review, notification.kind, notification.read_at) == (
        agent,
        review,
        "review_shared",
        None,
    )
    assert events(review)[-1] == ("shared", "draft", "shared", leader.pk)
    with pytest.raises(ValidationError) as error:
        services.review_update(review=review, actor=leader, notes="Late edit")
    assert error.value.message_dict == {"status": ["This review is shared: it is no longer edited; add an amendment."]}
    with pytest.raises(ValidationError):
        services.goal_add(review=review, actor=leader, due_date=dt.date(2026, 5, 1), description="More")
    with pytest.raises(ValidationError):
        services.review_share(review=review, actor=leader)


# ---- acknowledging and amending ------------------------------------------------------------


def test_only_the_agent_acknowledges_a_shared_review_with_a_comment(draft, leader, agent, other_agent, hr):
    with pytest.raises(ValidationError) as error:
        services.review_acknowledge(review=draft, actor=agent, comment="Seen")
    assert error.value.message_dict == {"status": ["This review is draft; only a shared review is acknowledged."]}
    confirm_all(draft, leader)
    review = services.review_share(review=draft, actor=leader)
    for outsider in (other_agent, leader, hr):
        with pytest.raises(PermissionDenied):
            services.review_acknowledge(review=review, actor=outsider, comment="Seen")
    with pytest.raises(ValidationError) as error:
        services.review_acknowledge(review=review, actor=agent, comment="   ")
    assert error.value.message_dict == {"comment": ["Write a comment: what you take from this review."]}
    before = timezone.now()
    review = services.review_acknowledge(review=review, actor=agent, comment="Agreed, I'll work on AHT.")
    assert review.status == "acknowledged" and before <= review.acknowledged_at <= timezone.now()
    assert review.acknowledgement_comment == "Agreed, I'll work on AHT."
    event = ReviewEvent.objects.filter(review=review).last()
    assert (event.action, event.from_status, event.to_status, event.actor, event.note) == (
        "acknowledged",
        "shared",
        "acknowledged",
        agent,
        "Agreed, I'll work on AHT.",
    )
    assert Notification.objects.filter(recipient=leader, kind="review_acknowledged").count() == 1
    with pytest.raises(ValidationError):
        services.review_acknowledge(review=review, actor=agent, comment="Again")


def test_a_shared_review_is_corrected_by_an_amendment(draft, leader, other_leader, agent):
    with pytest.raises(ValidationError):
        services.review_amend(review=draft, actor=leader, text="Too early")
    services.review_update(review=draft, actor=leader, strengths="Great CSAT")
    confirm_all(draft, leader)
    review = services.review_share(review=draft, actor=leader)
    with pytest.raises(PermissionDenied):
        services.review_amend(review=review, actor=other_leader, text="Not my team")
    with pytest.raises(PermissionDenied):
        services.review_amend(review=review, actor=agent, text="I disagree")
    with pytest.raises(ValidationError) as error:
        services.review_amend(review=review, actor=leader, text=" ")
    assert error.value.message_dict == {"text": ["Write the correction."]}
    amendment = services.review_amend(review=review, actor=leader, text="CSAT was 82 %, not 85 %.")
    review.refresh_from_db()
    assert review.strengths == "Great CSAT" and review.status == "shared"
    assert list(review.amendments.values_list("text", "author")) == [("CSAT was 82 %, not 85 %.", leader.pk)]
    assert amendment.created_at is not None
    assert events(review)[-1] == ("amended", "shared", "shared", leader.pk)
    assert Notification.objects.filter(recipient=agent, kind="review_amended").count() == 1


def test_opening_the_review_marks_the_agents_notifications_read(draft, leader, agent):
    confirm_all(draft, leader)
    review = services.review_share(review=draft, actor=leader)
    assert services.notifications_mark_read(user=leader, review=review) == 0
    assert services.notifications_mark_read(user=agent, review=review) == 1
    assert Notification.objects.get().read_at is not None


# ---- who sees what -------------------------------------------------------------------------


def test_visibility_of_drafts_and_shared_reviews(
    leader, other_leader, agent, other_agent, outside_agent, hr, admin_user, team
):
    draft = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    shared = shared_review(leader, other_agent)
    outside = shared_review(other_leader, outside_agent)

    def visible(user):
        return set(scoping.reviews_visible(user).values_list("pk", flat=True))

    assert visible(leader) == {draft.pk, shared.pk}
    assert visible(LeaderFactory(teams=[team])) == {shared.pk}  # co-leader: not someone else's draft
    assert visible(other_leader) == {outside.pk}
    assert visible(agent) == set()
    assert visible(other_agent) == {shared.pk}
    assert visible(outside_agent) == {outside.pk}
    assert visible(hr) == {shared.pk, outside.pk}
    assert visible(admin_user) == {draft.pk, shared.pk, outside.pk}


def test_reviews_list_filters(leader, other_leader, agent, outside_agent, hr, team, other_team):
    march = shared_review(leader, agent)
    april = shared_review(leader, agent, period=(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    services.review_acknowledge(review=april, actor=agent, comment="OK")
    outside = shared_review(other_leader, outside_agent)

    def pks(**filters):
        return [r.pk for r in reviews_list(user=hr, **filters)]

    assert pks(team=team) == [april.pk, march.pk]
    assert pks(team=other_team) == [outside.pk]
    assert pks(agent=agent, status="acknowledged") == [april.pk]
    assert pks(date_from=dt.date(2026, 4, 15)) == [april.pk]
    assert pks(date_to=dt.date(2026, 3, 31)) == [outside.pk, march.pk]  # same period end: newest first
    assert pks(date_from=dt.date(2026, 3, 15), date_to=dt.date(2026, 3, 20), team=team) == [march.pk]


# ---- the frozen summary --------------------------------------------------------------------


def test_the_shared_summary_does_not_follow_later_snapshots(leader, agent, team):
    Target.objects.create(kpi="csat", scope=Scope.ORG, value=85, effective_from=dt.date(2026, 1, 1))
    for score in [5] * 8 + [2] * 2:
        SurveyResponseFactory(agent=agent, score=score, responded_at=at(dt.date(2026, 3, 10)))
    for seconds in (200, 400):
        TicketFactory(agent=agent, created_at=at(dt.date(2026, 3, 12), 8), handle_time_seconds=seconds)
    snapshots_compute(date_from=dt.date(2026, 2, 25), date_to=dt.date(2026, 3, 31))

    review = shared_review(leader, agent)
    frozen = {row.kpi: row for row in review_summary(review)}
    csat, aht = frozen["csat"], frozen["aht"]
    assert (csat.value, csat.numerator, csat.denominator, csat.sample_size) == (80.0, 8.0, 10, 10)
    assert (csat.target_value, csat.status, csat.low_confidence) == (85.0, "missed", False)
    assert (round(csat.ci_low, 2), round(csat.ci_high, 2)) == (49.02, 94.33)
    assert (aht.value, aht.sample_size, aht.low_confidence, aht.target_value, aht.status) == (
        300.0,
        2,
        True,
        None,
        "no_target",
    )
    assert frozen["volume"].value == 2.0

    # Late surveys arrive and the target is lowered; the snapshots change, the shared review does not.
    for _ in range(10):
        SurveyResponseFactory(agent=agent, score=1, responded_at=at(dt.date(2026, 3, 20)))
    Target.objects.update(value=70)
    snapshots_compute(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))
    live = scorecard(scope=Scope.AGENT, subject=agent, period=Period(*MARCH))["csat"]
    assert (live.value, live.denominator, live.target_value) == (40.0, 20, 70.0)

    review = Review.objects.get(pk=review.pk)
    again = {row.kpi: row for row in review_summary(review)}["csat"]
    assert (again.value, again.denominator, again.target_value, again.status) == (80.0, 10, 85.0, "missed")
    # A draft over the same period reads the snapshots of now.
    draft = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    assert {row.kpi: row for row in review_summary(draft)}["csat"].value == 40.0


# ---- goal tracking -------------------------------------------------------------------------


@pytest.fixture
def tracked(leader, agent, settings):
    """A March review shared late on 1 April UTC — already 2 April in Paris, the team's time zone. Two records are
    enough to judge here (KPI_MIN_SAMPLE 2): the verdicts, not the sample rule, are under test."""
    settings.KPI_MIN_SAMPLE = 2
    due = dt.date(2026, 4, 30)
    review = shared_review(
        leader,
        agent,
        goals=[
            {"kpi": "csat", "target_value": 80, "due_date": due, "description": "Lift CSAT"},
            {"kpi": "aht", "target_value": 300, "due_date": due, "description": "Shorter calls"},
            {"kpi": "nps", "target_value": 20, "due_date": due, "description": "More promoters"},
            {"due_date": due, "description": "Shadow a senior agent twice"},
        ],
    )
    Review.objects.filter(pk=review.pk).update(shared_at=at(dt.date(2026, 4, 1), 22, 30))
    # Before the window (1 April in Paris): three unhappy customers that must not count.
    for _ in range(3):
        SurveyResponseFactory(agent=agent, score=1, responded_at=at(dt.date(2026, 4, 1), 12))
    for score in (5, 5, 5, 5, 2):
        SurveyResponseFactory(agent=agent, score=score, responded_at=at(dt.date(2026, 4, 5)))
    for seconds in (250, 350):
        TicketFactory(agent=agent, created_at=at(dt.date(2026, 4, 5), 8), handle_time_seconds=seconds)
    snapshots_compute(date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 5, 2))
    return {goal.description: goal for goal in Goal.objects.filter(review=review).select_related("review__team")}


def test_goal_progress_during_the_window(tracked):
    csat = goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 4, 10))
    assert (csat.status, csat.value, csat.sample_size, csat.final) == (GoalStatus.ON_TRACK, 80.0, 5, False)
    assert csat.window == Period(dt.date(2026, 4, 2), dt.date(2026, 4, 10))
    assert csat.label == "On track"
    aht = goal_progress(tracked["Shorter calls"], today=dt.date(2026, 4, 10))
    assert (aht.status, aht.value, aht.sample_size) == (GoalStatus.ON_TRACK, 300.0, 2)
    assert goal_progress(tracked["More promoters"], today=dt.date(2026, 4, 10)).status == GoalStatus.NO_DATA
    free = goal_progress(tracked["Shadow a senior agent twice"], today=dt.date(2026, 4, 10))
    assert (free.status, free.label) == (GoalStatus.NOT_TRACKED, "Not tracked (no KPI)")
    before = goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 4, 1))
    assert (before.status, before.window, before.value) == (GoalStatus.NO_DATA, None, None)


def test_goal_verdict_on_and_after_the_due_date(tracked, agent):
    # 23:30 in Paris on the due date counts; 00:30 on 1 May does not.
    SurveyResponseFactory(agent=agent, score=1, responded_at=at(dt.date(2026, 4, 30), 21, 30))
    SurveyResponseFactory(agent=agent, score=1, responded_at=at(dt.date(2026, 4, 30), 22, 30))
    snapshots_compute(date_from=dt.date(2026, 4, 29), date_to=dt.date(2026, 5, 2))
    on_due = goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 4, 30))
    assert (on_due.status, round(on_due.value, 2), on_due.sample_size) == (GoalStatus.AT_RISK, 66.67, 6)
    after = goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 5, 20))
    assert (after.status, round(after.value, 2), after.sample_size, after.final) == (GoalStatus.MISSED, 66.67, 6, True)
    assert after.window == Period(dt.date(2026, 4, 2), dt.date(2026, 4, 30))
    assert goal_progress(tracked["Shorter calls"], today=dt.date(2026, 5, 1)).status == GoalStatus.ACHIEVED
    assert goal_progress(tracked["More promoters"], today=dt.date(2026, 5, 1)).status == GoalStatus.NO_DATA


def test_a_goal_on_too_few_records_gets_no_verdict(tracked, settings):
    """With the usual 10 records as the least: 5 CSAT answers (80 %) and 2 handling times are too few to say a goal
    is on track, at risk, achieved or missed; the value and n are still given."""
    settings.KPI_MIN_SAMPLE = 10
    csat = goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 4, 10))
    assert (csat.status, csat.label, csat.value, csat.sample_size) == (
        GoalStatus.TOO_FEW,
        "Too few records to judge",
        80.0,
        5,
    )
    after = goal_progress(tracked["Shorter calls"], today=dt.date(2026, 5, 1))
    assert (after.status, after.value, after.sample_size, after.final) == (GoalStatus.TOO_FEW, 300.0, 2, True)
    settings.KPI_MIN_SAMPLE = 5
    assert goal_progress(tracked["Lift CSAT"], today=dt.date(2026, 4, 10)).status == GoalStatus.ON_TRACK


def test_goal_panels_follow_the_review_scope(tracked, leader, agent, other_agent, other_leader, hr, team):
    # The leader's next draft adds no goal to any panel until it is shared.
    next_draft = services.review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30)
    )
    services.goal_add(review=next_draft, actor=leader, due_date=dt.date(2026, 5, 31), description="Draft goal")
    today = dt.date(2026, 4, 10)
    own = goals_for_agent(agent=agent, viewer=agent, today=today)
    assert [p.goal.description for p in own] == [
        "Lift CSAT",
        "Shorter calls",
        "More promoters",
        "Shadow a senior agent twice",
    ]
    assert [p.status for p in own][:2] == [GoalStatus.ON_TRACK, GoalStatus.ON_TRACK]
    assert goals_for_agent(agent=agent, viewer=other_agent, today=today) == []
    assert goals_for_agent(agent=agent, viewer=other_leader, today=today) == []
    assert len(goals_for_agent(agent=agent, viewer=hr, today=today)) == 4
    assert len(goals_for_team(team=team, viewer=leader, today=today)) == 4
    assert goals_for_team(team=team, viewer=other_leader, today=today) == []
