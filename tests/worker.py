"""A real Celery worker process on the Redis broker, consuming every queue of the app plus one of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def celery_worker(redis_url: str, *, concurrency: int = 1):
    """Start `celery worker` against the test database and Redis; yield (process, queue name).

    The worker consumes the test's own queue (tasks sent with `queue=`) and every queue by kind (refresh,
    import, sync, export, default), as a production worker started without -Q does, so tasks sent without a
    queue reach it through CELERY_TASK_ROUTES. Messages left in those queues by an earlier run are purged.
    """
    from config.celery_app import app

    queue = f"pulse-test-{uuid.uuid4().hex[:8]}"
    kinds = app_queue_names()
    with app.connection_for_write(redis_url) as broker_connection:
        for name in kinds:
            broker_connection.default_channel.queue_purge(name)
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        # A worker fans refreshes out and queues what follows them, as in production (not the eager shortcuts).
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    if connection.vendor == "postgresql":
        user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    log = open(ROOT / f".worker-{queue}.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "-Q",
            ",".join([queue, *kinds]),
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while "ready" not in (ROOT / f".worker-{queue}.log").read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not start:\n" + (ROOT / f".worker-{queue}.log").read_text())
            time.sleep(0.2)
        yield process, queue
    finally:
        app.conf.task_always_eager = previous
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        if not os.environ.get("KEEP_WORKER_LOG"):
            (ROOT / f".worker-{queue}.log").unlink(missing_ok=True)


def app_queue_names() -> list[str]:
    """The queues a worker started without -Q consumes (CELERY_TASK_QUEUES)."""
    from config.celery_app import app

    return [queue.name for queue in app.conf.task_queues]


def pool_children(parent_pid: int) -> list[int]:
    """The pids of a worker's pool processes."""
    output = subprocess.run(["pgrep", "-P", str(parent_pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in output.split()]


@contextmanager
def broker(url: str):
    """Point this process' Celery app at another broker, with fresh connection pools both ways."""
    from config.celery_app import app

    def reset_pools() -> None:
        # Celery caches the broker pool, the producer pool and the result backend per app.
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    previous = (app.conf.broker_url, app.conf.result_backend, app.conf.broker_connection_timeout)
    app.conf.broker_url = app.conf.result_backend = url
    app.conf.broker_connection_timeout = 1
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.result_backend, app.conf.broker_connection_timeout = previous
        reset_pools()
