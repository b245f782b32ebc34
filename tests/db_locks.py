"""A second PostgreSQL connection that holds a compute lock row, so a computation stops at a known point."""

from __future__ import annotations

import contextlib

import psycopg
from django.db import connection


def db_params() -> dict:
    """Connection parameters of the test database, for a connection Django does not manage."""
    settings_dict = connection.settings_dict
    return {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
    }


@contextlib.contextmanager
def team_lock_held(team):
    """Hold team's compute lock row from a second connection: a run that reaches this team waits there."""
    other = psycopg.connect(**db_params(), autocommit=False)
    try:
        other.execute(
            "INSERT INTO kpis_computelock (key, last_run_at) VALUES (%s, now()) "
            "ON CONFLICT (key) DO UPDATE SET last_run_at = EXCLUDED.last_run_at",
            [f"team:{team.pk}"],
        )
        yield other
    finally:
        other.rollback()
        other.close()


def backends_waiting_on_a_lock(other) -> list[int]:
    """The server processes of this database waiting on a lock, seen from `other`."""
    # Inside a transaction the activity view is read once and then cached: clear it to see it change.
    other.execute("SELECT pg_stat_clear_snapshot()")
    rows = other.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND pid <> pg_backend_pid()"
    ).fetchall()
    return [pid for (pid,) in rows]
