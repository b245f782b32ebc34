"""The customers' service days (kpis.outcomes.service_days): written with the snapshots, one row per team, local
day and customer; a period's service rolled up from them equals the one read from the tickets and responses;
and the pages that show outcomes read them, never the raw records."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import CustomerServiceDay, Scope, Target
from kpis.outcomes.selectors import outcomes
from kpis.outcomes.service_days import SERVICE_DAY_COLUMNS, service_of_customers
from kpis.selectors import Period, period_targets
from kpis.services import snapshots_compute
from surveys.models import Kind
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory
from tests.outcomes.builders import customers, refresh, ticket

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def rows_of(team) -> dict:
    return {
        (row.date, row.customer_id): row
        for row in CustomerServiceDay.objects.filter(team=team).order_by("date", "customer_id")
    }


def test_a_days_row_counts_its_tickets_keeps_the_longest_first_response_and_the_last_rating():
    tokyo = TeamFactory(name="Tokyo", slug="tokyo", timezone="Asia/Tokyo")
    agent = AgentFactory(team=tokyo)
    acme, other = customers(2)
    # 5 March 23:30 UTC is 6 March in Tokyo; 5 March 14:00 UTC is 5 March 23:00 there.
    late = dt.datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    ticket(acme, agent, created_at=dt.datetime(2026, 3, 5, 14, tzinfo=UTC), first_response_minutes=30)
    ticket(acme, agent, created_at=late, first_response_minutes=90, reopened_count=2)
    ticket(acme, agent, created_at=late, first_response_minutes=None)
    answered = ticket(other, agent, created_at=late, first_response_minutes=10)
    # Ratings of 6 March (Tokyo): acme rated on its own, then twice at the same second (the higher id wins);
    # `other` through its ticket; an NPS response is not a CSAT rating.
    rated = dt.datetime(2026, 3, 6, 2, tzinfo=UTC)
    SurveyResponseFactory(agent=agent, customer=acme, score=5, responded_at=rated - dt.timedelta(hours=1))
    SurveyResponseFactory(agent=agent, customer=acme, score=5, responded_at=rated)
    last = SurveyResponseFactory(agent=agent, customer=acme, score=2, responded_at=rated)
    SurveyResponseFactory(agent=agent, ticket=answered, score=4, responded_at=rated)
    SurveyResponseFactory(agent=agent, customer=other, kind=Kind.NPS, score=0, responded_at=rated)
    refresh(tokyo)

    rows = rows_of(tokyo)
    assert set(rows) == {
        (dt.date(2026, 3, 5), acme.pk),
        (dt.date(2026, 3, 6), acme.pk),
        (dt.date(2026, 3, 6), other.pk),
    }
    fifth, sixth = rows[(dt.date(2026, 3, 5), acme.pk)], rows[(dt.date(2026, 3, 6), acme.pk)]
    assert (fifth.contacts, fifth.reopened, fifth.longest_first_response) == (1, False, dt.timedelta(minutes=30))
    assert fifth.last_csat_at is None
    assert (sixth.contacts, sixth.reopened, sixth.longest_first_response) == (2, True, dt.timedelta(minutes=90))
    assert (sixth.last_csat_at, sixth.last_csat_id, sixth.last_csat_good) == (rated, last.pk, False)
    theirs = rows[(dt.date(2026, 3, 6), other.pk)]
    assert (theirs.contacts, theirs.last_csat_good) == (1, True)


def test_a_refresh_replaces_the_windows_rows():
    team = TeamFactory(name="Falcons", slug="falcons", timezone="UTC")
    agent = AgentFactory(team=team)
    acme, globex = customers(2)
    moved = ticket(acme, agent, created_at=dt.datetime(2026, 3, 9, 10, tzinfo=UTC))
    refresh(team)
    assert [key[1] for key in rows_of(team)] == [acme.pk]
    moved.customer = globex
    moved.save()
    snapshots_compute(date_from=dt.date(2026, 3, 9), date_to=dt.date(2026, 3, 9), team_ids=[team.pk])
    assert [key[1] for key in rows_of(team)] == [globex.pk]


def raw_service(period: Period, teams, resolver) -> dict:
    """The service of each customer read from the records, as the panel computed it before the service days: the
    tickets created in the period (each team's local days) naming a customer, and the period's last counted CSAT
    rating naming one (its own or its ticket's), by time then id."""
    from kpis.selectors import day_bounds_filter
    from surveys.models import SurveyResponse
    from tickets.models import Ticket

    contacts, reopened, waited, last = defaultdict(int), defaultdict(bool), defaultdict(list), {}
    tickets = Ticket.objects.filter(customer__isnull=False).filter(day_bounds_filter("created_at", period, teams))
    for found in tickets:
        contacts[found.customer_id] += 1
        reopened[found.customer_id] |= found.reopened_count > 0
        target = resolver.resolve(kpi="frt", day=period.date_to, team_id=found.team_id)
        if target is not None and found.first_response_at is not None:
            waited[found.customer_id].append(
                (found.first_response_at - found.created_at).total_seconds() > target.value
            )
    responses = SurveyResponse.objects.filter(kind=Kind.CSAT).filter(day_bounds_filter("responded_at", period, teams))
    for response in responses.select_related("ticket").order_by("responded_at", "pk"):
        customer = response.customer_id or (response.ticket.customer_id if response.ticket else None)
        if customer is not None:
            last[customer] = response.score >= 4
    return {
        customer: (count, reopened[customer], last.get(customer), any(waited[customer]) if waited[customer] else None)
        for customer, count in contacts.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_periods_service_from_the_days_equals_the_one_from_the_records(seed):
    rng = random.Random(seed)
    teams = [
        TeamFactory(name=f"Team {zone}", slug=f"team-{index}", timezone=zone)
        for index, zone in enumerate(("UTC", "Asia/Tokyo", "America/Los_Angeles"))
    ]
    agents = [AgentFactory(team=team) for team in teams for _ in range(2)]
    Target.objects.create(kpi="frt", scope=Scope.TEAM, team=teams[0], effective_from=dt.date(2026, 1, 1), value=1800)
    Target.objects.create(kpi="frt", scope=Scope.ORG, effective_from=dt.date(2026, 3, 20), value=3600)
    people = customers(25)
    for _ in range(160):
        agent, customer = rng.choice(agents), rng.choice(people)
        created = dt.datetime(2026, 2, 26, tzinfo=UTC) + dt.timedelta(minutes=rng.randrange(40 * 24 * 60))
        made = TicketFactory(
            agent=agent,
            customer=customer,
            created_at=created,
            first_response_at=None if rng.random() < 0.2 else created + dt.timedelta(minutes=rng.randrange(1, 120)),
            reopened_count=rng.choice((0, 0, 0, 1)),
        )
        if rng.random() < 0.5:
            # Half the ratings name the customer themselves, half only through their ticket; some at the same time.
            at = created + dt.timedelta(hours=rng.choice((1, 1, 5, 30)))
            own = {"customer": customer} if rng.random() < 0.5 else {}
            SurveyResponseFactory(agent=agent, ticket=made, score=rng.randint(1, 5), responded_at=at, **own)
    refresh(*teams)
    for period in (
        MARCH,
        Period(dt.date(2026, 3, 10), dt.date(2026, 3, 12)),
        Period(dt.date(2026, 2, 28), dt.date(2026, 3, 1)),
    ):
        resolver = period_targets(period)
        for subset in ([teams[0]], [teams[1]], teams):
            rows = CustomerServiceDay.objects.filter(
                team__in=subset, date__gte=period.date_from, date__lte=period.date_to
            ).values(*SERVICE_DAY_COLUMNS)
            from_days = {
                customer: (s.contacts, s.reopened, s.last_csat_good, s.waited_beyond_frt_target)
                for customer, s in service_of_customers(rows, resolver, period.date_to).items()
            }
            assert from_days == raw_service(period, subset, resolver), (period, [t.name for t in subset])
            assert from_days  # the seeds give every subset and period some served customers


def test_the_outcome_pages_read_no_ticket_nor_survey_response(client):
    team = TeamFactory(name="Falcons", slug="falcons", timezone="UTC")
    agent = AgentFactory(team=team)
    for customer in customers(12):
        ticket(customer, agent, created_at=dt.datetime(2026, 3, 4, 10, tzinfo=UTC))
        SurveyResponseFactory(agent=agent, customer=customer, responded_at=dt.datetime(2026, 3, 5, tzinfo=UTC))
    refresh(team)
    with CaptureQueriesContext(connection) as queries:
        assert outcomes(period=MARCH, team=team).served == 12
        assert outcomes(period=MARCH).served == 12
    raw = [query["sql"] for query in queries if "tickets_ticket" in query["sql"] or "surveys_" in query["sql"]]
    assert raw == []
    client.force_login(LeaderFactory(teams=[team]))
    with CaptureQueriesContext(connection) as page:
        response = client.get(f"/teams/{team.pk}/?period=custom&date_from=2026-03-01&date_to=2026-03-31")
    assert response.status_code == 200 and "12 served" in response.content.decode()
    raw = [query["sql"] for query in page if "tickets_ticket" in query["sql"] or "surveys_" in query["sql"]]
    assert raw == []
