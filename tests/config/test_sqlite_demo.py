"""The `make run` demo's SQLite file serves concurrent requests that read then write (sessions, audit, notifications
marked read) without "database is locked": transactions take the write lock when they begin (config.settings.base
SQLITE_OPTIONS). Checked on a file of its own, on either test database."""

import contextlib
import threading

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

ALIAS = "sqlite_demo_check"


def read_then_write(barrier: threading.Barrier, failures: list) -> None:
    connection = connections[ALIAS]
    try:
        with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hits")
            # Both inside their transaction before either writes, unless the other is waiting for the lock to
            # begin (what IMMEDIATE does): then the wait times out.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)
            cursor.execute("INSERT INTO hits (n) VALUES (1)")
    except OperationalError as error:
        failures.append(str(error))
    finally:
        connection.close()


@pytest.mark.parametrize(("options", "locked"), [(settings.SQLITE_OPTIONS, False), ({"timeout": 20}, True)])
def test_two_requests_that_read_then_write_do_not_lock_each_other_out(tmp_path, django_db_blocker, options, locked):
    demo = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "demo.sqlite3"), "OPTIONS": options}
    connections.settings[ALIAS] = connections.configure_settings({**settings.DATABASES, ALIAS: demo})[ALIAS]
    try:
        with django_db_blocker.unblock():
            with connections[ALIAS].cursor() as cursor:
                cursor.execute("CREATE TABLE hits (n integer)")
            connections[ALIAS].close()
            barrier, failures = threading.Barrier(2), []
            threads = [threading.Thread(target=read_then_write, args=(barrier, failures)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        # Without IMMEDIATE (SQLite's DEFERRED), one of the two fails at once upgrading its read lock.
        assert failures == (["database is locked"] if locked else []), failures
        with django_db_blocker.unblock(), connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hits")
            assert cursor.fetchone()[0] == (1 if locked else 2)
            connections[ALIAS].close()
    finally:
        del connections[ALIAS]
        del connections.settings[ALIAS]
