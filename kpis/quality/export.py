"""The HR export of quality reviews (CSV and XLSX through `config.spreadsheets`): one row per submitted or
re-scored review, with its points, score, auto-fail, dispute state and each category's rating and comment.

A separate file from the coaching-review export: a quality review is about one ticket and comes in tens
per agent and month, a coaching review about a period; one row each keeps both files flat to filter.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone

from accounts import scoping
from accounts.audit import audit_record
from config.spreadsheets import csv_bytes, xlsx_workbook
from kpis.reviews.export import EXPORT_FORMATS
from kpis.selectors import Period

from .models import Dispute, QualityReviewKind, QualityReviewStatus, QualityScore

QUALITY_COLUMNS = [
    "Review ID",
    "Status",
    "Dispute",
    "Team",
    "Agent",
    "Agent e-mail",
    "Reviewer",
    "Ticket",
    "Channel",
    "Solved day",
    "Submitted (UTC)",
    "Rubric",
    "Rubric version",
    "Points earned",
    "Points possible",
    "Score (%)",
    "Auto-failed",
    "Ratings",
    "Comments",
    "Overall comment",
    "Replaces review ID",
]


def _rating_text(score: QualityScore) -> str:
    category = score.category
    rating = "N/A" if score.rating is None else f"{score.rating}/{category.points}"
    return f"{category.name}: {rating}"


def quality_export_rows(*, user, period: Period) -> tuple[list[str], list[list]]:
    """The header and one row per submitted or re-scored review the user may read in the period."""
    reviews = (
        scoping.quality_reviews_visible(user)
        .filter(
            kind=QualityReviewKind.REVIEW,
            status__in=[QualityReviewStatus.SUBMITTED, QualityReviewStatus.SUPERSEDED],
            work_day__gte=period.date_from,
            work_day__lte=period.date_to,
        )
        .select_related("team", "agent", "reviewer", "ticket", "rubric_version__rubric", "replaces")
        .prefetch_related(
            Prefetch("scores", queryset=QualityScore.objects.select_related("category")),
            Prefetch("disputes", queryset=Dispute.objects.order_by("-raised_at")),
        )
        .order_by("team__name", "agent__username", "work_day", "pk")
    )
    rows = []
    for review in reviews:
        scores = list(review.scores.all())
        disputes = list(review.disputes.all())
        rows.append(
            [
                review.pk,
                review.get_status_display(),
                disputes[0].get_status_display() if disputes else "",
                review.team.name,
                str(review.agent),
                review.agent.email,
                str(review.reviewer),
                review.ticket.external_id,
                review.ticket.get_channel_display(),
                review.work_day,
                review.submitted_at.astimezone(dt.UTC).replace(microsecond=0) if review.submitted_at else None,
                review.rubric_version.rubric.name,
                review.rubric_version.number,
                round(review.points_earned, 2),
                round(review.points_possible, 2),
                round(review.percent, 2) if review.percent is not None else None,
                "yes" if review.auto_failed else "no",
                "; ".join(_rating_text(s) for s in scores),
                "\n".join(f"{s.category.name}: {s.comment}" for s in scores if s.comment),
                review.summary,
                review.replaces_id,
            ]
        )
    return QUALITY_COLUMNS, rows


def quality_export_response(*, user, period: Period, fmt: str) -> HttpResponse:
    """A download named quality-reviews-YYYY-MM-DD.<fmt>; recorded in the audit trail."""
    header, rows = quality_export_rows(user=user, period=period)
    content = csv_bytes(header, rows) if fmt == "csv" else xlsx_workbook("Quality reviews", header, rows)
    audit_record(
        actor=user,
        action=f"quality.export.{fmt}",
        object_type="quality reviews",
        object_repr=f"{len(rows)} quality review{'s' if len(rows) != 1 else ''}",
        after={"format": fmt, "date_from": period.date_from, "date_to": period.date_to, "reviews": len(rows)},
    )
    response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
    name = f"quality-reviews-{timezone.localdate().isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
