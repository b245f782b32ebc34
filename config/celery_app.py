"""Celery application, wired the cookiecutter-django way."""

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pulse")
# Every CELERY_* Django setting configures Celery.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_loaded_objects(**kwargs) -> None:
    """A worker process, like a web process, keeps what it loaded at start out of the collector's walks (its
    warm-ups build the same pages): config.startup."""
    from config.startup import freeze_loaded_objects

    freeze_loaded_objects()


@worker_ready.connect
def _warm_pages(**kwargs) -> None:
    """A worker that starts queues every team's dashboard warm-up (kpis.tasks.queue_every_team_warm_up): after a
    deploy the cache keys name the new code, so nothing cached before is read."""
    import logging

    from django.db import connections

    from kpis.tasks import queue_every_team_warm_up

    try:
        queue_every_team_warm_up()
    except Exception:  # the database not reachable yet: the next refresh or the nightly run warms
        logging.getLogger(__name__).warning("could not queue the dashboards' warm-up at start", exc_info=True)
    finally:
        connections.close_all()  # the main process runs no task: no connection of its own to hand to later forks
