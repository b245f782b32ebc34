"""Pitfall 3 ("not considering impacts to business objectives") asks, not judges, when the org's data shows
no link between a targeted service KPI and churn, cannot tell yet, or has no customer data at all."""

import datetime as dt

import pytest

from kpis.models import Scope, Target
from kpis.pitfalls import team_pitfalls
from tests.factories import SurveyResponseFactory
from tests.outcomes.builders import customers, refresh, ticket

UTC = dt.UTC
AS_OF = dt.date(2026, 4, 1)  # the outcomes of 1 Jan – 31 Mar
CHURN_DAY = dt.date(2026, 3, 25)

pytestmark = pytest.mark.django_db


def target(kpi: str, value: float, team=None) -> Target:
    return Target.objects.create(
        kpi=kpi,
        scope=Scope.TEAM if team else Scope.ORG,
        team=team,
        effective_from=dt.date(2026, 1, 1),
        value=value,
        rationale="Keep customers happy.",
    )


def serve(agent, *, good: int, good_churned: int, poor: int, poor_churned: int) -> None:
    """Customers served in March with a last CSAT of 5 (good) or 2 (poor), some of each churned."""
    groups = (
        (customers(good - good_churned), 5),
        (customers(good_churned, churned_on=CHURN_DAY), 5),
        (customers(poor - poor_churned), 2),
        (customers(poor_churned, churned_on=CHURN_DAY), 2),
    )
    for rows, score in groups:
        for customer in rows:
            ticket(customer, agent, created_at=dt.datetime(2026, 3, 3, 9, tzinfo=UTC))
            SurveyResponseFactory(
                agent=agent, customer=customer, score=score, responded_at=dt.datetime(2026, 3, 4, tzinfo=UTC)
            )
    refresh(agent.team)


def pitfall_3(team):
    check = team_pitfalls(team=team, as_of=AS_OF)[2]
    assert check.number == 3
    return check


def test_a_service_target_without_any_customer_data_prompts_a_question(team):
    target("csat", 80, team)
    check = pitfall_3(team)
    assert check.triggered
    assert check.evidence == [
        "Targets are set on Customer Satisfaction, and Pulse has no customer data to show whether meeting them "
        "keeps customers: which business outcome should they move, and how will you know? Add customers (MRR, "
        "start and churn dates) and name them on tickets to see churn beside service."
    ]


def test_a_service_target_the_data_shows_no_link_for_prompts_with_the_interval(team, agent):
    target("csat", 80, team)
    serve(agent, good=30, good_churned=3, poor=30, poor_churned=4)
    check = pitfall_3(team)
    assert check.triggered
    (prompt,) = check.evidence
    assert prompt.startswith("Customer Satisfaction: over the last 90 days, customers grouped by last CSAT response")
    assert "“Good (4–5)” -3.3 points vs the rest, 95 % CI -20.9 to +14.2, n = 60" in prompt
    assert prompt.endswith(
        "Is this target the lever for retention here, or does it serve another objective? Say which in its rationale."
    )


def test_a_service_target_linked_to_churn_raises_no_outcome_prompt(team, agent):
    target("csat", 80, team)
    serve(agent, good=50, good_churned=2, poor=50, poor_churned=20)
    check = pitfall_3(team)
    assert not check.triggered
    assert check.evidence == ["Every target in force states the business objective it serves."]


def test_too_few_customers_to_tell_is_a_prompt_too(team, agent):
    target("frt", 3600, team)
    serve(agent, good=4, good_churned=1, poor=3, poor_churned=1)
    (prompt,) = pitfall_3(team).evidence
    assert prompt.startswith("First Response Time: too few customers in the last 90 days (7 served, 2 churned)")


def test_a_target_no_outcome_grouping_speaks_to_asks_nothing(team, agent):
    target("aht", 300, team)
    assert not pitfall_3(team).triggered
