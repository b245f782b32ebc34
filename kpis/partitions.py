"""Monthly partitions of the snapshot table (PostgreSQL declarative partitioning, RANGE on `date`).

Why snapshots, and only them (docs/scaling.md has the figures): they are the largest table (≈ 3.4 rows per
ticket), derived (no foreign key points at them), and every unique key already leads with the date, so
the partition key fits every constraint. A refresh then rewrites rows of one month's partition, autovacuum
works on the hot month instead of the whole history, and dropping a month is `DROP TABLE`, not a DELETE.

Tickets and survey responses stay one table each: see `NOT_CONVERTED`.

Converting copies the rows into a partitioned table of the same name, columns, check constraints, indexes
(same names) and identity, under an ACCESS EXCLUSIVE lock: pages and refreshes wait until it commits.
Once partitioned, each run creates the months still missing up to `months_ahead` after today and moves
any month that landed in the default partition (a backfill of old history, or a month past the horizon)
into a partition of its own. Every step is idempotent; the whole run is one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import connection, transaction

from .models import Snapshot

PARTITION_KEY = "date"
# Past this many snapshot rows, partition (docs/scaling.md: ≈ 2,000 agents after a year; the conversion's
# locked copy then takes minutes, not hours).
PARTITION_THRESHOLD_ROWS = 25_000_000
DEFAULT_MONTHS_AHEAD = 12
EXACT_COUNT_BELOW_ROWS = 1_000_000
# Fail fast rather than queue behind a long read and block every page behind the conversion's lock.
LOCK_TIMEOUT = "10s"

NOT_CONVERTED = {
    "tickets_ticket": (
        "not converted: survey responses reference tickets.id (a foreign key needs a unique key on id alone, "
        "which a table partitioned by month cannot have), and the ingestion upsert is keyed on external_id "
        "alone (ON CONFLICT (external_id)), which would have to include the month. Partitioning it means a "
        "separate external_id → id key table for the upsert, responses referencing (ticket_id, created_at), "
        "and a rule for a ticket whose created_at changes month — a schema change in tickets and surveys."
    ),
    "surveys_surveyresponse": (
        "not converted: its upsert is keyed on external_id alone (ON CONFLICT (external_id)); partitioned "
        "by responded_at the key would have to become (external_id, responded_at), and a response whose "
        "responded_at is corrected would be stored twice. Needs the same key-table change as tickets."
    ),
}


@dataclass(frozen=True, order=True)
class Month:
    first_day: dt.date

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.replace(day=1))

    @property
    def next(self) -> Month:
        return Month((self.first_day + dt.timedelta(days=32)).replace(day=1))

    @property
    def suffix(self) -> str:
        return f"p{self.first_day:%Y_%m}"

    def __str__(self) -> str:
        return f"{self.first_day:%Y-%m}"


def months_between(first: Month, last: Month) -> list[Month]:
    months, month = [], first
    while month.first_day <= last.first_day:
        months.append(month)
        month = month.next
    return months


@dataclass
class PartitionPlan:
    """What `snapshot_partitions_apply` would do (or did) to the snapshot table."""

    table: str
    partitioned: bool
    rows_estimate: int
    first_day: dt.date | None
    last_day: dt.date | None
    existing_months: list[Month] = field(default_factory=list)
    months_to_create: list[Month] = field(default_factory=list)
    months_in_default: list[Month] = field(default_factory=list)

    @property
    def has_work(self) -> bool:
        return not self.partitioned or bool(self.months_to_create)

    def lines(self) -> list[str]:
        """The plan in words, for the command's output."""
        span = f"{self.first_day} to {self.last_day}" if self.first_day else "no rows"
        state = (
            f"partitioned by month ({len(self.existing_months)} months + default)" if self.partitioned else "one table"
        )
        lines = [f"{self.table}: {state}; about {self.rows_estimate:,} rows, {span}."]
        if not self.partitioned:
            advice = "past" if self.rows_estimate >= PARTITION_THRESHOLD_ROWS else "below"
            lines.append(
                f"  {advice} the threshold of {PARTITION_THRESHOLD_ROWS:,} rows (docs/scaling.md). Converting copies "
                "every row under an exclusive lock: pages and refreshes wait until it commits."
            )
        if self.months_to_create:
            moved = {str(month) for month in self.months_in_default}
            names = ", ".join(
                f"{month}{' (rows moved from default)' if str(month) in moved else ''}"
                for month in self.months_to_create
            )
            lines.append(f"  create monthly partitions: {names}.")
        if not self.partitioned:
            lines.append(
                f"  plus {self.table}_default for dates outside them; identity, check constraints and indexes kept."
            )
        if not self.has_work:
            lines.append("  nothing to do.")
        lines.extend(f"{table}: {reason}" for table, reason in NOT_CONVERTED.items())
        return lines


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise ValueError(
            f"Partitioning needs PostgreSQL (declarative partitioning); this database is {connection.vendor}."
        )


def _is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    return cursor.fetchone()[0] == "p"


def _existing_months(cursor, table: str) -> list[Month]:
    cursor.execute(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE pg_inherits.inhparent = to_regclass(%s)",
        [table],
    )
    pattern = re.compile(rf"^{re.escape(table)}_p(\d{{4}})_(\d{{2}})$")
    months = []
    for (name,) in cursor.fetchall():
        if match := pattern.match(name):
            months.append(Month(dt.date(int(match[1]), int(match[2]), 1)))
    return sorted(months, key=lambda month: month.first_day)


def _months_with_rows(cursor, relation: str) -> list[Month]:
    cursor.execute(f'SELECT DISTINCT date_trunc(\'month\', "{PARTITION_KEY}")::date FROM "{relation}" ORDER BY 1')
    return [Month(first) for (first,) in cursor.fetchall()]


def snapshot_partition_plan(*, today: dt.date, months_ahead: int = DEFAULT_MONTHS_AHEAD) -> PartitionPlan:
    """What converting (or maintaining) the snapshot table's monthly partitions involves now."""
    _require_postgresql()
    table = Snapshot._meta.db_table
    with connection.cursor() as cursor:
        partitioned = _is_partitioned(cursor, table)
        # The planner's estimate (counting a big table takes minutes); a small table is counted.
        cursor.execute(
            "SELECT coalesce(sum(greatest(reltuples, 0)), 0)::bigint FROM pg_class WHERE oid = to_regclass(%s) "
            "OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))",
            [table, table],
        )
        rows_estimate = cursor.fetchone()[0]
        if rows_estimate < EXACT_COUNT_BELOW_ROWS:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            rows_estimate = cursor.fetchone()[0]
        cursor.execute(f'SELECT min("{PARTITION_KEY}"), max("{PARTITION_KEY}") FROM "{table}"')
        first_day, last_day = cursor.fetchone()
        horizon = Month.of(today)
        for _ in range(months_ahead):
            horizon = horizon.next
        if partitioned:
            existing = _existing_months(cursor, table)
            in_default = _months_with_rows(cursor, f"{table}_default")
            wanted = {m.first_day: m for m in [*months_between(Month.of(today), horizon), *in_default]}
        else:
            existing, in_default = [], []
            start = Month.of(first_day) if first_day else Month.of(today)
            wanted = {m.first_day: m for m in months_between(min(start, Month.of(today)), horizon)}
        have = {month.first_day for month in existing}
        to_create = [wanted[first] for first in sorted(wanted) if first not in have]
    return PartitionPlan(
        table=table,
        partitioned=partitioned,
        rows_estimate=int(rows_estimate),
        first_day=first_day,
        last_day=last_day,
        existing_months=existing,
        months_to_create=to_create,
        months_in_default=[month for month in in_default if month.first_day not in have],
    )


def snapshot_partitions_apply(*, today: dt.date, months_ahead: int = DEFAULT_MONTHS_AHEAD) -> PartitionPlan:
    """Convert the snapshot table to monthly partitions if it is one table, then add the missing months.

    One transaction: on any error nothing changes. Returns the plan it carried out.
    """
    _require_postgresql()
    table = Snapshot._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        plan = snapshot_partition_plan(today=today, months_ahead=months_ahead)
        if not plan.partitioned:
            _convert(cursor, table, plan.months_to_create)
        else:
            for month in plan.months_to_create:
                _add_month(cursor, table, month)
        cursor.execute(f'ANALYZE "{table}"')
    return plan


def _bounds(month: Month) -> str:
    return f"FROM ('{month.first_day.isoformat()}') TO ('{month.next.first_day.isoformat()}')"


def _convert(cursor, table: str, months: list[Month]) -> None:
    """Copy `table` into a partitioned table of the same shape and name (its indexes keep their names)."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname <> %s ORDER BY indexname",
        [table, f"{table}_pkey"],
    )
    indexes = cursor.fetchall()
    staging = f"{table}_partitioned"
    # Columns, NOT NULL and CHECK constraints (same names); the identity and keys are added below.
    cursor.execute(
        f'CREATE TABLE "{staging}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
        f'PARTITION BY RANGE ("{PARTITION_KEY}")'
    )
    for month in months:
        cursor.execute(f'CREATE TABLE "{table}_{month.suffix}" PARTITION OF "{staging}" FOR VALUES {_bounds(month)}')
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{staging}" DEFAULT')
    cursor.execute(f'INSERT INTO "{staging}" SELECT * FROM "{table}"')
    cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{staging}"')
    next_id = cursor.fetchone()[0]
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE "{staging}" RENAME TO "{table}"')
    # Django's BigAutoField column: an identity, continuing after the copied ids.
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {next_id})')
    # A partitioned table's primary key must contain the partition key.
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{PARTITION_KEY}")')
    for _name, definition in indexes:
        cursor.execute(definition)  # `… ON public.<table> …`: the partitioned table now has that name


def _add_month(cursor, table: str, month: Month) -> None:
    """A partition for `month`, taking over its rows from the default partition if it has any."""
    partition, default = f"{table}_{month.suffix}", f"{table}_default"
    in_month = f'"{PARTITION_KEY}" >= %s AND "{PARTITION_KEY}" < %s'
    params = [month.first_day, month.next.first_day]
    cursor.execute(f'CREATE TABLE "{partition}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f'INSERT INTO "{partition}" SELECT * FROM "{default}" WHERE {in_month}', params)
    cursor.execute(f'DELETE FROM "{default}" WHERE {in_month}', params)
    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{partition}" FOR VALUES {_bounds(month)}')
