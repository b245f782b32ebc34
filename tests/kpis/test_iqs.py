"""IQS (internal quality score) as a KPI of the registry: computed into snapshots from quality reviews, rolled up
exactly (Σ points earned ÷ Σ points possible), n = reviews, the ratio interval, disputed reviews counted, targets,
and a review write refreshing its day through the dirty-day mechanism."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kpis.models import DirtyDay, Scope, Snapshot, Target
from kpis.quality import services
from kpis.quality.scoring import iqs_interval
from kpis.registry import KPI_PARTS, KPIS, SNAPSHOT_KPIS
from kpis.selectors import Period, kpi_series, scorecard, team_dashboard
from kpis.services import snapshots_compute, snapshots_refresh_dirty
from tests.api.conftest import client_for
from tests.factories import AgentFactory, TicketFactory
from tests.quality.helpers import answers, published_rubric

UTC = dt.UTC
DAY = dt.date(2026, 3, 2)
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# Greeting (binary, weight 1), Accuracy (5-point, weight 3, critical), Empathy (4-point, weight 2, N/A allowed).
PERFECT = {"Greeting": 2, "Accuracy": 5, "Empathy": 4}


@pytest.fixture
def version(leader, team):
    return published_rubric(leader, team)


def reviewed(reviewer, agent, version, day=2, **ratings):
    ticket = TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=UTC))
    return services.quality_review_create(
        reviewer=reviewer,
        ticket=ticket,
        rubric_version=version,
        scores=answers(version, **(ratings or PERFECT)),
        submit=True,
    )


def compute_march():
    snapshots_compute(date_from=MARCH.date_from, date_to=MARCH.date_to)


def test_iqs_is_a_targetable_percent_kpi_whose_parts_stay_out_of_the_registry():
    iqs = KPIS["iqs"]
    assert (iqs.unit, iqs.direction, iqs.scale, iqs.lower_bound, iqs.upper_bound) == ("percent", "higher", 100, 0, 100)
    assert iqs.has_target and iqs.sample is not None
    assert iqs.target_errors(120) == {"value": "Internal Quality Score: give a value from 0 to 100 %."}
    assert iqs.target_errors(85, 80) == {
        "stretch": "For a higher-is-better KPI the stretch must be at least the target."
    }
    # Part rows are written and rolled up, never shown or targeted: they are not KPIs.
    assert set(KPI_PARTS) == {"iqs_disputed", "iqs_num_sq", "iqs_num_x_den", "iqs_den_sq"}
    assert not set(KPI_PARTS) & set(KPIS) and set(SNAPSHOT_KPIS) == set(KPIS) | set(KPI_PARTS)


def test_team_iqs_is_the_exact_roll_up_of_unequal_samples(team, leader, version):
    alice, bob = AgentFactory(team=team), AgentFactory(team=team)
    # Alice: 2 reviews, one perfect (6/6) and one with Greeting no, Accuracy 3/5 (1.5), Empathy 2/4 (2/3).
    alice_reviews = [
        reviewed(leader, alice, version),
        reviewed(leader, alice, version, Greeting=1, Accuracy=3, Empathy=2),
    ]
    # Bob: 5 reviews on days 2..6, Empathy N/A on two (4 points possible), one auto-failed (Accuracy 1).
    bob_reviews = [
        reviewed(leader, bob, version, day=2),
        reviewed(leader, bob, version, day=3, Greeting=2, Accuracy=4, Empathy="na"),
        reviewed(leader, bob, version, day=4, Greeting=2, Accuracy=1, Empathy=4),
        reviewed(leader, bob, version, day=5, Greeting=1, Accuracy=5, Empathy="na"),
        reviewed(leader, bob, version, day=6, Greeting=2, Accuracy=2, Empathy=3),
    ]
    compute_march()

    figures = scorecard(scope=Scope.TEAM, subject=team, period=MARCH)
    pairs = [(r.points_earned, r.points_possible) for r in alice_reviews + bob_reviews]
    iqs = figures["iqs"]
    assert iqs.value == pytest.approx(sum(e for e, _ in pairs) * 100 / sum(p for _, p in pairs))
    assert (iqs.numerator, iqs.denominator) == (pytest.approx(sum(e for e, _ in pairs)), 38)  # 6+6 + 6+4+6+4+6
    assert iqs.sample_size == 7  # reviews, not points
    assert iqs.low_confidence  # 7 reviews < KPI_MIN_SAMPLE
    assert (iqs.ci_low, iqs.ci_high) == pytest.approx(iqs_interval(pairs))
    assert iqs.disputed == 0

    alice_iqs = scorecard(scope=Scope.AGENT, subject=alice, period=MARCH)["iqs"]
    bob_iqs = scorecard(scope=Scope.AGENT, subject=bob, period=MARCH)["iqs"]
    assert (alice_iqs.sample_size, bob_iqs.sample_size) == (2, 5)
    # The team figure weighs each review by its points, never the mean of the agents' figures.
    assert iqs.value != pytest.approx((alice_iqs.value + bob_iqs.value) / 2)
    org = scorecard(scope=Scope.ORG, subject=None, period=MARCH)["iqs"]
    assert (org.value, org.sample_size) == (pytest.approx(iqs.value), 7)

    # The auto-fail counts as a 0 % review of its full size; N/A leaves its weight out of points possible.
    auto_failed = bob_reviews[2]
    assert (auto_failed.auto_failed, auto_failed.points_earned, auto_failed.points_possible) == (True, 0.0, 6.0)
    assert (bob_reviews[1].points_earned, bob_reviews[1].points_possible) == (1 + 3 * 3 / 4, 4.0)
    assert bob_iqs.value == pytest.approx(
        (6 + (1 + 2.25) + 0 + (0 + 3) + (1 + 0.75 + 2 * 2 / 3)) * 100 / (6 + 4 + 6 + 4 + 6)
    )

    # Each snapshot row carries its own n-based flag and interval; the trend's points count reviews too.
    day_rows = Snapshot.objects.filter(kpi="iqs", scope=Scope.AGENT, agent=alice, channel="", date=DAY)
    row = day_rows.get()
    assert (row.numerator, row.denominator, row.low_confidence) == (pytest.approx(6 + 1.5 + 2 / 3), 12, True)
    assert (row.ci_low, row.ci_high) == pytest.approx(iqs_interval([(e, p) for e, p in pairs[:2]]))
    points = kpi_series(scope=Scope.AGENT, subject=bob, period=Period(DAY, dt.date(2026, 3, 6)))["iqs"]
    assert [p.sample_size for p in points] == [1, 1, 1, 1, 1]
    assert [p.value for p in points][2] == 0.0  # the auto-failed day


def test_drafts_calibration_scores_and_re_scored_reviews_never_count(team, leader, other_leader, agent, version):
    team.leaders.add(other_leader)
    counted = reviewed(leader, agent, version, Greeting=1, Accuracy=3, Empathy=2)
    ticket = TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    services.quality_review_create(
        reviewer=leader, ticket=ticket, rubric_version=version, scores=answers(version, **PERFECT), submit=False
    )
    session = services.calibration_create(
        actor=leader,
        team=team,
        rubric_version=version,
        title="March",
        tickets=[ticket],
        reviewers=[leader, other_leader],
    )
    services.calibration_score_save(
        session=session, ticket=ticket, actor=other_leader, scores=answers(version, **PERFECT), submit=True
    )
    compute_march()
    iqs = scorecard(scope=Scope.AGENT, subject=agent, period=MARCH)["iqs"]
    assert (iqs.sample_size, iqs.value) == (1, pytest.approx(counted.points_earned * 100 / 6))

    # An accepted dispute re-scores: the original stops counting, the re-score counts in its place.
    dispute = services.dispute_raise(review=counted, actor=agent, reason="The answer was right.")
    services.dispute_accept(
        dispute=dispute, actor=other_leader, scores=answers(version, **PERFECT), resolution="Agreed."
    )
    snapshots_refresh_dirty()
    iqs = scorecard(scope=Scope.AGENT, subject=agent, period=MARCH)["iqs"]
    assert (iqs.sample_size, iqs.value, iqs.disputed) == (1, 100.0, 0)


def test_a_review_write_marks_its_day_and_the_refresh_updates_the_figure(
    team, leader, other_leader, agent, version, django_capture_on_commit_callbacks
):
    team.leaders.add(other_leader)
    first = reviewed(leader, agent, version)
    compute_march()
    DirtyDay.objects.all().delete()
    assert scorecard(scope=Scope.TEAM, subject=team, period=MARCH)["iqs"].value == 100.0

    second = reviewed(leader, agent, version, day=2, Greeting=1, Accuracy=1, Empathy=1)  # auto-failed
    assert set(DirtyDay.objects.values_list("team_id", "date")) == {(team.pk, second.work_day)}
    assert second.work_day == DAY  # the ticket's solved day in the team's time zone
    assert snapshots_refresh_dirty() == 1
    iqs = scorecard(scope=Scope.TEAM, subject=team, period=MARCH)["iqs"]
    assert (iqs.value, iqs.sample_size) == (50.0, 2)

    # A disputed score is marked in every figure until the dispute is settled.
    dispute = services.dispute_raise(review=first, actor=agent, reason="Why?")
    assert DirtyDay.objects.filter(team=team, date=DAY).exists()
    snapshots_refresh_dirty()
    for figures in (
        scorecard(scope=Scope.TEAM, subject=team, period=MARCH),
        scorecard(scope=Scope.AGENT, subject=agent, period=MARCH),
        scorecard(scope=Scope.ORG, subject=None, period=MARCH),
        team_dashboard(team=team, period=MARCH).team_figures,
    ):
        assert (figures["iqs"].disputed, figures["iqs"].sample_size) == (1, 2)
    services.dispute_reject(dispute=dispute, actor=other_leader, resolution="The score stands.")
    snapshots_refresh_dirty()
    assert scorecard(scope=Scope.TEAM, subject=team, period=MARCH)["iqs"].disputed == 0


def test_a_target_on_iqs_judges_the_figure(team, leader, agent, version):
    target = Target(kpi="iqs", scope=Scope.TEAM, team=team, value=80, stretch=95, effective_from=MARCH.date_from)
    target.full_clean()
    target.save()
    with pytest.raises(ValidationError) as error:
        Target(kpi="iqs", scope=Scope.ORG, value=101, effective_from=MARCH.date_from).full_clean()
    assert "value" in error.value.message_dict

    reviewed(leader, agent, version)
    reviewed(leader, agent, version, Greeting=1, Accuracy=4, Empathy=4)  # 0 + 2.25 + 2 of 6
    compute_march()
    iqs = scorecard(scope=Scope.TEAM, subject=team, period=MARCH)["iqs"]
    assert iqs.value == pytest.approx((6 + 4.25) * 100 / 12)
    assert (iqs.target, iqs.status) == (
        target,
        "excellent" if iqs.value >= 95 else "met" if iqs.value >= 80 else "missed",
    )
    assert iqs.status == "met"
    row = Snapshot.objects.get(kpi="iqs", scope=Scope.TEAM, team=team, channel="", date=DAY)
    assert (row.target_id, row.status) == (target.pk, "met")


def test_pages_drill_down_and_api_show_iqs_with_n_and_disputed_reviews(client, team, leader, agent, version):
    first = reviewed(leader, agent, version)
    reviewed(leader, agent, version, day=3, Greeting=1, Accuracy=3, Empathy="na")
    services.dispute_raise(review=first, actor=agent, reason="Why?")
    compute_march()
    query = {"date_from": "2026-03-01", "date_to": "2026-03-31"}

    client.force_login(leader)
    dashboard = client.get(f"/teams/{team.pk}/", query).content.decode()
    assert "Internal Quality Score" in dashboard
    assert "1 disputed" in dashboard
    records = client.get(f"/teams/{team.pk}/kpis/iqs/", query)
    assert records.status_code == 200
    page = records.content.decode()
    assert f"#{first.pk}" in page and "disputed" in page and "n = 2" in page
    csv = b"".join(client.get(f"/teams/{team.pk}/kpis/iqs/export.csv", query).streaming_content).decode("utf-8-sig")
    header, *lines = csv.strip().splitlines()
    assert header.startswith("review_id,team,agent") and len(lines) == 2

    client.force_login(agent)
    scorecard_page = client.get(f"/agents/{agent.pk}/", query).content.decode()
    assert "Internal Quality Score" in scorecard_page and "1 disputed" in scorecard_page

    body = client_for(leader).get(f"/api/v1/scorecards/team/{team.pk}/", query).json()
    iqs = next(row for row in body["kpis"] if row["code"] == "iqs")
    assert (iqs["sample_size"], iqs["disputed"], iqs["denominator"]) == (2, 1, 10)
    assert iqs["ci_low"] is not None and iqs["value_display"].endswith("%")
    listed = client_for(leader).get("/api/v1/snapshots/", {"kpi": "iqs", **query}).json()
    assert listed["results"] and {row["kpi"] for row in listed["results"]} == {"iqs"}
    every_row = client_for(leader).get("/api/v1/snapshots/", {**query, "page_size": 500}).json()["results"]
    assert not [row for row in every_row if row["kpi"].startswith("iqs_")]  # part rows are not listed
