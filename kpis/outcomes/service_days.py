"""The service each customer had, per team and local day (`kpis.models.CustomerServiceDay`): written with the
team's snapshots, read by the outcomes panel instead of the period's tickets and responses.

One rule for what a customer's service is, shared by the write (`customer_service_rows`) and the period's roll-up
(`service_of_customers`):

- a customer is **served** by a team in a period when the team handled a ticket created in the period (its local
  day) naming the customer; `contacts` counts those tickets;
- **reopened**: one of them was reopened;
- **waited beyond the FRT target**: one of them took longer to a first response than the First Response Time
  target in force for its team on the period's last day (tickets without a first response do not count; without
  a target, or without such a ticket, unknown). Per day the longest first response is kept, which decides it;
- **last CSAT good**: the customer's last counted CSAT response of the period (its own customer, or its ticket's),
  by time then id, scored 4–5.

Each day's row keeps exactly what the period's roll-up needs, so a period's service read from the rows equals the
one read from the records (pinned in tests/outcomes/test_service_days.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import Team
from kpis.days import utc_bounds
from kpis.models import CustomerServiceDay
from kpis.registry import KPIS
from kpis.targets import TargetResolver
from surveys.models import SurveyResponse
from tickets.models import Ticket

from .definitions import ServiceOfCustomer

SERVICE_DAY_COLUMNS = (
    "customer_id",
    "team_id",
    "contacts",
    "reopened",
    "longest_first_response",
    "last_csat_at",
    "last_csat_id",
    "last_csat_good",
)


def customer_service_rows(team: Team, date_from: dt.date, date_to: dt.date) -> list[CustomerServiceDay]:
    """The team's rows for its local days date_from..date_to, from its tickets and CSAT responses: two grouped
    reads, whatever the number of tickets."""
    start, end = utc_bounds(date_from, date_to, team.zone)
    frt = KPIS["frt"].numerator
    tickets = (
        Ticket.objects.filter(team=team, customer__isnull=False, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=team.zone))
        .values("day", "customer_id")
        .annotate(
            contacts=Count("pk"),
            reopened=Count("pk", filter=Q(reopened_count__gt=0)),
            longest=Max(frt.record_value()),
        )
        .order_by()
    )
    rows: dict[tuple[dt.date, int], CustomerServiceDay] = {}
    for found in tickets:
        rows[(found["day"], found["customer_id"])] = CustomerServiceDay(
            date=found["day"],
            team_id=team.pk,
            customer_id=found["customer_id"],
            contacts=found["contacts"],
            reopened=found["reopened"] > 0,
            longest_first_response=found["longest"],
        )
    csat = KPIS["csat"]
    responses = (
        SurveyResponse.objects.filter(csat.counted, team=team, **{f"{csat.day_field}__gte": start})
        .filter(**{f"{csat.day_field}__lt": end})
        .annotate(
            customer_ref=Coalesce("customer_id", "ticket__customer_id"),
            good=ExpressionWrapper(csat.numerator.condition, output_field=BooleanField()),
            day=TruncDate(csat.day_field, tzinfo=team.zone),
        )
        .filter(customer_ref__isnull=False)
        .values_list("day", "customer_ref", csat.day_field, "pk", "good")
        .order_by(csat.day_field, "pk")
    )
    for day, customer_id, at, pk, good in responses:  # in time order: the day's last one wins
        row = rows.get((day, customer_id))
        if row is None:
            row = rows[(day, customer_id)] = CustomerServiceDay(date=day, team_id=team.pk, customer_id=customer_id)
        row.last_csat_at, row.last_csat_id, row.last_csat_good = at, pk, good
    return list(rows.values())


def customer_service_days_write(team: Team, date_from: dt.date, date_to: dt.date) -> int:
    """Replace the team's rows of the window (inside the caller's transaction, under the team's lock)."""
    CustomerServiceDay.objects.filter(team=team, date__gte=date_from, date__lte=date_to).delete()
    rows = customer_service_rows(team, date_from, date_to)
    CustomerServiceDay.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def service_of_customers(rows: Iterable[dict], resolver: TargetResolver, on: dt.date) -> dict[int, ServiceOfCustomer]:
    """Each served customer's service over the rows of a period (dicts of SERVICE_DAY_COLUMNS), judged against the
    FRT targets in force on `on` (the period's last day)."""
    contacts: dict[int, int] = defaultdict(int)
    reopened: dict[int, bool] = defaultdict(bool)
    waited: dict[int, list[bool]] = defaultdict(list)
    last_csat: dict[int, tuple] = {}
    targets: dict[int, object] = {}
    for row in rows:
        customer = row["customer_id"]
        if row["contacts"]:
            contacts[customer] += row["contacts"]
            reopened[customer] |= row["reopened"]
            if row["team_id"] not in targets:
                targets[row["team_id"]] = resolver.resolve(kpi="frt", day=on, team_id=row["team_id"])
            target = targets[row["team_id"]]
            if target is not None and row["longest_first_response"] is not None:
                waited[customer].append(row["longest_first_response"].total_seconds() > target.value)
        if row["last_csat_at"] is not None:
            rating = (row["last_csat_at"], row["last_csat_id"], row["last_csat_good"])
            if customer not in last_csat or rating[:2] > last_csat[customer][:2]:
                last_csat[customer] = rating
    return {
        customer: ServiceOfCustomer(
            contacts=count,
            reopened=reopened[customer],
            last_csat_good=last_csat[customer][2] if customer in last_csat else None,
            waited_beyond_frt_target=any(waited[customer]) if waited[customer] else None,
        )
        for customer, count in contacts.items()
    }
