"""Demo customers for `seed_demo` (issue 18): about 300 accounts in three segments with their plans, MRR and its
changes (upgrades, downgrades), named on the demo tickets and survey responses, and churn that follows the service
they got — customers whose last CSAT was poor (or whose ticket was reopened) leave several times as often, a few
weeks after their last contact — so the service-vs-outcome panel has something to show. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from surveys.models import Kind, SurveyResponse
from tickets.customers.models import Customer, MrrChange
from tickets.models import Ticket

CUSTOMER_ID_PREFIX = "DEMO-C-"
DEMO_CUSTOMERS = 300
# (segment, plan, share of customers, monthly price range in dollars, relative ticket volume)
SEGMENTS = (
    ("SMB", "Starter", 0.6, (29, 199), 1.0),
    ("Mid-market", "Growth", 0.3, (400, 1_800), 2.5),
    ("Enterprise", "Scale", 0.1, (3_000, 12_000), 5.0),
)
# Share of the demo tickets whose requester belongs to a customer account (the rest are individuals); each account
# writes mostly to its home team.
NAMED_SHARE = 0.12
HOME_TEAM_SHARE = 0.85
# Chance over the demo's window that a customer leaves: the base, and what a poor last CSAT (1–3) or a reopened
# ticket adds; customers leave a few weeks after their last contact (mean CHURN_DELAY_DAYS).
CHURN_BASE, CHURN_POOR_CSAT, CHURN_REOPENED = 0.10, 0.45, 0.10
CHURN_DELAY_DAYS = 15
# Chance of an MRR change (upgrade or downgrade) inside the window.
MRR_CHANGE_SHARE = 0.25
NAMES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne",
    "Soylent", "Aperture", "Oscorp", "Monarch", "Gringotts", "Dunder", "Pied Piper", "Massive", "Nakatomi",
)  # fmt: skip
SUFFIXES = ("Ltd", "GmbH", "SAS", "Inc", "BV", "AB", "Oy", "SpA", "KK", "LLC", "Pty", "SA", "AS", "NV", "plc")


@dataclass
class _Account:
    row: Customer
    weight: float
    ticket_ids: list[int] = field(default_factory=list)
    last_day: dt.date | None = None
    reopened: bool = False


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100 + 1, 100)) / 100 - Decimal("0.01")


def demo_customers_create(*, date_from: dt.date, date_to: dt.date, seed: int, count: int = DEMO_CUSTOMERS) -> int:
    """Create the demo customers and name them on the demo tickets and responses; returns how many were created."""
    rng = random.Random(f"{seed}-customers")  # its own stream: the tickets of a seed stay as they were
    accounts: list[_Account] = []
    for index in range(count):
        segment, plan, _, (low, high), volume = rng.choices(SEGMENTS, [s[2] for s in SEGMENTS])[0]
        # One in ten started inside the window; the rest up to three years before it.
        if rng.random() < 0.1:
            started_on = date_from + dt.timedelta(days=rng.randrange(max((date_to - date_from).days, 1)))
        else:
            started_on = date_from - dt.timedelta(days=rng.randrange(1, 3 * 365))
        name = f"{rng.choice(NAMES)} {rng.choice(SUFFIXES)} {index + 1:03d}"
        row = Customer(
            external_id=f"{CUSTOMER_ID_PREFIX}{index + 1:04d}",
            name=name,
            segment=segment,
            plan=plan,
            mrr=_price(rng, low, high),
            started_on=started_on,
        )
        accounts.append(_Account(row=row, weight=volume * rng.uniform(0.5, 1.5)))

    tickets = list(
        Ticket.objects.filter(external_id__startswith="DEMO-T-")
        .order_by("pk")
        .values_list("pk", "team_id", "created_at", "reopened_count")
    )
    team_ids = sorted({team_id for _, team_id, _, _ in tickets})
    home: dict[int, list[_Account]] = {team_id: [] for team_id in team_ids}
    for index, account in enumerate(accounts):
        if team_ids:
            home[team_ids[index % len(team_ids)]].append(account)
    last_csat: dict[int, tuple[dt.datetime, int]] = {}
    responses = SurveyResponse.objects.filter(kind=Kind.CSAT, ticket__external_id__startswith="DEMO-T-")
    for ticket_id, responded_at, score in responses.order_by("pk").values_list("ticket_id", "responded_at", "score"):
        last_csat[ticket_id] = (responded_at, score)
    for ticket_id, team_id, created_at, reopened_count in tickets:
        if rng.random() >= NAMED_SHARE:
            continue
        pool = home[team_id] if home[team_id] and rng.random() < HOME_TEAM_SHARE else accounts
        account = rng.choices(pool, [candidate.weight for candidate in pool])[0]
        day = created_at.date()
        if account.row.started_on > day:
            continue  # not a customer yet: the requester's organisation is unknown
        account.ticket_ids.append(ticket_id)
        account.last_day = max(account.last_day or day, day)
        account.reopened |= reopened_count > 0

    for account in accounts:
        answered = [last_csat[ticket_id] for ticket_id in account.ticket_ids if ticket_id in last_csat]
        poor_csat = bool(answered) and max(answered)[1] <= 3
        chance = CHURN_BASE + CHURN_POOR_CSAT * poor_csat + CHURN_REOPENED * account.reopened
        if rng.random() >= chance:
            continue
        if account.last_day is not None:
            churned_on = account.last_day + dt.timedelta(days=1 + round(rng.expovariate(1 / CHURN_DELAY_DAYS)))
        else:
            start = max(account.row.started_on, date_from)
            churned_on = start + dt.timedelta(days=1 + rng.randrange(max((date_to - start).days, 1)))
        if churned_on <= date_to:
            account.row.churned_on = churned_on

    with transaction.atomic():
        rows = Customer.objects.bulk_create([account.row for account in accounts])
        if rows and rows[0].pk is None:  # a backend that does not return ids
            ids = dict(
                Customer.objects.filter(external_id__startswith=CUSTOMER_ID_PREFIX).values_list("external_id", "pk")
            )
            for row in rows:
                row.pk = ids[row.external_id]
        changes = []
        for account in accounts:
            customer = account.row
            first = customer.mrr
            changes.append(MrrChange(customer=customer, effective_on=customer.started_on, mrr=first))
            if rng.random() < MRR_CHANGE_SHARE:
                start = max(customer.started_on, date_from) + dt.timedelta(days=1)
                end = min(customer.churned_on or date_to, date_to)
                if start < end:
                    factor = Decimal(rng.choice(("0.7", "0.8", "1.25", "1.5", "2")))
                    customer.mrr = (first * factor).quantize(Decimal("0.01"))
                    day = start + dt.timedelta(days=rng.randrange((end - start).days))
                    changes.append(MrrChange(customer=customer, effective_on=day, mrr=customer.mrr))
        MrrChange.objects.bulk_create(changes)
        Customer.objects.bulk_update([account.row for account in accounts], ["mrr"])
        for account in accounts:  # one UPDATE per customer: a few hundred, not one per ticket
            if account.ticket_ids:
                Ticket.objects.filter(pk__in=account.ticket_ids).update(customer=account.row)
                SurveyResponse.objects.filter(ticket_id__in=account.ticket_ids).update(customer=account.row)
    return len(accounts)
