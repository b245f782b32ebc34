"""Beat's monthly partition upkeep: on a partitioned snapshot table it adds the months ahead and moves a month
out of the default partition; on one table (or SQLite) it changes nothing. DDL runs inside the test's
transaction and is rolled back with it."""

import datetime as dt
import io

from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kpis import tasks
from kpis.models import Snapshot
from kpis.partitions import DEFAULT_MONTHS_AHEAD, Month
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, SurveyResponseFactory, TeamFactory

TABLE = Snapshot._meta.db_table


def sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def monthly_partitions() -> list[str]:
    rows = sql(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE pg_inherits.inhparent = to_regclass(%s) ORDER BY 1",
        [TABLE],
    )
    return [name for (name,) in rows if name != f"{TABLE}_default"]


def csat_day(day: dt.date) -> None:
    agent = AgentFactory(team=TeamFactory(timezone="UTC"))
    SurveyResponseFactory(agent=agent, score=5, responded_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))
    snapshots_compute(date_from=day, date_to=day)


def test_beat_runs_the_upkeep_on_the_first_of_each_month():
    name = tasks.snapshot_partitions_upkeep.name
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == name)
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].day_of_month == {1}


def test_the_upkeep_leaves_an_unpartitioned_table_as_it_is(db):
    csat_day(timezone.localdate() - dt.timedelta(days=1))
    rows = Snapshot.objects.count()
    assert tasks.snapshot_partitions_upkeep.apply().get() == {"partitioned": False, "months_created": []}
    assert Snapshot.objects.count() == rows
    if connection.vendor == "postgresql":
        assert sql("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE]) == [("r",)]


def test_the_upkeep_keeps_a_partitioned_table_s_months_ahead_and_empties_the_default(postgres):
    today = timezone.localdate()
    call_command("partition_tables", "--apply", "--months-ahead", "1", stdout=io.StringIO())
    old_day = today - dt.timedelta(days=400)  # back-filled history lands in the default partition
    csat_day(old_day)
    assert sql(f"SELECT count(*) FROM {TABLE}_default") == [(Snapshot.objects.filter(date=old_day).count(),)]

    result = tasks.snapshot_partitions_upkeep.apply().get()

    months_ahead = [Month.of(today)]
    for _ in range(DEFAULT_MONTHS_AHEAD):
        months_ahead.append(months_ahead[-1].next)
    assert result["partitioned"] is True
    assert set(result["months_created"]) == {str(Month.of(old_day))} | {str(m) for m in months_ahead[2:]}
    assert {f"{TABLE}_{m.suffix}" for m in [Month.of(old_day), *months_ahead]} <= set(monthly_partitions())
    assert sql(f"SELECT count(*) FROM {TABLE}_default") == [(0,)]
    # A second run has nothing to do.
    assert tasks.snapshot_partitions_upkeep.apply().get() == {"partitioned": True, "months_created": []}
