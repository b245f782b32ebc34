"""The outcomes panel is cached like the page's other figures (kpis.page_cache): under the count of the team's
computations over the days its period reads (and the period before) and the customers' stamp. A customers write
shows at once; a ticket shows once its days are refreshed, as every figure of the dashboard does; access is decided
before the cache is read."""

import datetime as dt

import pytest
from django.core.cache import cache

from kpis.outcomes.views import outcome_panel
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, HRFactory, LeaderFactory
from tests.outcomes.builders import customers, ticket
from tests.outcomes.test_team_outcomes import MARCH, served  # noqa: F401 (the fixture)
from tickets.customers.services import customers_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def churn(panel) -> tuple[float, int]:
    figure = panel.report.figures["churn_rate"]
    return figure.value, figure.n


def test_the_panel_is_read_from_the_cache_until_its_stamps_change(
    served,  # noqa: F811
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    falcons, _, happy, _ = served
    snapshots_compute(date_from=MARCH.date_from, date_to=MARCH.date_to)  # stamps the teams' computations
    leader = LeaderFactory(teams=[falcons])
    assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (15.0, 40)
    with django_assert_num_queries(2):  # the targets and the team's stamp; the report from the cache
        assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (15.0, 40)

    # A customer churns: the customers' stamp is renewed when the write commits, and the next read shows it.
    with django_capture_on_commit_callbacks(execute=True):
        customers_upsert(
            records=[
                {
                    "external_id": happy[0].external_id,
                    "name": happy[0].name,
                    "started_on": "2025-01-01",
                    "churned_on": "2026-03-25",
                    "mrr": "50.00",
                }
            ],
            actor=None,
        )
    assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (17.5, 40)

    # A refresh of days outside the period (and the one before it) keeps the entry.
    snapshots_compute(date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 3), team_ids=[falcons.pk])
    with django_assert_num_queries(2):
        assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (17.5, 40)

    # A new customer served: shown once the team's days are refreshed (their count), like the rest of the dashboard.
    ticket(customers(1)[0], AgentFactory(team=falcons), created_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (17.5, 40)
    snapshots_compute(date_from=dt.date(2026, 3, 9), date_to=dt.date(2026, 3, 9), team_ids=[falcons.pk])
    assert churn(outcome_panel(user=leader, period=MARCH, team=falcons)) == (pytest.approx(7 / 41 * 100), 41)


def test_a_cached_panel_is_never_an_access_decision(served):  # noqa: F811
    falcons, owls, _, _ = served
    snapshots_compute(date_from=MARCH.date_from, date_to=MARCH.date_to)
    assert outcome_panel(user=LeaderFactory(teams=[falcons]), period=MARCH, team=falcons) is not None
    assert outcome_panel(user=LeaderFactory(teams=[owls]), period=MARCH, team=falcons) is None
    assert outcome_panel(user=HRFactory(), period=MARCH, team=falcons) is None
