"""A cache of the figures a period page shows, keyed by everything they are computed from.

A dashboard's figures are a function of its snapshot rows, the targets of its period, the period itself and
the code that computes and formats them. The key names each of those exactly:

- the snapshots, by the count every computation writing them leaves for each day of its window in the same
  transaction (`ComputedDay`): a live refresh or a recompute changes the key the moment its rows are visible, so a
  page never shows figures older than the rows it would read. Only the counts of the computations whose rows the
  figures read, over the days they read (the period and the one before it): a team's figures its team's
  (`selectors.figures_version`), the org row the org's, an agent's those of every team holding their rows in the
  period (`selectors.agent_figures_version`). A write to one team leaves other teams' entries, and a write to
  today leaves every period that ends yesterday;
- the targets, by the fields of every target in force in the period, read by the page anyway (a target
  saved, edited or deleted changes the key at once, before any recompute);
- the period, its grain and the query its links carry;
- the code, by a digest of the modules that compute and format figures (a deploy starts afresh) and the
  settings they read;
- the database, so two databases sharing one cache never meet.

Only figures are cached: who may open the page, who the team's agents are, names, goals and reviews are read
for each request. Nothing in an entry depends on the viewer. Without a stamp (snapshots never computed) or
with `KPI_PAGE_CACHE_SECONDS` = 0 nothing is cached.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import lz4.frame
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction

from .targets import TargetResolver

T = TypeVar("T")

_KPIS_DIR = Path(__file__).resolve().parent
# The modules whose code decides a figure and its text.
_CODE = (
    "formatting.py",
    "formulas.py",
    "outcomes/definitions.py",
    "outcomes/selectors.py",
    "page_cache.py",
    "registry.py",
    "selectors.py",
    "stats.py",
    "targets.py",
    "views.py",
    "templatetags/pulse.py",
)
CODE_DIGEST = hashlib.sha256(b"".join((_KPIS_DIR / name).read_bytes() for name in _CODE)).hexdigest()[:16]


def targets_digest(resolver: TargetResolver) -> str:
    """A digest of every field of the period's targets that a figure or its text reads."""
    fields = sorted(
        (
            target.pk,
            target.kpi,
            target.statistic,
            target.scope,
            target.team_id,
            target.agent_id,
            target.channel,
            target.effective_from.isoformat(),
            target.effective_to.isoformat() if target.effective_to else "",
            repr(target.value),
            repr(target.stretch),
        )
        for target in resolver.targets
    )
    return hashlib.sha256(repr(fields).encode()).hexdigest()[:24]


def entry_key(kind: str, *, version, resolver: TargetResolver, using: str, parts: tuple) -> str:
    """The cache key of the figures `cached_figures` reads or stores for these arguments."""
    source = repr(
        (
            CODE_DIGEST,
            settings.KPI_MIN_SAMPLE,
            connections[using].settings_dict["NAME"],
            version,
            targets_digest(resolver),
            parts,
        )
    )
    return f"pulse:figures:{kind}:{hashlib.sha256(source.encode()).hexdigest()}"


def cached_figures(
    kind: str, *, version, resolver: TargetResolver, using: str, parts: tuple, build: Callable[[], T]
) -> T:
    """`build()`, or what it returned for the same snapshots (`version`), targets, `parts` (period, grain,
    links) and code: the entry is read, or built and stored, under a key naming all of them."""
    timeout = settings.KPI_PAGE_CACHE_SECONDS
    if not timeout or version is None:
        return build()
    key = entry_key(kind, version=version, resolver=resolver, using=using, parts=parts)
    found = cache.get(key)
    if found is not None:
        return pickle.loads(lz4.frame.decompress(found))
    value = build()
    # Compressed: a team of 100's figures pickle to ~870 kB of repetitive HTML, ~130 kB once compressed. LZ4
    # rather than zlib: 0.6 ms to compress and 0.2 to read back instead of 3.1 and 1.4 (docs/performance.md), for
    # a third more bytes.
    cache.set(key, lz4.frame.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)), timeout)
    return value


# Customers and their MRR history are not snapshots: their writes renew this stamp instead (`customers_changed`).
CUSTOMERS_VERSION_KEY = "pulse:customers:version"


def customers_version() -> str:
    """The stamp of the customers' data, part of the key of every figure read from it (the outcomes). Without one
    (a new or emptied cache) a new stamp is set, so entries made before are never read again."""
    version = cache.get(CUSTOMERS_VERSION_KEY)
    if version is None:
        cache.add(CUSTOMERS_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CUSTOMERS_VERSION_KEY)
    return version


def customers_changed() -> None:
    """Renew the customers' stamp once the current transaction commits (at once outside one): called by every
    service writing customers or their MRR history (`customers_upsert`, the helpdesk sync's customers)."""
    transaction.on_commit(lambda: cache.set(CUSTOMERS_VERSION_KEY, uuid.uuid4().hex, None))
