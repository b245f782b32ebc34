"""The business-hours durations helpdesk exports carry, kept as given: Zendesk's "… in minutes within business
hours" columns and Freshdesk's "(in hrs)" columns become the ticket's business seconds with source "helpdesk"."""

import datetime as dt
from pathlib import Path

import pytest

from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import BusinessSecondsSource, Ticket

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"
HELPDESK = BusinessSecondsSource.HELPDESK


def business() -> dict[str, tuple]:
    return {
        external_id: (first, resolution, source)
        for external_id, first, resolution, source in Ticket.objects.values_list(
            "external_id", "first_response_business_seconds", "resolution_business_seconds", "business_seconds_source"
        )
    }


def test_zendesks_real_export_keeps_its_business_minutes_as_seconds(sample_agents):
    report = rows_import(path=DATA / "zendesk_real.csv", profile=profile_load(name_or_path="zendesk", kind="tickets"))

    assert report.failed == 1  # 5004 has no group and no assignee (as before)
    found = business()
    # 5001: 12 and 105 business minutes (calendar 12 and 105 too) → 720 s and 6300 s.
    assert found["5001"] == (720, 6300, HELPDESK)
    # 5002 is solved but its business columns are empty: Zendesk gave none, Pulse computes (no schedule here).
    assert found["5002"] == (None, None, BusinessSecondsSource.NONE)
    # 5003 is new and unanswered: nothing to give, nothing kept.
    assert found["5003"] == (None, None, BusinessSecondsSource.NONE)


def test_zendesk_columns_read_zero_and_decimal_minutes_and_refuse_negative_ones(tmp_path, agent):
    path = tmp_path / "zendesk.csv"
    path.write_text(
        "Id,Group,Assignee,Status,Via,Created at,Solved at,First reply time in minutes,"
        "First reply time in minutes within business hours,Full resolution time in minutes,"
        "Full resolution time in minutes within business hours\n"
        "1,Falcons,alice@example.com,Solved,Email,2026-03-06 17:50:00,2026-03-09 09:30:00,10,0,3820,30.5\n"
        "2,Falcons,alice@example.com,Open,Email,2026-03-06 17:50:00,,15,5,,\n"
        "3,Falcons,alice@example.com,Solved,Email,2026-03-06 17:50:00,2026-03-09 09:30:00,10,-4,3820,30\n",
        encoding="utf-8",
    )
    report = rows_import(path=path, profile=profile_load(name_or_path="zendesk", kind="tickets"))

    # Friday 17:50 → Monday 09:30: 3820 calendar minutes, 30.5 within business hours; a reply at 18:00 is 0.
    assert business() == {"1": (0, 1830, HELPDESK), "2": (300, None, HELPDESK)}
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (4, "First reply time in minutes within business hours", "A business-hours duration cannot be negative.")
    ]
    ticket = Ticket.objects.get(external_id="1")
    assert ticket.solved_at - ticket.created_at == dt.timedelta(minutes=3820)


def test_freshdesks_export_keeps_its_business_hours_durations(sample_agents):
    report = rows_import(
        path=DATA / "freshdesk_real.csv", profile=profile_load(name_or_path="freshdesk", kind="tickets")
    )

    found = business()
    assert report.created == len(found)
    # 7001: "00:20:00" and "03:00:00" (hh:mm:ss within business hours) → 1200 s and 10800 s.
    assert found["7001"] == (1200, 10800, HELPDESK)
    # 7002: no "Initial response time", so first_response_at is also created + 00:15:00; resolution 00:30:00.
    assert found["7002"] == (900, 1800, HELPDESK)


def test_a_reimport_writes_a_changed_business_figure_and_nothing_else(tmp_path, agent):
    profile = profile_load(name_or_path="zendesk", kind="tickets")
    header = (
        "Id,Group,Assignee,Status,Via,Created at,Solved at,First reply time in minutes,"
        "First reply time in minutes within business hours,Full resolution time in minutes,"
        "Full resolution time in minutes within business hours\n"
    )
    row = "1,Falcons,alice@example.com,Solved,Email,2026-03-02 09:00:00,2026-03-02 12:00:00,10,{},180,{}\n"
    first, changed, dropped = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    first.write_text(header + row.format(10, 180))
    changed.write_text(header + row.format(10, 175))
    dropped.write_text(header + row.format("", ""))

    assert rows_import(path=first, profile=profile).created == 1
    same = rows_import(path=first, profile=profile)
    moved = rows_import(path=changed, profile=profile)
    assert (same.unchanged, moved.updated) == (1, 1)
    assert business()["1"] == (600, 10500, HELPDESK)

    # The helpdesk gives none any more: the figures are Pulse's to compute again.
    assert rows_import(path=dropped, profile=profile).updated == 1
    assert business()["1"] == (None, None, BusinessSecondsSource.NONE)
