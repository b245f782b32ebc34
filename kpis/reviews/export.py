"""The HR export of coaching reviews, as CSV and XLSX (openpyxl): one row per review with its
dates, acknowledgement, goals and frozen KPI summary.

The caller chooses the reviews (always through `accounts.scoping.reviews_visible` and checks
`can_export_reviews`); these functions only shape them:

- `reviews_export_rows(queryset)` → (header, rows): titled columns ("Customer Satisfaction (%)",
  "Average Handling Time (h:mm:ss)"), plain Python values (str, int, float, `datetime.date`,
  `datetime.datetime` in UTC to the second, `datetime.timedelta` for durations, None), text as
  people wrote it, statuses by their labels ("Acknowledged", "No target").
- `reviews_export_csv(queryset)` → UTF-8 bytes (with a BOM, so spreadsheet programs read the accents):
  dates YYYY-MM-DD, moments ISO 8601 with +00:00, durations h:mm:ss.
- `reviews_export_xlsx(queryset)` → bytes of an .xlsx workbook with one sheet, "Reviews": real date,
  date-and-time and duration ([h]:mm:ss) cells, columns sized to their content, a frozen header.

Durations are written as durations, not as seconds: a spreadsheet reads "0:07:00" as seven minutes
and can sort, sum and average it, where 420 needs a division before it means anything to HR; the
unit is in the column title either way.
- `reviews_export_response(queryset, fmt)` → a downloadable HttpResponse for "csv" or "xlsx".

Both files are written by `config.spreadsheets`, so no text cell (names, e-mails, notes) runs as a
formula: formula-like text is quoted with an apostrophe in CSV and stored as a string in XLSX.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from accounts.audit import audit_record
from config.spreadsheets import csv_bytes, xlsx_workbook
from kpis.models import TargetStatus
from kpis.registry import KPIS, Kpi, Unit

from .models import Review
from .selectors import review_for_export

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REVIEW_COLUMNS = [
    "Review ID",
    "Status",
    "Team",
    "Agent",
    "Agent e-mail",
    "Author",
    "Period start",
    "Period end",
    "Created (UTC)",
    "Shared (UTC)",
    "Acknowledged (UTC)",
    "Acknowledgement comment",
    "Strengths",
    "Areas to improve",
    "Notes",
    "Goals (count)",
    "Goals",
    "Amendments (count)",
]
# The unit a KPI's value and target columns are in, named in their titles.
UNIT_TITLES = {Unit.PERCENT: "%", Unit.SECONDS: "h:mm:ss", Unit.SCORE: "score", Unit.COUNT: "tickets"}


def kpi_column_titles(kpi: Kpi) -> list[str]:
    """The columns of one KPI: value and target in its unit, status, sample size; and for a time KPI its median
    and p90 (the value is the mean; the target's title names its statistic in the cell's own text)."""
    unit = UNIT_TITLES[kpi.unit]
    titles = [f"{kpi.name} ({unit})", f"{kpi.name} target ({unit})", f"{kpi.name} status", f"{kpi.name} sample size"]
    if kpi.has_distribution:
        titles += [f"{kpi.name} median ({unit})", f"{kpi.name} p90 ({unit})"]
    return titles


def export_header() -> list[str]:
    """The column titles, in order: review columns, then four columns per KPI of the registry."""
    return REVIEW_COLUMNS + [title for kpi in KPIS.values() for title in kpi_column_titles(kpi)]


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    # UTC to the second: ISO 8601 with +00:00 in CSV, a real date-and-time cell in XLSX.
    return value.astimezone(dt.UTC).replace(microsecond=0) if value else None


def _goal_line(number: int, goal) -> str:
    measure = f"{KPIS[goal.kpi].name} {goal.target_label}, " if goal.is_tracked else ""
    return f"{number}. {measure}due {goal.due_date.isoformat()}: {goal.description}"


def _figure(kpi: Kpi, value: float | None) -> float | dt.timedelta | None:
    """A KPI value as a spreadsheet cell: a duration for seconds (h:mm:ss), else the number to 2 decimals."""
    if value is None:
        return None
    if kpi.unit == Unit.SECONDS:
        return dt.timedelta(seconds=round(value))
    return round(value, 2)


def _row(review: Review) -> list:
    goals = list(review.goals.all())
    summary = {row.kpi: row for row in review.kpi_summary.all()}
    row = [
        review.pk,
        review.get_status_display(),
        review.team.name,
        str(review.agent),
        review.agent.email,
        str(review.author),
        review.period_start,
        review.period_end,
        _moment(review.created_at),
        _moment(review.shared_at),
        _moment(review.acknowledged_at),
        review.acknowledgement_comment,
        review.strengths,
        review.improvement_areas,
        review.notes,
        len(goals),
        "\n".join(_goal_line(n, goal) for n, goal in enumerate(goals, start=1)),
        review.amendment_count,
    ]
    for code, kpi in KPIS.items():
        figure = summary.get(code)
        if figure is None:  # a draft (admins only) has no frozen summary
            row += [None] * len(kpi_column_titles(kpi))
            continue
        status = TargetStatus(figure.status).label if figure.status in TargetStatus.values else figure.status
        row += [_figure(kpi, figure.value), _figure(kpi, figure.target_value), status, figure.sample_size]
        if kpi.has_distribution:  # empty in summaries frozen before distributions were stored
            row += [_figure(kpi, figure.median_seconds), _figure(kpi, figure.p90_seconds)]
    return row


def reviews_export_rows(queryset: QuerySet[Review]) -> tuple[list[str], list[list]]:
    """The header and one row per review of `queryset` (ordered by team, agent, period), in 3 queries."""
    return export_header(), [_row(review) for review in review_for_export(queryset)]


def reviews_export_csv(queryset: QuerySet[Review]) -> bytes:
    """The export as CSV bytes (UTF-8 with BOM); dates as YYYY-MM-DD, durations h:mm:ss, empty cells for no value."""
    return csv_bytes(*reviews_export_rows(queryset))


def reviews_export_xlsx(queryset: QuerySet[Review]) -> bytes:
    """The export as an .xlsx workbook: one sheet "Reviews", a bold frozen header, real date and duration cells."""
    return xlsx_workbook("Reviews", *reviews_export_rows(queryset))


def reviews_export_response(
    queryset: QuerySet[Review], fmt: str, *, actor=None, filters: dict | None = None
) -> HttpResponse:
    """A download of the export in `fmt` ("csv" or "xlsx"), named reviews-YYYY-MM-DD.<fmt>.

    Every export is recorded in the audit trail: who, when, which filters, how many reviews.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; choose csv or xlsx.")
    content = reviews_export_csv(queryset) if fmt == "csv" else reviews_export_xlsx(queryset)
    count = queryset.count()
    audit_record(
        actor=actor,
        action=f"reviews.export.{fmt}",
        object_type="reviews",
        object_repr=f"{count} review{'s' if count != 1 else ''}",
        after={
            "format": fmt,
            "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")},
            "reviews": count,
        },
    )
    response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="reviews-{timezone.localdate().isoformat()}.{fmt}"'
    return response
