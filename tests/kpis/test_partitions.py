"""Monthly partitions of the snapshot table (`partition_tables`): converted in place on PostgreSQL, rows in
the right month, compute and pages unchanged, and later months (or back-filled history) get partitions.

The conversion is DDL inside the test's transaction: it is rolled back with the test, so the shared test
database keeps its plain table."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.utils import timezone

from kpis.models import Snapshot
from kpis.partitions import Month, months_between, snapshot_partition_plan
from kpis.services import snapshots_compute
from tests.factories import AgentFactory, LeaderFactory, SurveyResponseFactory, TeamFactory, TicketFactory

UTC = dt.UTC
TABLE = Snapshot._meta.db_table


def activity(agent, day: dt.date, score: int) -> None:
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=UTC)
    ticket = TicketFactory(agent=agent, created_at=moment, solved_at=moment + dt.timedelta(hours=1))
    SurveyResponseFactory(agent=agent, ticket=ticket, score=score, responded_at=moment + dt.timedelta(hours=2))


def all_rows() -> list[tuple]:
    return sorted(
        Snapshot.objects.values_list(
            "id", "date", "kpi", "scope", "team_id", "agent_id", "channel", "numerator", "denominator", "status"
        )
    )


def sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def index_names() -> set[str]:
    return {name for (name,) in sql("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])}


def partition_of_each_row() -> dict[dt.date, set[str]]:
    placed: dict[dt.date, set[str]] = {}
    for day, partition in sql(f"SELECT date, tableoid::regclass::text FROM {TABLE}"):
        placed.setdefault(day, set()).add(partition)
    return placed


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("partition_tables", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def org(postgres):
    team = TeamFactory(slug="parts", timezone="UTC")
    agent = AgentFactory(team=team)
    leader = LeaderFactory(teams=[team])
    # Four past days across the turn of the month before last into last month.
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    days = [last_month + dt.timedelta(days=offset) for offset in (-2, -1, 0, 1)]
    for day, score in zip(days, (5, 4, 2, 5), strict=True):
        activity(agent, day, score)
    snapshots_compute(date_from=days[0], date_to=days[-1])
    return {"team": team, "agent": agent, "leader": leader, "days": days, "this_month": Month.of(this_month)}


def test_the_plan_changes_nothing_and_says_what_is_not_converted(org):
    before = all_rows()
    output = run()
    assert f"{TABLE}: one table; about {len(before):,} rows" in output
    assert "below the threshold" in output
    first, horizon = Month.of(org["days"][0]), org["this_month"]
    for _ in range(12):
        horizon = horizon.next
    months = ", ".join(str(month) for month in months_between(first, horizon))
    assert f"create monthly partitions: {months}." in output
    assert "tickets_ticket: not converted: survey responses reference tickets.id" in output
    assert "surveys_surveyresponse: not converted" in output
    assert "Run with --apply" in output
    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("r",)]
    assert all_rows() == before


def test_apply_converts_the_table_in_place_and_keeps_every_row_id_index_and_figure(org, client):
    before, indexes_before = all_rows(), index_names()

    output = run("--apply", "--months-ahead", "2")

    assert sql("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("p",)]
    assert all_rows() == before  # ids included
    assert index_names() == indexes_before  # same names, now partitioned indexes
    expected_months = months_between(Month.of(org["days"][0]), org["this_month"].next.next)
    partitions = {
        name
        for (name,) in sql("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
    }
    assert partitions == {f"{TABLE}_{month.suffix}" for month in expected_months} | {f"{TABLE}_default"}
    assert f"{len(expected_months)} monthly partition(s) created" in output
    for day, placed in partition_of_each_row().items():
        assert placed == {f"{TABLE}_{Month.of(day).suffix}"}, day

    # The engine still replaces its rows (delete + insert) and new ids continue after the copied ones.
    snapshots_compute(date_from=org["days"][0], date_to=org["days"][-1])
    after = all_rows()
    assert sorted((row[1:] for row in after), key=repr) == sorted((row[1:] for row in before), key=repr)
    assert min(row[0] for row in after) > max(row[0] for row in before)

    # Pages read it as before.
    client.force_login(org["leader"])
    response = client.get(
        f"/teams/{org['team'].pk}/",
        {"period": "custom", "date_from": org["days"][0].isoformat(), "date_to": org["days"][-1].isoformat()},
    )
    assert response.status_code == 200
    assert "75.0 %" in response.content.decode()  # CSAT: 3 of 4 responses are 4 or 5

    assert "nothing to do" in run("--apply", "--months-ahead", "2")


def test_later_migrations_of_the_model_still_apply_to_the_partitioned_table(org):
    run("--apply", "--months-ahead", "1")
    index = Snapshot._meta.indexes[0]
    probe = models.IntegerField(null=True)
    probe.set_attributes_from_name("probe_minutes")
    # What RemoveIndex, AddIndex and AddField migrations run.
    with connection.schema_editor() as editor:
        editor.remove_index(Snapshot, index)
        editor.add_index(Snapshot, index)
        editor.add_field(Snapshot, probe)
    assert index.name in index_names()
    month = Month.of(org["days"][0])
    partitions = sql("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
    # The index is partitioned: one index of its own on every partition.
    assert sql("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [index.name]) == partitions
    assert sql(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = 'probe_minutes'",
        [f"{TABLE}_{month.suffix}"],
    ) == [(1,)]


def test_back_filled_history_lands_in_default_and_the_next_run_gives_it_a_month(org):
    run("--apply", "--months-ahead", "1")
    old_day = org["days"][0] - dt.timedelta(days=200)
    activity(org["agent"], old_day, 1)
    snapshots_compute(date_from=old_day, date_to=old_day)
    assert partition_of_each_row()[old_day] == {f"{TABLE}_default"}

    plan = snapshot_partition_plan(today=timezone.localdate(), months_ahead=1)
    assert plan.months_in_default == [Month.of(old_day)] and plan.months_to_create == [Month.of(old_day)]
    rows = all_rows()
    output = run("--apply", "--months-ahead", "1")

    assert f"{Month.of(old_day)} (rows moved from default)" in output
    assert partition_of_each_row()[old_day] == {f"{TABLE}_{Month.of(old_day).suffix}"}
    assert sql(f"SELECT count(*) FROM {TABLE}_default") == [(0,)]
    assert all_rows() == rows


def test_on_sqlite_the_command_says_it_needs_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite newcomer run checks this")
    with pytest.raises(CommandError, match="Partitioning needs PostgreSQL"):
        run("--apply")
