"""Celery application, wired the cookiecutter-django way."""

import os

from celery import Celery
from celery.signals import worker_process_init

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
