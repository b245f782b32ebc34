"""A team's outcomes are over the customers it served; the service-vs-outcome panel groups them and adds up."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.models import Scope, Target
from kpis.outcomes.selectors import outcomes
from kpis.selectors import Period
from kpis.stats import difference_interval
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory
from tests.outcomes.builders import customers, refresh, ticket

UTC = dt.UTC
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
CHURN_DAY = dt.date(2026, 3, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(db):
    """Falcons serve 40 customers in March, 6 of whom churn; the Owls serve 10 others (5 churn) and 2 of ours.

    Of the Falcons' 40: 20 gave a good last CSAT (1 churned), 20 a poor one (5 churned); the 20 with poor
    CSAT waited 2 h for a first response against a 1 h FRT target, the rest 5 minutes; 8 had a ticket
    reopened; 30 wrote once, 6 twice, 4 four times.
    """
    falcons = TeamFactory(name="Falcons", slug="falcons", timezone="UTC")
    owls = TeamFactory(name="Owls", slug="owls", timezone="UTC")
    agent, owl = AgentFactory(team=falcons), AgentFactory(team=owls)
    Target.objects.create(kpi="frt", scope=Scope.TEAM, team=falcons, effective_from=dt.date(2026, 1, 1), value=3600)
    happy = customers(19) + customers(1, churned_on=CHURN_DAY)
    unhappy = customers(15) + customers(5, churned_on=CHURN_DAY)
    day = dt.datetime(2026, 3, 5, 10, tzinfo=UTC)
    for index, customer in enumerate(happy + unhappy):
        poor = customer in unhappy
        contacts = 4 if index >= 36 else 2 if index >= 30 else 1
        for contact in range(contacts):
            ticket(
                customer,
                agent,
                created_at=day + dt.timedelta(hours=contact),
                first_response_minutes=120 if poor else 5,
                reopened_count=1 if index % 5 == 0 else 0,
            )
        SurveyResponseFactory(
            agent=agent, customer=customer, score=2 if poor else 5, responded_at=day + dt.timedelta(days=1)
        )
    others = customers(5) + customers(5, churned_on=CHURN_DAY)
    for customer in [*others, happy[0], unhappy[-1]]:
        ticket(customer, owl, created_at=day)
    customers(7)  # served by nobody in March
    ticket(customers(1)[0], agent, created_at=dt.datetime(2026, 2, 27, tzinfo=UTC))  # served in February only
    refresh(falcons, owls)
    return falcons, owls, happy, unhappy


def test_a_team_serving_40_customers_of_which_6_churned_shows_15_percent_with_n_40(served):
    falcons, *_ = served
    report = outcomes(period=MARCH, team=falcons)
    churn = report.figures["churn_rate"]
    assert (churn.value, churn.n) == (15.0, 40)
    assert report.served == 40
    assert report.figures["retention_rate"].value == 85.0


def test_a_customer_served_by_two_teams_counts_in_each_and_once_in_the_org(served):
    falcons, owls, happy, unhappy = served
    owls_churn = outcomes(period=MARCH, team=owls).figures["churn_rate"]
    assert (owls_churn.value, owls_churn.n) == (50.0, 12)  # 10 own + 2 shared; 5 + 1 churned
    org = outcomes(period=MARCH)
    # Every customer active on 1 March: 40 + 10 + 7 + 1, each once; 6 + 5 churned.
    assert (org.cohort.at_start, org.cohort.churned) == (58, 11)
    assert org.served == 50


def test_the_grouped_panel_adds_up_to_the_team_totals(served):
    falcons, *_ = served
    report = outcomes(period=MARCH, team=falcons)
    assert [grouping.code for grouping in report.panel] == ["csat", "frt", "reopened", "contacts"]
    for grouping in report.panel:
        assert (grouping.n, grouping.churned) == (40, 6), grouping.code
        assert sum(group.n for group in grouping.groups) == 40
    groups = {g.code: {group.code: group for group in g.groups} for g in report.panel}
    assert [(g.n, g.churned) for g in groups["csat"].values()] == [(20, 1), (20, 5), (0, 0)]
    assert [(g.n, g.churned) for g in groups["frt"].values()] == [(20, 5), (20, 1), (0, 0)]
    assert [(g.n, g.churned) for g in groups["reopened"].values()] == [(8, 1), (32, 5)]
    assert [g.n for g in groups["contacts"].values()] == [30, 6, 4]


def test_each_group_shows_its_churn_and_the_difference_from_the_rest_or_too_few_to_say(served):
    falcons, *_ = served
    csat = outcomes(period=MARCH, team=falcons).panel[0]
    good, bad, none = csat.groups
    assert (good.churn_percent, bad.churn_percent, none.churn_percent) == (5.0, 25.0, None)
    assert good.retention_percent == 95.0
    assert good.difference_points == -20.0
    assert (good.difference_low, good.difference_high) == difference_interval(1, 20, 5, 20)
    assert (round(good.difference_low, 1), round(good.difference_high, 1)) == (-42.3, 3.2)
    assert not good.differs and not good.too_few
    assert none.too_few and none.difference_low is None  # no customer without a response
    assert csat.link is False  # the interval includes 0: 40 customers cannot show the link
    reopened, _ = outcomes(period=MARCH, team=falcons).panel[2].groups
    assert reopened.too_few  # 8 customers: fewer than KPI_MIN_SAMPLE (10)


def test_without_an_frt_target_every_customer_is_in_no_target(served):
    falcons, *_ = served
    Target.objects.all().delete()
    frt = outcomes(period=MARCH, team=falcons).panel[1]
    assert [(group.code, group.n) for group in frt.groups] == [("beyond", 0), ("within", 0), ("no_target", 40)]


def test_a_larger_gap_with_more_customers_is_shown_as_a_difference(db):
    team = TeamFactory(name="Big", slug="big", timezone="UTC")
    agent = AgentFactory(team=team)
    day = dt.datetime(2026, 3, 5, 10, tzinfo=UTC)
    for customer in customers(45) + customers(5, churned_on=CHURN_DAY):
        ticket(customer, agent, created_at=day, reopened_count=0)
    for customer in customers(30) + customers(20, churned_on=CHURN_DAY):
        ticket(customer, agent, created_at=day, reopened_count=2)
    refresh(team)
    reopened_group = outcomes(period=MARCH, team=team).panel[2].groups[0]
    assert (reopened_group.n, reopened_group.churned, reopened_group.difference_points) == (50, 20, 30.0)
    assert (round(reopened_group.difference_low, 1), round(reopened_group.difference_high, 1)) == (13.2, 44.9)
    assert reopened_group.differs


def test_the_query_count_does_not_grow_with_customers_tickets_or_teams(served):
    falcons, *_ = served
    with CaptureQueriesContext(connection) as small_team:
        outcomes(period=MARCH, team=falcons)
    with CaptureQueriesContext(connection) as small_org:
        outcomes(period=MARCH)
    extra_team = TeamFactory(name="Extra", slug="extra", timezone="Asia/Tokyo")
    agent = AgentFactory(team=falcons)
    for customer in customers(30):
        ticket(customer, agent, created_at=dt.datetime(2026, 3, 9, tzinfo=UTC), reopened_count=1)
        SurveyResponseFactory(agent=AgentFactory(team=extra_team), customer=customer, score=1)
    refresh(falcons, extra_team)
    with CaptureQueriesContext(connection) as large_team:
        assert outcomes(period=MARCH, team=falcons).served == 70
    with CaptureQueriesContext(connection) as large_org:
        outcomes(period=MARCH)
    # The service days, the customers, their MRR changes and the targets.
    assert len(small_team) == len(large_team) == 4
    assert len(small_org) == len(large_org) == 4
