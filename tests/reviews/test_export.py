"""The HR export: exact header and rows, as CSV and as XLSX read back with openpyxl."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts import scoping
from accounts.models import Team, User
from config.spreadsheets import XLSX_MAX_WIDTH
from kpis.distributions import bucket_key, bucket_value
from kpis.reviews import services
from kpis.reviews.export import export_header, reviews_export_csv, reviews_export_rows, reviews_export_xlsx
from kpis.reviews.models import Review
from kpis.services import snapshots_compute
from tests.factories import SurveyResponseFactory, TicketFactory
from tests.reviews.helpers import MARCH, confirm_all, shared_review

UTC = dt.UTC
KPI_TITLES = [
    ("Customer Satisfaction", "%"),
    ("Net Promoter Score", "score"),
    ("Customer Effort Score", "score"),
    ("Average Handling Time", "h:mm:ss"),
    ("First Response Time", "h:mm:ss"),
    ("First Response Time (business hours)", "h:mm:ss"),
    ("Resolution Time", "h:mm:ss"),
    ("Resolution Time (business hours)", "h:mm:ss"),
    ("First Contact Resolution", "%"),
    ("Resolution Rate", "%"),
    ("Ticket Volume", "tickets"),
    ("Internal Quality Score", "%"),
]
HEADER = [
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
] + [
    title
    for name, unit in KPI_TITLES
    for title in (f"{name} ({unit})", f"{name} target ({unit})", f"{name} status", f"{name} sample size")
    # A time KPI: its median and p90 beside the mean.
    + ((f"{name} median ({unit})", f"{name} p90 ({unit})") if unit == "h:mm:ss" else ())
]


def column_number(title: str) -> int:
    """The 1-based column number of `title` (openpyxl counts from 1)."""
    return HEADER.index(title) + 1


def minutes(count: float) -> dt.timedelta:
    return dt.timedelta(minutes=count)


def sketched(seconds: float) -> dt.timedelta:
    """A one-record median or p90 as exported: its sketch bucket's value (within 1 %, `kpis.distributions`), to
    the second. Pinned exactly: 420 s reads 424 s, 300 s 302 s, 7200 s 7261 s."""
    value = bucket_value(bucket_key(seconds))
    assert abs(value - seconds) <= 0.01 * seconds
    return dt.timedelta(seconds=round(value))


def name(user, first, last):
    User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)


@pytest.fixture
def exported(leader, other_leader, agent, outside_agent):
    name(agent, "Alice", "Martin")
    name(outside_agent, "Carol", "Diaz")
    name(leader, "Lena", "Berg")
    name(other_leader, "Otto", "Klein")
    for user in (agent, outside_agent, leader, other_leader):
        user.refresh_from_db()
    for score in (5, 5, 4, 1):
        SurveyResponseFactory(agent=agent, score=score, responded_at=dt.datetime(2026, 3, 10, 10, tzinfo=UTC))
    TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, 12, 8, tzinfo=UTC), handle_time_seconds=420)
    snapshots_compute(date_from=MARCH[0], date_to=MARCH[1])

    review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
    services.review_update(
        review=review, actor=leader, strengths="Warm tone", improvement_areas="=Shorter calls", notes=""
    )
    services.goal_add(
        review=review,
        actor=leader,
        kpi="aht",
        target_value=360,
        due_date=dt.date(2026, 4, 30),
        description="Use the macros",
    )
    services.goal_add(review=review, actor=leader, due_date=dt.date(2026, 5, 15), description="Shadow a senior")
    for number in range(1, 6):
        services.pitfall_confirm(review=review, actor=leader, number=number, confirmed=True, note="Seen")
    services.review_share(review=review, actor=leader)
    services.review_acknowledge(review=review, actor=agent, comment="Agreed, thanks")
    services.review_amend(review=review, actor=leader, text="Typo fixed")
    other = shared_review(other_leader, outside_agent, period=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    services.review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30)
    )
    moments = {
        "created_at": dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
        "shared_at": dt.datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
    }
    Review.objects.filter(pk__in=[review.pk, other.pk]).update(**moments)
    Review.objects.filter(pk=review.pk).update(acknowledged_at=dt.datetime(2026, 4, 3, 17, 45, tzinfo=UTC))
    return review, other


def expected_rows(review, other):
    alice = [
        review.pk,
        "Acknowledged",
        "Falcons",
        "Alice Martin",
        "alice@example.com",
        "Lena Berg",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
        dt.datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
        dt.datetime(2026, 4, 3, 17, 45, tzinfo=UTC),
        "Agreed, thanks",
        "Warm tone",
        "=Shorter calls",
        "",
        2,
        "1. Average Handling Time ≤ 6 min, due 2026-04-30: Use the macros\n2. due 2026-05-15: Shadow a senior",
        1,
        # csat: 3 of 4 positive; nps, ces: no data; aht 420 s over 1 ticket; frt 300 s; resolution 7200 s; time
        # KPIs then their median and p90 (one record: both its sketched duration); no business-hours figure.
        *(75.0, None, "No target", 4),
        *(None, None, "No data", 0),
        *(None, None, "No data", 0),
        *(minutes(7), None, "No target", 1, sketched(420), sketched(420)),
        *(minutes(5), None, "No target", 1, sketched(300), sketched(300)),
        *(None, None, "No data", 0, None, None),
        *(minutes(120), None, "No target", 1, sketched(7200), sketched(7200)),
        *(None, None, "No data", 0, None, None),
        *(100.0, None, "No target", 1),
        *(100.0, None, "No target", 1),
        *(1.0, None, "No target", 1),
        *(None, None, "No data", 0),  # iqs: no quality review
    ]
    carol = [
        other.pk,
        "Shared",
        "Owls",
        "Carol Diaz",
        "carol@example.com",
        "Otto Klein",
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
        dt.datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
        None,
        "",
        "",
        "",
        "",
        0,
        "",
        0,
    ]
    for name, unit in KPI_TITLES:
        carol += [0.0, None, "No target", 0] if name == "Ticket Volume" else [None, None, "No data", 0]
        carol += [None, None] if unit == "h:mm:ss" else []
    return [alice, carol]


def as_csv_text(cell) -> str:
    """What the CSV holds for an exported value: ISO dates and moments, h:mm:ss durations, "" for none."""
    if cell is None:
        return ""
    if isinstance(cell, dt.timedelta):
        hours, rest = divmod(int(cell.total_seconds()), 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def as_xlsx_value(cell):
    """What openpyxl reads back: naive UTC datetimes, midnight datetimes for dates, None for ""."""
    if isinstance(cell, dt.datetime):
        return cell.astimezone(UTC).replace(tzinfo=None)
    if isinstance(cell, dt.date):
        return dt.datetime.combine(cell, dt.time())
    return None if cell == "" else cell


def test_rows_and_columns(exported, hr):
    review, other = exported
    header, rows = reviews_export_rows(scoping.reviews_visible(hr))
    assert header == HEADER == export_header()
    assert rows == expected_rows(review, other)  # ordered by team, then agent; the draft is not HR's


def test_export_rows_take_a_fixed_number_of_queries(exported, hr, django_assert_num_queries):
    with django_assert_num_queries(3):
        reviews_export_rows(scoping.reviews_visible(hr))


def test_csv(exported, hr):
    review, other = exported
    content = reviews_export_csv(scoping.reviews_visible(hr))
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    as_text = [[as_csv_text(cell) for cell in row] for row in expected_rows(review, other)]
    as_text[0][HEADER.index("Areas to improve")] = "'=Shorter calls"  # quoted so that it never runs
    assert rows[1:] == as_text


def test_csv_units_durations_and_moments(exported, hr):
    """The CSV keeps the meaning of every cell: the unit in the title, durations as h:mm:ss, UTC moments."""
    content = reviews_export_csv(scoping.reviews_visible(hr))
    header, alice, _ = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    row = dict(zip(header, alice, strict=True))
    assert row["Customer Satisfaction (%)"] == "75.0"
    assert row["Average Handling Time (h:mm:ss)"] == "0:07:00"
    assert row["Resolution Time (h:mm:ss)"] == "2:00:00"
    assert row["Shared (UTC)"] == "2026-04-02T09:30:00+00:00"
    assert row["Period start"] == "2026-03-01"
    assert row["Status"] == "Acknowledged" and row["Average Handling Time status"] == "No target"


def test_xlsx(exported, hr):
    review, other = exported
    workbook = openpyxl.load_workbook(io.BytesIO(reviews_export_xlsx(scoping.reviews_visible(hr))))
    sheet = workbook["Reviews"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert values[1:] == [[as_xlsx_value(cell) for cell in row] for row in expected_rows(review, other)]
    assert sheet.freeze_panes == "A2"
    improvement_areas = sheet.cell(row=2, column=column_number("Areas to improve"))
    assert (improvement_areas.value, improvement_areas.data_type) == ("=Shorter calls", "s")
    assert [cell.font.bold for cell in sheet[1]] == [True] * len(HEADER)


def test_xlsx_has_real_dates_durations_and_sized_columns(exported, hr):
    """HR gets cells a spreadsheet computes with, columns wide enough to read, a header that stays."""
    sheet = openpyxl.load_workbook(io.BytesIO(reviews_export_xlsx(scoping.reviews_visible(hr))))["Reviews"]
    period_start = sheet.cell(row=2, column=column_number("Period start"))
    assert (period_start.is_date, period_start.number_format) == (True, "yyyy-mm-dd")
    shared = sheet.cell(row=2, column=column_number("Shared (UTC)"))
    assert (shared.is_date, shared.value, shared.number_format) == (
        True,
        dt.datetime(2026, 4, 2, 9, 30),
        "yyyy-mm-dd hh:mm:ss",
    )
    aht = sheet.cell(row=2, column=column_number("Average Handling Time (h:mm:ss)"))
    # A duration cell (a number of days under an [h]:mm:ss format), which openpyxl reads back as a timedelta.
    assert (aht.value, aht.number_format) == (minutes(7), "[h]:mm:ss")
    resolution = sheet.cell(row=2, column=column_number("Resolution Time (h:mm:ss)"))
    assert (resolution.value, resolution.number_format) == (minutes(120), "[h]:mm:ss")
    csat = sheet.cell(row=2, column=column_number("Customer Satisfaction (%)"))
    assert (csat.value, csat.data_type) == (75.0, "n")
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "D", "E", "I", "Q")}
    # Review ID: the title; Agent and e-mail: the title or the longest value; Created: a date and time;
    # Goals: its longest line (66 characters) capped at the widest column; the cell wraps.
    assert widths == {
        "A": len("Review ID") + 2,
        "D": len("Alice Martin") + 2,
        "E": len("alice@example.com") + 2,
        "I": len("2026-04-01 08:00:00") + 2,
        "Q": XLSX_MAX_WIDTH,
    }
    assert len("1. Average Handling Time ≤ 6 min, due 2026-04-30: Use the macros") + 2 > XLSX_MAX_WIDTH
    assert sheet.cell(row=2, column=column_number("Goals")).alignment.wrap_text
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions


def test_export_view_filters_and_names_the_file(client, exported, hr):
    review, other = exported
    client.force_login(hr)
    response = client.get(reverse("reviews_export"), {"format": "csv", "team": review.team_id})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="reviews-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [str(review.pk)]
    response = client.get(reverse("reviews_export"), {"format": "xlsx", "status": "shared"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Reviews"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [other.pk]


def test_export_view_refuses_bad_parameters(client, exported, hr):
    client.force_login(hr)
    response = client.get(reverse("reviews_export"), {"format": "pdf"})
    assert response.status_code == 400
    assert "Choose csv or xlsx." in response.content.decode()
    response = client.get(
        reverse("reviews_export"), {"format": "csv", "date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


# ---- formula injection -------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "＝1+1"]
PEOPLE_COLUMNS = ("Team", "Agent", "Agent e-mail", "Author", "Strengths")


@pytest.fixture
def formula_export(leader, agent, team):
    """A shared review whose team, agent, e-mail, author and notes are formulas, frozen NPS −100."""

    def make(formula):
        Team.objects.filter(pk=team.pk).update(name=formula)
        User.objects.filter(pk=agent.pk).update(first_name=formula, last_name="", email=f"{formula}@example.com")
        User.objects.filter(pk=leader.pk).update(first_name=formula, last_name="")
        for user in (agent, leader):
            user.refresh_from_db()
        SurveyResponseFactory(agent=agent, kind="nps", score=0, responded_at=dt.datetime(2026, 3, 10, 10, tzinfo=UTC))
        snapshots_compute(date_from=MARCH[0], date_to=MARCH[1])
        review = services.review_create(author=leader, agent=agent, period_start=MARCH[0], period_end=MARCH[1])
        services.review_update(review=review, actor=leader, strengths=formula, improvement_areas="", notes="")
        confirm_all(review, leader)
        services.review_share(review=review, actor=leader)
        # A full name is stripped ("\t=1" is shown as "=1"), which is still a formula.
        return {"Team": formula, "Agent": str(agent), "Agent e-mail": agent.email, "Author": str(leader)}

    return make


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_quotes_formula_like_names_emails_and_notes(formula_export, hr, formula):
    expected = formula_export(formula) | {"Strengths": formula}
    content = reviews_export_csv(scoping.reviews_visible(hr))
    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    for column in PEOPLE_COLUMNS:
        assert row[header.index(column)] == "'" + expected[column], column
    assert row[header.index("Net Promoter Score (score)")] == "-100.0"  # a number, even negative, is not quoted
    assert row[header.index("Review ID")].isdigit()


@pytest.mark.parametrize("formula", FORMULAS)
def test_xlsx_writes_formula_like_names_emails_and_notes_as_text(formula_export, hr, formula):
    expected = formula_export(formula) | {"Strengths": formula}
    sheet = openpyxl.load_workbook(io.BytesIO(reviews_export_xlsx(scoping.reviews_visible(hr))))["Reviews"]
    for column in PEOPLE_COLUMNS:
        cell = sheet.cell(row=2, column=column_number(column))
        assert (cell.value, cell.data_type, cell.quotePrefix) == (expected[column], "s", True), column
    nps = sheet.cell(row=2, column=column_number("Net Promoter Score (score)"))
    assert (nps.value, nps.data_type) == (-100.0, "n")


def test_xlsx_download_has_no_formula_cell(client, formula_export, hr):
    formula_export('=HYPERLINK("http://x")')
    client.force_login(hr)
    response = client.get(reverse("reviews_export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Reviews"]
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in types
    assert "s" in types
