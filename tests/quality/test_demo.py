"""The demo seed gains quality data: a published rubric, reviews, a calibration and an open dispute."""

import io

from django.core.management import call_command

from kpis.quality.models import CalibrationSession, Dispute, QualityReview, QualityReviewKind, Rubric


def test_seed_demo_creates_quality_reviews_a_calibration_and_a_dispute(db):
    out = io.StringIO()
    args = ["--teams", "2", "--agents-per-team", "4", "--days", "21", "--end-date", "2026-03-31"]
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    assert Rubric.objects.get().versions.get().status == "published"
    reviews = QualityReview.objects.filter(kind=QualityReviewKind.REVIEW, status="submitted")
    assert reviews.count() >= 8
    assert {r.rubric_version_id for r in reviews} == {Rubric.objects.get().versions.get().pk}
    session = CalibrationSession.objects.get()
    assert session.reviewers.count() == 2
    assert session.reviews.filter(kind=QualityReviewKind.REFERENCE).count() == session.tickets.count()
    assert Dispute.objects.get().status == "open"
    assert "quality reviews, 1 calibration session(s) and 1 open dispute(s)" in out.getvalue()
