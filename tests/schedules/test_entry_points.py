"""Every path that writes tickets' times goes through `tickets_upsert`, so each gets Pulse's business seconds:
the CSV import here (the API and the connectors' sync call the same service; tests/schedules/test_services.py)."""

from pathlib import Path

from accounts.schedules.services import schedule_save
from tests.factories import AgentFactory
from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import Ticket

DATA = Path(__file__).resolve().parent.parent / "data"


def test_a_csv_import_gets_business_seconds_from_each_teams_schedule(team, other_team):
    AgentFactory(username="alice", email="alice@example.com", team=team)
    AgentFactory(username="bob", email="bob@example.com", team=team)
    schedule_save(actor=None, team=None, weekdays={day: [(540, 1020)] for day in range(5)})  # org default
    report = rows_import(
        path=DATA / "generic_tickets.csv",
        profile=profile_load(name_or_path=str(DATA / "generic_mapping.json"), kind="tickets", timezone=None),
    )
    assert (report.created, report.failed) == (3, 0)
    rows = Ticket.objects.order_by("external_id").values_list(
        "external_id", "first_response_business_seconds", "resolution_business_seconds", "business_seconds_source"
    )
    assert list(rows) == [
        # Monday 2 March 09:00 Paris: answered 09:15, solved 10:00 — within Falcons' (Paris) hours.
        ("C-1", 900, 3600, "pulse"),
        # Monday 22:30 Paris, still open: nothing to measure yet.
        ("C-2", None, None, "pulse"),
        # Tuesday 3 March 02:00–02:20 in New York (Owls): the default's hours read in New York time: closed.
        ("C-3", 0, 0, "pulse"),
    ]
