"""Helpers of the outcome tests: customers and their tickets, built with the ORM in bulk."""

import datetime as dt
import itertools
from decimal import Decimal

from tickets.customers.models import Customer, MrrChange
from tickets.models import Status, Ticket

UTC = dt.UTC
_sequence = itertools.count()


def customers(count: int, *, started_on=dt.date(2025, 1, 1), churned_on=None, mrr="50.00", prefix="C") -> list:
    """`count` customers paying `mrr` a month since `started_on` (churned on `churned_on`, if given)."""
    rows = [
        Customer(
            external_id=f"{prefix}-{next(_sequence)}",
            name=f"Customer {prefix}{index}",
            mrr=Decimal(mrr),
            started_on=started_on,
            churned_on=churned_on,
        )
        for index in range(count)
    ]
    return Customer.objects.bulk_create(rows)


def mrr_change(customer, effective_on: dt.date, mrr: str) -> MrrChange:
    return MrrChange.objects.create(customer=customer, effective_on=effective_on, mrr=Decimal(mrr))


def ticket(customer, agent, *, created_at=None, first_response_minutes=5, reopened_count=0) -> Ticket:
    """A solved ticket of `agent`'s team naming `customer`."""
    created_at = created_at or dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    return Ticket.objects.create(
        external_id=f"OT-{next(_sequence)}",
        channel="email",
        status=Status.SOLVED,
        agent=agent,
        team=agent.team,
        customer=customer,
        created_at=created_at,
        first_response_at=None
        if first_response_minutes is None
        else created_at + dt.timedelta(minutes=first_response_minutes),
        solved_at=created_at + dt.timedelta(hours=3),
        handle_time_seconds=300,
        agent_replies=1,
        reopened_count=reopened_count,
    )


def refresh(*teams, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 4, 30)) -> None:
    """Compute the teams' snapshots over the tests' months, as the worker does after a write: the outcomes panel
    reads the customers' service days written with them (`kpis.outcomes.service_days`), never raw tickets."""
    from kpis.services import snapshots_compute

    snapshots_compute(date_from=date_from, date_to=date_to, team_ids=[team.pk for team in teams])
