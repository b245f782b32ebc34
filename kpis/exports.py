"""The drill-down CSV: the tickets or survey responses behind one KPI figure, one row per record.

The caller chooses the records (through `kpis.selectors.kpi_records`, which applies the scope)
and records the export in the audit trail; this module only shapes and streams them, through
`config.spreadsheets` so that no cell runs as a formula.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from config.spreadsheets import csv_stream

from .registry import KPIS, Source

TICKET_COLUMNS = [
    "external_id",
    "team",
    "agent",
    "agent_email",
    "channel",
    "category",
    "priority",
    "status",
    "created_at",
    "first_response_at",
    "solved_at",
    "handle_time_seconds",
    "agent_replies",
    "reopened_count",
]
SURVEY_COLUMNS = [
    "external_id",
    "team",
    "agent",
    "agent_email",
    "kind",
    "score",
    "responded_at",
    "ticket_external_id",
    "channel",
    "category",
    "comment",
]
# IQS: the quality reviews counted (each rubric point earned of those possible, on the ticket's solved day).
REVIEW_COLUMNS = [
    "review_id",
    "team",
    "agent",
    "agent_email",
    "reviewer",
    "ticket",
    "channel",
    "category",
    "work_day",
    "points_earned",
    "points_possible",
    "score_percent",
    "auto_failed",
    "under_dispute",
    "submitted_at",
]
CHUNK_SIZE = 2000


def _ticket_row(ticket) -> list:
    agent = ticket.agent
    return [
        ticket.external_id,
        ticket.team.slug if ticket.team else "",
        agent.username if agent else "",
        agent.email if agent else "",
        ticket.channel,
        ticket.category,
        ticket.priority,
        ticket.status,
        ticket.created_at,
        ticket.first_response_at,
        ticket.solved_at,
        ticket.handle_time_seconds,
        ticket.agent_replies,
        ticket.reopened_count,
    ]


def _survey_row(response) -> list:
    agent, ticket = response.agent, response.ticket
    return [
        response.external_id,
        response.team.slug if response.team else "",
        agent.username if agent else "",
        agent.email if agent else "",
        response.kind,
        response.score,
        response.responded_at,
        ticket.external_id if ticket else "",
        ticket.channel if ticket else "",
        ticket.category if ticket else "",
        response.comment,
    ]


def _review_row(review) -> list:
    ticket = review.ticket
    return [
        review.pk,
        review.team.slug,
        review.agent.username,
        review.agent.email,
        review.reviewer.username,
        ticket.external_id,
        ticket.channel,
        ticket.category,
        review.work_day,
        review.points_earned,
        review.points_possible,
        review.percent,
        review.auto_failed,
        review.under_dispute,
        review.submitted_at,
    ]


def records_csv_response(records: QuerySet, *, kpi_code: str, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of `records` (tickets, responses or reviews, as the KPI's source), timestamps in
    ISO 8601."""
    columns, row = {
        Source.TICKETS: (TICKET_COLUMNS, _ticket_row),
        Source.SURVEYS: (SURVEY_COLUMNS, _survey_row),
        Source.QUALITY_REVIEWS: (REVIEW_COLUMNS, _review_row),
    }[KPIS[kpi_code].source]
    lines = csv_stream(columns, (row(record) for record in records.iterator(chunk_size=CHUNK_SIZE)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
