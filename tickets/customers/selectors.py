"""Reads of customers, always through the reader's scope (`accounts.scoping.customers_visible`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet

from accounts import scoping

from .models import Customer, MrrChange


def customers_list(
    *,
    user,
    search: str = "",
    segment: str = "",
    plan: str = "",
    active: bool | None = None,
    team_id: int | None = None,
) -> QuerySet[Customer]:
    """The customers `user` may see, filtered; `team_id` keeps those the team served (through the
    user's own view of tickets, so naming another team's id finds nothing new)."""
    customers = scoping.customers_visible(user)
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(external_id__icontains=search))
    if segment:
        customers = customers.filter(segment=segment)
    if plan:
        customers = customers.filter(plan=plan)
    if active is not None:
        customers = customers.filter(churned_on__isnull=active)
    if team_id is not None:
        served = scoping.tickets_visible(user).filter(team_id=team_id, customer__isnull=False)
        customers = customers.filter(pk__in=served.values("customer_id"))
    return customers.order_by("name", "external_id")


def customer_get(*, user, external_id: str) -> Customer:
    """One customer in `user`'s scope; Customer.DoesNotExist otherwise (a 404, as if it did not exist)."""
    if "\x00" in external_id:  # no stored id holds a NUL (and PostgreSQL refuses to compare one)
        raise Customer.DoesNotExist
    return scoping.customers_visible(user).get(external_id=external_id)


def customer_mrr_history(*, customer: Customer) -> QuerySet[MrrChange]:
    return customer.mrr_changes.order_by("effective_on")


@dataclass(frozen=True)
class ServedBy:
    team_id: int
    team_name: str
    tickets: int
    first_at: dt.datetime
    last_at: dt.datetime


def customer_served_by(*, user, customer: Customer) -> list[ServedBy]:
    """The teams whose tickets name the customer, with ticket counts, as far as `user` sees tickets."""
    rows = (
        scoping.tickets_visible(user)
        .filter(customer=customer)
        .values("team_id", "team__name")
        .annotate(tickets=Count("pk"), first_at=Min("created_at"), last_at=Max("created_at"))
        .order_by("-tickets", "team__name")
    )
    return [
        ServedBy(
            team_id=row["team_id"],
            team_name=row["team__name"],
            tickets=row["tickets"],
            first_at=row["first_at"],
            last_at=row["last_at"],
        )
        for row in rows
    ]
