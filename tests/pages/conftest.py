"""Fixtures of the page tests: a team with activity over the last days, snapshots computed."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis.models import Scope, Target
from kpis.services import snapshots_compute
from tests.factories import SurveyResponseFactory, TicketFactory

UTC = dt.UTC


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def activity(agent, day: dt.date, *, tickets: int = 0, csat: list[int] = (), channel: str = "email", **ticket):
    """`tickets` solved tickets (5 min handle time by default) and CSAT responses of `agent` on `day`."""
    for _ in range(tickets):
        TicketFactory(agent=agent, channel=channel, created_at=at(day, 9), **ticket)
    for score in csat:
        SurveyResponseFactory(agent=agent, score=score, responded_at=at(day, 13))


def compute(days: int = 40) -> None:
    today = timezone.localdate()
    snapshots_compute(date_from=today - dt.timedelta(days=days), date_to=today)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def team_data(team, agent, other_agent, outside_agent, today):
    """alice: 12 tickets, CSAT 9 of 12 positive (75 %); bob: 3 tickets, CSAT 3 of 3; carol in Owls: 2 tickets.
    All two days ago (noon UTC, the same local day in Paris and New York). Team CSAT target ≥ 80 %."""
    day = today - dt.timedelta(days=2)
    activity(agent, day, tickets=12, csat=[5] * 9 + [2] * 3, category="billing")
    activity(other_agent, day, tickets=3, csat=[4, 5, 5], channel="chat", category="returns")
    activity(outside_agent, day, tickets=2, csat=[1])
    target = Target.objects.create(
        kpi="csat", scope=Scope.TEAM, team=agent.team, effective_from=today - dt.timedelta(days=100), value=80.0
    )
    compute()
    return {"day": day, "target": target}
