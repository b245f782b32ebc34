"""What a serving process does once its code is loaded, before its first request or task."""

from __future__ import annotations

import gc


def freeze_loaded_objects() -> None:
    """Load the URLconf (and with it every view module), then move every object alive so far out of the garbage
    collector's reach (`gc.freeze`): modules, classes, URL patterns and settings live as long as the process, yet
    each full collection walked them all. A dashboard's first read allocates enough to trigger collections;
    profiled, they were ~4 ms of a team of 10's 30-day read (docs/performance.md). Objects made later are
    collected as before."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views it names
    gc.collect()
    gc.freeze()
