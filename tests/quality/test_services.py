"""Quality workflows: rubric versions, reviews and their scores, exact IQS roll-up, sampling,
calibration, disputes and their audit trail."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from kpis.quality import services
from kpis.quality.models import (
    Assignment,
    Dispute,
    QualityReview,
    QualityReviewStatus,
    RatingScale,
    Stratum,
    VersionStatus,
)
from kpis.quality.sampling import sample_draw
from kpis.quality.selectors import (
    agent_quality,
    calibration_results,
    iqs_for,
    quality_disagreement,
    reviewer_drift,
    team_quality,
)
from kpis.selectors import Period
from kpis.services import snapshots_refresh_dirty
from tests.factories import LeaderFactory, SurveyResponseFactory, TicketFactory
from tests.quality.helpers import answers, published_rubric

UTC = dt.UTC
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def solved(agent, day=2, **extra):
    created = dt.datetime(2026, 3, day, 9, 0, tzinfo=UTC)
    return TicketFactory(agent=agent, created_at=created, **extra)


@pytest.fixture
def version(leader, team):
    return published_rubric(leader, team)


def review(reviewer, ticket, version, submit=True, **ratings):
    ratings = ratings or {"Greeting": 2, "Accuracy": 5, "Empathy": 4}
    return services.quality_review_create(
        reviewer=reviewer, ticket=ticket, rubric_version=version, scores=answers(version, **ratings), submit=submit
    )


# ---- rubrics -------------------------------------------------------------------------------


def test_a_published_version_is_immutable_and_superseded_by_the_next(leader, team, agent, version):
    category = version.categories.first()
    with pytest.raises(ValidationError) as error:
        services.category_add(version=version, actor=leader, name="Tone", weight=1, scale=RatingScale.THREE)
    assert "version" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.category_update(category=category, actor=leader, weight=9)

    old = review(leader, solved(agent), version)
    draft = services.rubric_version_start(rubric=version.rubric, actor=leader)
    assert (draft.number, draft.categories.count()) == (2, 3)
    services.category_update(category=draft.categories.get(name="Accuracy"), actor=leader, weight=10)
    services.rubric_version_publish(version=draft, actor=leader)

    version.refresh_from_db()
    old.refresh_from_db()
    assert version.status == VersionStatus.SUPERSEDED
    assert old.rubric_version_id == version.pk  # the score keeps the version it was given against
    assert old.points_possible == 6.0  # 1 + 3 + 2 of version 1, not version 2's weights
    assert version.categories.get(name="Accuracy").weight == 3


def test_only_leaders_of_the_team_write_its_rubrics_and_admins_org_wide(leader, other_leader, team, admin_user):
    with pytest.raises(PermissionDenied):
        services.rubric_create(actor=other_leader, name="Mine", team=team)
    with pytest.raises(PermissionDenied):
        services.rubric_create(actor=leader, name="Org", team=None)
    assert services.rubric_create(actor=admin_user, name="Org", team=None).team is None


def test_publishing_needs_a_category(leader, team):
    rubric = services.rubric_create(actor=leader, name="Empty", team=team)
    with pytest.raises(ValidationError) as error:
        services.rubric_version_publish(version=rubric.versions.get(), actor=leader)
    assert "categories" in error.value.message_dict


# ---- reviews -------------------------------------------------------------------------------


def test_scores_give_points_and_a_critical_failure_auto_fails(leader, agent, version):
    passed = review(leader, solved(agent), version, Greeting=2, Accuracy=4, Empathy=3)
    assert (passed.points_earned, passed.points_possible, passed.auto_failed) == (1 + 2.25 + 2 * 2 / 3, 6.0, False)
    failed = review(leader, solved(agent), version, Greeting=2, Accuracy=1, Empathy=4)
    assert (failed.points_earned, failed.points_possible, failed.auto_failed) == (0.0, 6.0, True)


def test_not_applicable_is_excluded_and_only_where_allowed(leader, agent, version):
    na = review(leader, solved(agent), version, Greeting=2, Accuracy=5, Empathy="na")
    assert (na.points_earned, na.points_possible) == (4.0, 4.0)
    with pytest.raises(ValidationError) as error:
        review(leader, solved(agent), version, Greeting="na", Accuracy=5, Empathy=4)
    (key,) = error.value.message_dict
    assert key.startswith("category_") and "cannot be marked not applicable" in error.value.messages[0]


def test_a_submitted_review_rates_every_category_and_a_draft_may_not(leader, agent, version):
    ticket = solved(agent)
    with pytest.raises(ValidationError):
        review(leader, ticket, version, Greeting=2)
    assert not QualityReview.objects.exists()
    draft = review(leader, ticket, version, submit=False, Greeting=2)
    assert draft.status == QualityReviewStatus.DRAFT
    done = services.quality_review_update(
        review=draft, actor=leader, scores=answers(version, Greeting=2, Accuracy=5, Empathy=4), submit=True
    )
    assert (done.status, done.points_earned) == (QualityReviewStatus.SUBMITTED, 6.0)
    with pytest.raises(ValidationError):
        services.quality_review_update(review=done, actor=leader, scores={}, submit=True)


def test_a_rating_outside_the_scale_is_a_field_error(leader, agent, version):
    with pytest.raises(ValidationError) as error:
        review(leader, solved(agent), version, Greeting=3, Accuracy=5, Empathy=4)
    assert "is rated 1 to 2" in error.value.messages[0]
    assert not QualityReview.objects.exists()


@pytest.mark.parametrize("who", ["other_leader", "agent", "hr"])
def test_reviewers_review_only_their_teams_and_never_themselves(request, who, agent, version):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        review(user, solved(agent), version)


def test_a_reviewer_role_lets_a_non_leader_review_the_team(leader, team, agent, other_agent, version):
    with pytest.raises(PermissionDenied):
        review(other_agent, solved(agent), version)
    services.reviewer_role_grant(team=team, user=other_agent, actor=leader)
    other_agent = type(other_agent).objects.get(pk=other_agent.pk)  # drop the cached team list
    assert review(other_agent, solved(agent), version).reviewer == other_agent
    with pytest.raises(PermissionDenied):
        review(other_agent, solved(other_agent), version)  # never their own tickets


# ---- IQS -----------------------------------------------------------------------------------


def test_iqs_rolls_up_exactly_across_unequal_samples(leader, team, agent, other_agent, version):
    # Alice: 1 review, 6 of 6. Bob: 3 reviews: 0 of 6 (auto-fail), 4 of 4 (N/A), 3 of 6.
    review(leader, solved(agent), version, Greeting=2, Accuracy=5, Empathy=4)
    review(leader, solved(other_agent), version, Greeting=2, Accuracy=1, Empathy=4)
    review(leader, solved(other_agent), version, Greeting=2, Accuracy=5, Empathy="na")
    review(leader, solved(other_agent), version, Greeting=1, Accuracy=3, Empathy=3)  # 0 + 1.5 + 4/3
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    alice, bob = iqs_for(period=MARCH, agent=agent), iqs_for(period=MARCH, agent=other_agent)
    assert (alice.points_earned, alice.points_possible, alice.reviews) == (6.0, 6.0, 1)
    assert bob.points_possible == 16.0 and bob.reviews == 3
    team_figure = iqs_for(period=MARCH, team=team)
    assert team_figure.points_earned == pytest.approx(alice.points_earned + bob.points_earned)
    assert team_figure.value == pytest.approx((6 + 4 + 1.5 + 4 / 3) * 100 / 22)
    mean_of_means = (alice.value + bob.value) / 2
    assert team_figure.value != pytest.approx(mean_of_means)
    assert team_figure.reviews == 4 and team_figure.ci_low < team_figure.value < team_figure.ci_high
    # Periods add up too: March = its two halves.
    first = iqs_for(period=Period(dt.date(2026, 3, 1), dt.date(2026, 3, 15)), team=team)
    second = iqs_for(period=Period(dt.date(2026, 3, 16), dt.date(2026, 3, 31)), team=team)
    assert first.points_earned + second.points_earned == pytest.approx(team_figure.points_earned)
    rows = {row.agent: row.iqs for row in team_quality(team=team, period=MARCH).agents}
    assert rows[agent].value == 100.0 and rows[other_agent].reviews == 3


def test_drafts_do_not_count(leader, agent, version):
    review(leader, solved(agent), version, submit=False, Greeting=1)
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    assert iqs_for(period=MARCH, agent=agent).reviews == 0


def test_category_pass_rates_show_where_to_coach(leader, agent, version):
    review(leader, solved(agent), version, Greeting=1, Accuracy=5, Empathy="na")
    review(leader, solved(agent), version, Greeting=2, Accuracy=2, Empathy=3)
    rates = {r.name: r for r in agent_quality(agent=agent, period=MARCH).categories}
    assert (rates["Greeting"].passed, rates["Greeting"].rated, rates["Greeting"].pass_rate) == (1, 2, 50.0)
    assert (rates["Accuracy"].passed, rates["Accuracy"].rated) == (1, 2)
    assert (rates["Empathy"].rated, rates["Empathy"].not_applicable, rates["Empathy"].pass_rate) == (1, 1, 100.0)


# ---- sampling ------------------------------------------------------------------------------


WEEK = dt.date(2026, 3, 2)  # a Monday


def test_sampling_is_reproducible_from_its_seed_and_shows_strata(leader, team, agent, other_agent):
    for day in range(2, 9):
        solved(agent, day=day, handle_time_seconds=100 * day)
        solved(other_agent, day=day)
    reopened = solved(agent, day=4, reopened_count=2)
    unhappy = solved(other_agent, day=5)
    SurveyResponseFactory(agent=other_agent, ticket=unhappy, score=1)
    solved(agent, day=10)  # next week: never drawn

    assignment = services.assignment_draw(
        team=team, week_start=WEEK, per_agent=3, strata=[Stratum.REOPENED, Stratum.LOW_CSAT], seed=1234, actor=leader
    )
    items = list(assignment.items.values_list("ticket_id", "agent_id", "stratum"))
    assert len(items) == 6
    assert (reopened.pk, agent.pk, Stratum.REOPENED) in items
    assert (unhappy.pk, other_agent.pk, Stratum.LOW_CSAT) in items
    assert {i[2] for i in items} == {Stratum.REOPENED, Stratum.LOW_CSAT, Stratum.RANDOM}
    assert (assignment.seed, assignment.strata, assignment.parameters["solved_tickets"]) == (
        1234,
        ["low_csat", "reopened"],
        16,
    )
    again = sample_draw(team=team, week_start=WEEK, per_agent=3, strata=assignment.strata, seed=assignment.seed)
    assert [(d.ticket_id, d.agent_id, d.stratum) for d in again.items] == items
    other_seed = sample_draw(team=team, week_start=WEEK, per_agent=3, strata=assignment.strata, seed=99)
    assert [d.ticket_id for d in other_seed.items] != [i[0] for i in items]
    assert AuditEvent.objects.filter(action="quality.assignment_drawn", object_id=str(assignment.pk)).exists()


def test_a_week_is_drawn_once_and_only_by_its_leaders(leader, other_leader, team, agent):
    solved(agent)
    with pytest.raises(PermissionDenied):
        services.assignment_draw(team=team, week_start=WEEK, per_agent=2, actor=other_leader)
    services.assignment_draw(team=team, week_start=WEEK, per_agent=2, actor=leader)
    with pytest.raises(ValidationError) as error:
        services.assignment_draw(team=team, week_start=WEEK, per_agent=2, actor=leader)
    assert "week_start" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.assignment_draw(team=team, week_start=WEEK + dt.timedelta(days=1), per_agent=2, actor=leader)


def test_the_weekly_job_draws_last_week_for_every_team_once(team, agent, other_team):
    solved(agent)
    created = services.assignments_draw_weekly(today=dt.date(2026, 3, 11), per_agent=2)
    assert {(a.team, a.week_start) for a in created} == {(team, WEEK), (other_team, WEEK)}
    assert services.assignments_draw_weekly(today=dt.date(2026, 3, 11), per_agent=2) == []
    assert Assignment.objects.get(team=team).items.count() == 1


# ---- calibration ---------------------------------------------------------------------------


def test_calibration_is_blind_until_submitted_and_measures_agreement(leader, team, agent, version):
    reviewer_a = LeaderFactory(username="ria", teams=[team])
    reviewer_b = LeaderFactory(username="rob", teams=[team])
    tickets = [solved(agent, day=d) for d in (2, 3, 4)]
    session = services.calibration_create(
        actor=leader,
        team=team,
        rubric_version=version,
        title="March",
        tickets=tickets,
        reviewers=[reviewer_a, reviewer_b],
    )
    a_scores = [(2, 5, 4), (1, 3, 2), (2, 4, 3)]
    b_scores = [(2, 4, 4), (1, 3, 1), (2, 5, 3)]
    for ticket, (g, acc, e) in zip(tickets, a_scores, strict=True):
        services.calibration_score_save(
            session=session,
            ticket=ticket,
            actor=reviewer_a,
            scores=answers(version, Greeting=g, Accuracy=acc, Empathy=e),
            submit=True,
        )
    blind = calibration_results(session, reviewer_b)
    assert not any(row.visible for row in blind.rows) and blind.categories == [] and blind.alpha_interval is None
    for ticket, (g, acc, e) in zip(tickets, b_scores, strict=True):
        services.calibration_score_save(
            session=session,
            ticket=ticket,
            actor=reviewer_b,
            scores=answers(version, Greeting=g, Accuracy=acc, Empathy=e),
            submit=True,
        )
    result = calibration_results(session, reviewer_b)
    assert result.all_visible and result.submitted == result.expected == 6
    by_name = {c.category.name: c for c in result.categories}
    assert (by_name["Greeting"].tickets_all_agree, by_name["Greeting"].alpha_ordinal) == (3, 1.0)
    assert by_name["Accuracy"].largest_range == 1 and by_name["Accuracy"].tickets_all_agree == 1
    assert result.alpha_interval is not None and result.alpha_interval < 1
    with pytest.raises(ValidationError):  # a submitted calibration score is fixed
        services.calibration_score_save(session=session, ticket=tickets[0], actor=reviewer_a, scores={}, submit=False)
    # Calibration scores never count in IQS.
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    assert iqs_for(period=MARCH, agent=agent).reviews == 0

    services.calibration_reference_settle(
        session=session, ticket=tickets[0], actor=leader, scores=answers(version, Greeting=2, Accuracy=5, Empathy=4)
    )
    drift = {d.reviewer: d.points for d in reviewer_drift(sessions=type(session).objects.all())}
    assert drift[reviewer_a][0].mean_difference == 0.0
    assert drift[reviewer_b][0].mean_difference == pytest.approx((1 + 0.75 * 3 / 3 * 0 + 2.25 + 2) * 100 / 6 - 100)
    assert drift[reviewer_b][0].tickets == 1


def test_a_calibration_needs_two_reviewers_of_the_team(leader, team, agent, other_leader, version):
    with pytest.raises(ValidationError) as error:
        services.calibration_create(
            actor=leader,
            team=team,
            rubric_version=version,
            title="x",
            tickets=[solved(agent)],
            reviewers=[leader, other_leader],
        )
    assert "reviewers" in error.value.message_dict


# ---- disputes ------------------------------------------------------------------------------


def test_dispute_accepted_rescored_by_another_leader_with_history_and_audit(leader, team, agent, version):
    second_leader = LeaderFactory(username="sam", teams=[team])
    original = review(leader, solved(agent), version, Greeting=2, Accuracy=1, Empathy=4)
    with pytest.raises(PermissionDenied):
        services.dispute_raise(review=original, actor=leader, reason="not mine")
    dispute = services.dispute_raise(review=original, actor=agent, reason="The answer was right: see the policy.")
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    figure = iqs_for(period=MARCH, agent=agent)
    assert (figure.disputed, figure.value) == (1, 0.0)  # marked as disputed until settled
    with pytest.raises(PermissionDenied):  # the original reviewer never settles
        services.dispute_reject(dispute=dispute, actor=leader, resolution="I stand by it")
    with pytest.raises(PermissionDenied):
        services.dispute_raise(review=original, actor=agent, reason="again")  # one open dispute at a time

    rescore = services.dispute_accept(
        dispute=dispute,
        actor=second_leader,
        scores=answers(version, Greeting=2, Accuracy=4, Empathy=4),
        resolution="Policy allows it.",
    )
    original.refresh_from_db()
    dispute.refresh_from_db()
    assert original.status == QualityReviewStatus.SUPERSEDED and original.points_earned == 0.0  # history kept
    assert (rescore.replaces, rescore.reviewer, rescore.rubric_version) == (original, second_leader, version)
    assert (dispute.status, dispute.rescore, dispute.settled_by) == ("accepted", rescore, second_leader)
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    figure = iqs_for(period=MARCH, agent=agent)
    assert (figure.reviews, figure.disputed, figure.points_earned) == (1, 0, 1 + 2.25 + 2)
    actions = list(
        AuditEvent.objects.filter(action__startswith="quality.dispute").order_by("pk").values_list("action", "actor")
    )
    assert actions == [("quality.dispute_raised", agent.pk), ("quality.dispute_accepted", second_leader.pk)]
    accepted = AuditEvent.objects.get(action="quality.dispute_accepted")
    assert accepted.before["points_earned"] == 0.0 and accepted.after["points_earned"] == 5.25
    # The re-score can be disputed in turn.
    assert services.dispute_raise(review=rescore, actor=agent, reason="Still low on accuracy.").is_open


def test_dispute_rejected_keeps_the_score(leader, team, agent, version):
    second_leader = LeaderFactory(username="sam", teams=[team])
    original = review(leader, solved(agent), version)
    dispute = services.dispute_raise(review=original, actor=agent, reason="Too harsh.")
    with pytest.raises(ValidationError):
        services.dispute_reject(dispute=dispute, actor=second_leader, resolution="  ")
    services.dispute_reject(dispute=dispute, actor=second_leader, resolution="The greeting was missing.")
    dispute.refresh_from_db()
    assert dispute.status == "rejected" and Dispute.objects.get().settled_by == second_leader
    snapshots_refresh_dirty()  # IQS figures are read from the snapshots
    assert iqs_for(period=MARCH, agent=agent).disputed == 0
    assert AuditEvent.objects.filter(action="quality.dispute_rejected", actor=second_leader).exists()


# ---- quality vs customers --------------------------------------------------------------------


def test_reviews_that_disagree_with_csat_raise_pitfall_five(leader, team, agent, version, settings):
    settings.KPI_MIN_SAMPLE = 4
    # High review score ↔ low CSAT, and the other way round.
    for day, (accuracy, csat) in enumerate([(5, 1), (4, 2), (2, 4), (3, 3), (5, 2)], start=2):
        ticket = solved(agent, day=day)
        SurveyResponseFactory(agent=agent, ticket=ticket, score=csat)
        review(leader, ticket, version, Greeting=2, Accuracy=accuracy, Empathy=3)
    triggered, correlation = quality_disagreement(team=team, period=MARCH, min_sample=4)
    assert triggered and correlation.n == 5 and correlation.r < 0
    from kpis.pitfalls import team_pitfalls

    check = next(c for c in team_pitfalls(team=team, as_of=dt.date(2026, 3, 20)) if c.number == 5)
    assert check.triggered
    assert any("review scores and CSAT" in line for line in check.evidence)


def test_agreeing_reviews_and_csat_raise_nothing(leader, team, agent, version):
    for day, (accuracy, csat) in enumerate([(5, 5), (4, 4), (2, 2), (3, 3), (1, 1)], start=2):
        ticket = solved(agent, day=day)
        SurveyResponseFactory(agent=agent, ticket=ticket, score=csat)
        review(leader, ticket, version, Greeting=2, Accuracy=accuracy, Empathy=3)
    triggered, correlation = quality_disagreement(team=team, period=MARCH, min_sample=4)
    assert not triggered and correlation.r > 0.9
