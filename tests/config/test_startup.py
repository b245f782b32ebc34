"""What a serving process does once loaded (config.startup): the loaded objects leave the collector's walks."""

import gc
import importlib
import sys

from celery.signals import worker_process_init


def test_loading_the_wsgi_app_freezes_what_it_loaded():
    """config.wsgi (what gunicorn loads) ends by freezing every object alive: modules, views and URL patterns
    are no longer walked by each full collection."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        sys.modules.pop("config.wsgi", None)
        importlib.import_module("config.wsgi")
        assert gc.get_freeze_count() > 10_000  # Django, the apps and the URLconf's views
        assert "kpis.views" in sys.modules
    finally:
        gc.unfreeze()


def test_a_celery_worker_process_freezes_at_start():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
