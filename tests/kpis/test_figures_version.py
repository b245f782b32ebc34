"""The versions cached figures are keyed by (kpis.selectors.figures_version, agent_figures_version): per lock key, the
count of its computations' writes over the days a period page reads — the period and the one before it."""

import datetime as dt

import pytest

from kpis.models import ComputedDay
from kpis.selectors import Period, agent_figures_version, figures_version, figures_versions
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)
# 5–7 March, read with 2–4 March (the period before it).
PERIOD = Period(dt.date(2026, 3, 5), dt.date(2026, 3, 7))


def days(first: int, last: int) -> tuple[dt.date, dt.date]:
    return DAY.replace(day=first), DAY.replace(day=last)


def compute(first: int, last: int, team=None) -> None:
    date_from, date_to = days(first, last)
    snapshots_compute(date_from=date_from, date_to=date_to, team_ids=None if team is None else [team.pk])


def test_the_version_counts_the_writes_of_the_days_read_and_no_other():
    team, other = TeamFactory(), TeamFactory()
    assert figures_version(team=team, period=PERIOD) is None  # never computed: never cached

    compute(1, 10)  # every team and the org, each day once
    assert figures_version(team=team, period=PERIOD) == ((f"team:{team.pk}", 6),)  # 2–7 March
    assert figures_versions(team=team, period=PERIOD) == (((f"team:{team.pk}", 6),), (("org", 6),))

    compute(6, 6, team)  # a day of the period, this team only (and the org's re-sum of it)
    assert figures_versions(team=team, period=PERIOD) == (((f"team:{team.pk}", 7),), (("org", 7),))
    assert figures_version(team=other, period=PERIOD) == ((f"team:{other.pk}", 6),)

    compute(2, 2, team)  # the first day of the period before it: the trend reads it
    assert figures_version(team=team, period=PERIOD) == ((f"team:{team.pk}", 8),)
    compute(1, 1, team)  # the day before that, and today: outside
    compute(8, 9, team)
    assert figures_version(team=team, period=PERIOD) == ((f"team:{team.pk}", 8),)
    assert ComputedDay.objects.get(key=f"team:{team.pk}", date=DAY).version == 2


def test_an_agents_version_counts_every_team_holding_their_days():
    falcons, owls = TeamFactory(), TeamFactory()
    agent = AgentFactory(team=owls)
    compute(1, 10)
    assert agent_figures_version(agent=agent, period=PERIOD) == ((owls.pk, 6),)  # no rows: their team's
    compute(3, 3, falcons)
    assert agent_figures_version(agent=agent, period=PERIOD) == ((owls.pk, 6),)  # not a team of theirs
    compute(3, 3, owls)
    assert agent_figures_version(agent=agent, period=PERIOD) == ((owls.pk, 7),)


def test_day_runs_split_dirty_days_at_gaps_longer_than_a_month():
    from kpis.services import day_runs

    march = [dt.date(2026, 3, d) for d in (1, 2, 5, 30)]
    assert day_runs(march) == [(dt.date(2026, 3, 1), dt.date(2026, 3, 30))]
    far = [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 3), dt.date(2673, 8, 21)]
    assert day_runs(far) == [
        (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),  # 31 days apart: one window
        (dt.date(2026, 5, 3), dt.date(2026, 5, 3)),  # 32: a window of its own
        (dt.date(2673, 8, 21), dt.date(2673, 8, 21)),
    ]


def test_a_refresh_of_days_years_apart_rewrites_those_days_not_every_day_between():
    from kpis.models import DirtyDay, OrgDirtyDay
    from kpis.services import snapshots_refresh_dirty

    team = TeamFactory()
    DirtyDay.objects.bulk_create([DirtyDay(team=team, date=DAY), DirtyDay(team=team, date=dt.date(2673, 8, 21))])
    assert snapshots_refresh_dirty() == 2
    assert not DirtyDay.objects.exists() and not OrgDirtyDay.objects.exists()
    for key in (f"team:{team.pk}", "org"):
        assert sorted(ComputedDay.objects.filter(key=key).values_list("date", flat=True)) == [
            DAY,
            dt.date(2673, 8, 21),
        ]
