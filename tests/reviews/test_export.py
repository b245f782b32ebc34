"""The HR export: exact header and rows, as CSV and as XLSX read back with openpyxl."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts import scoping
from accounts.models import Team, User
from kpis.reviews import services
from kpis.reviews.export import export_header, reviews_export_csv, reviews_export_rows, reviews_export_xlsx
from kpis.reviews.models import Review
from kpis.services import snapshots_compute
from tests.factories import SurveyResponseFactory, TicketFactory
from tests.reviews.helpers import MARCH, confirm_all, shared_review

UTC = dt.UTC
KPI_CODES = ["csat", "nps", "ces", "aht", "frt", "resolution_time", "fcr", "resolution_rate", "volume"]
HEADER = [
    "review_id",
    "status",
    "team",
    "agent",
    "agent_email",
    "author",
    "period_start",
    "period_end",
    "created_at",
    "shared_at",
    "acknowledged_at",
    "acknowledgement_comment",
    "strengths",
    "improvement_areas",
    "notes",
    "goal_count",
    "goals",
    "amendment_count",
] + [f"{code}_{suffix}" for code in KPI_CODES for suffix in ("value", "target", "status", "sample_size")]


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
        "acknowledged",
        "Falcons",
        "Alice Martin",
        "alice@example.com",
        "Lena Berg",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        "2026-04-01T08:00:00+00:00",
        "2026-04-02T09:30:00+00:00",
        "2026-04-03T17:45:00+00:00",
        "Agreed, thanks",
        "Warm tone",
        "=Shorter calls",
        "",
        2,
        "1. Average Handling Time ≤ 360, due 2026-04-30: Use the macros\n2. due 2026-05-15: Shadow a senior",
        1,
        # csat: 3 of 4 positive; nps, ces: no data; aht 420 s over 1 ticket; frt 300 s; resolution 7200 s.
        *(75.0, None, "no_target", 4),
        *(None, None, "no_data", 0),
        *(None, None, "no_data", 0),
        *(420.0, None, "no_target", 1),
        *(300.0, None, "no_target", 1),
        *(7200.0, None, "no_target", 1),
        *(100.0, None, "no_target", 1),
        *(100.0, None, "no_target", 1),
        *(1.0, None, "no_target", 1),
    ]
    carol = [
        other.pk,
        "shared",
        "Owls",
        "Carol Diaz",
        "carol@example.com",
        "Otto Klein",
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        "2026-04-01T08:00:00+00:00",
        "2026-04-02T09:30:00+00:00",
        None,
        "",
        "",
        "",
        "",
        0,
        "",
        0,
    ]
    for code in KPI_CODES:
        carol += [0.0, None, "no_target", 0] if code == "volume" else [None, None, "no_data", 0]
    return [alice, carol]


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
    as_text = [
        ["" if cell is None else cell.isoformat() if isinstance(cell, dt.date) else str(cell) for cell in row]
        for row in expected_rows(review, other)
    ]
    as_text[0][HEADER.index("improvement_areas")] = "'=Shorter calls"  # quoted so that it never runs
    assert rows[1:] == as_text
    assert rows[1][HEADER.index("csat_value")] == "75.0"


def test_xlsx(exported, hr):
    review, other = exported
    workbook = openpyxl.load_workbook(io.BytesIO(reviews_export_xlsx(scoping.reviews_visible(hr))))
    sheet = workbook["Reviews"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    expected = [
        [dt.datetime.combine(cell, dt.time()) if isinstance(cell, dt.date) else cell for cell in row]
        for row in expected_rows(review, other)
    ]
    # openpyxl reads an empty string cell back as None.
    assert values[1:] == [[None if cell == "" else cell for cell in row] for row in expected]
    assert sheet["G2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    improvement_areas = sheet.cell(row=2, column=HEADER.index("improvement_areas") + 1)
    assert (improvement_areas.value, improvement_areas.data_type) == ("=Shorter calls", "s")
    assert [cell.font.bold for cell in sheet[1]] == [True] * len(HEADER)


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
PEOPLE_COLUMNS = ("team", "agent", "agent_email", "author", "strengths")


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
        return {"team": formula, "agent": str(agent), "agent_email": agent.email, "author": str(leader)}

    return make


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_quotes_formula_like_names_emails_and_notes(formula_export, hr, formula):
    expected = formula_export(formula) | {"strengths": formula}
    content = reviews_export_csv(scoping.reviews_visible(hr))
    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    for column in PEOPLE_COLUMNS:
        assert row[header.index(column)] == "'" + expected[column], column
    assert row[header.index("nps_value")] == "-100.0"  # a number, even negative, is not quoted
    assert row[header.index("review_id")].isdigit()


@pytest.mark.parametrize("formula", FORMULAS)
def test_xlsx_writes_formula_like_names_emails_and_notes_as_text(formula_export, hr, formula):
    expected = formula_export(formula) | {"strengths": formula}
    sheet = openpyxl.load_workbook(io.BytesIO(reviews_export_xlsx(scoping.reviews_visible(hr))))["Reviews"]
    for column in PEOPLE_COLUMNS:
        cell = sheet.cell(row=2, column=HEADER.index(column) + 1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (expected[column], "s", True), column
    nps = sheet.cell(row=2, column=HEADER.index("nps_value") + 1)
    assert (nps.value, nps.data_type) == (-100.0, "n")


def test_xlsx_download_has_no_formula_cell(client, formula_export, hr):
    formula_export('=HYPERLINK("http://x")')
    client.force_login(hr)
    response = client.get(reverse("reviews_export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Reviews"]
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in types
    assert "s" in types
