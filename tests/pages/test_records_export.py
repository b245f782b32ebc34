"""The drill-down CSV: names, e-mails, ids and categories that look like formulas are quoted; numbers are not."""

import csv
import io

import pytest

from accounts.models import Team, User
from kpis.exports import SURVEY_COLUMNS, TICKET_COLUMNS
from tests.factories import SurveyResponseFactory, TicketFactory
from tests.pages.conftest import at, compute

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "－1+1"]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("formula", FORMULAS)
def test_ticket_export_quotes_formula_like_text(client, leader, team, agent, today, formula):
    Team.objects.filter(pk=team.pk).update(slug=formula)
    User.objects.filter(pk=agent.pk).update(username=formula, email=f"{formula}@example.com")
    TicketFactory(agent=agent, external_id=formula, category=formula, created_at=at(today, 1), handle_time_seconds=95)
    compute(days=2)
    client.force_login(leader)
    header, row = csv_rows(client.get(f"/teams/{team.pk}/kpis/aht/export.csv?period=today"))
    assert header == TICKET_COLUMNS
    quoted = "'" + formula
    assert [row[header.index(name)] for name in ("external_id", "team", "agent", "category")] == [quoted] * 4
    assert row[header.index("agent_email")] == f"'{formula}@example.com"
    assert [row[header.index(name)] for name in ("handle_time_seconds", "agent_replies", "reopened_count")] == [
        "95", "1", "0",
    ]  # fmt: skip


@pytest.mark.parametrize("formula", FORMULAS)
def test_survey_export_quotes_formula_like_text(client, leader, team, agent, today, formula):
    User.objects.filter(pk=agent.pk).update(username=formula, email=f"{formula}@example.com")
    ticket = TicketFactory(agent=agent, external_id=f"T{formula}", category=formula, created_at=at(today, 1))
    SurveyResponseFactory(
        agent=agent, ticket=ticket, external_id=formula, score=2, comment=formula, responded_at=at(today, 2)
    )
    compute(days=2)
    client.force_login(leader)
    header, row = csv_rows(client.get(f"/agents/{agent.pk}/kpis/csat/export.csv?period=today"))
    assert header == SURVEY_COLUMNS
    quoted = "'" + formula
    for name in ("external_id", "agent", "category", "comment"):
        assert row[header.index(name)] == quoted, name
    assert row[header.index("agent_email")] == f"'{formula}@example.com"
    assert row[header.index("ticket_external_id")] == f"T{formula}"  # not formula-like: unchanged
    assert row[header.index("score")] == "2"
