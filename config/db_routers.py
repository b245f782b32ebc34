"""Page and API reads on a PostgreSQL read replica; writes, and every read that must see them, on the primary.

Active only when `DATABASE_REPLICA_URL` names a replica (settings then add the `replica` alias, this
router and the middleware). The rule, decided per request by `ReplicaReadsMiddleware`:

- reads go to the replica only inside a GET, HEAD or OPTIONS request; outside a request (Celery tasks,
  management commands, migrations, the shell) everything uses the primary;
- once a request writes (any `db_for_write`), the rest of it reads the primary: it sees its own writes;
- a read inside a transaction the code opened itself (`transaction.atomic`, beyond the request's own
  `ATOMIC_REQUESTS` block) uses the primary, so read-then-write logic reads what it will lock and write;
- after a write request the client reads the primary for `DATABASE_REPLICA_PIN_SECONDS` (a cookie), so the
  page a form redirects to, or the first page after signing in, never shows the state before the write;
- migrations run on the primary only (the replica replays them).

What a reader may see on the replica is the primary as of the replication lag ago (usually well under a
second on streaming replication); see docs/scaling.md.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"
# Set on the response of a request that wrote; while present, the client's requests read the primary.
PIN_COOKIE = "pulse_read_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class RequestReads:
    """Where the current request may read from."""

    replica_allowed: bool
    # How many atomic blocks on the primary belong to the request itself (its ATOMIC_REQUESTS block):
    # a deeper block was opened by the code, and reads inside it go to the primary.
    request_atomic_depth: int
    wrote: bool = False


_request_reads: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar("request_reads", default=None)


def current_request_reads() -> RequestReads | None:
    return _request_reads.get()


class ReplicaRouter:
    """Reads to `replica` when the request allows it; writes, relations and migrations on `default`."""

    def db_for_read(self, model, **hints) -> str:
        reads = _request_reads.get()
        if reads is None or not reads.replica_allowed or REPLICA_DB_ALIAS not in connections.settings:
            return DEFAULT_DB_ALIAS
        if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > reads.request_atomic_depth:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        reads = _request_reads.get()
        if reads is not None:
            reads.replica_allowed = False
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows: an object read there may be related to one read on the primary.
        pair = {obj1._state.db, obj2._state.db}
        return True if pair <= {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks safe requests as replica-eligible (unless the client just wrote) and pins writers' next reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        eligible = request.method in SAFE_METHODS and PIN_COOKIE not in request.COOKIES
        reads = RequestReads(
            replica_allowed=eligible, request_atomic_depth=len(connections[DEFAULT_DB_ALIAS].atomic_blocks)
        )
        token = _request_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        if reads.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The view is about to run inside ATOMIC_REQUESTS' block on the primary (unless it opted out):
        # that block is the request's own, not one the code opened.
        reads = _request_reads.get()
        if reads is not None and self._view_is_atomic(view_func):
            reads.request_atomic_depth = len(connections[DEFAULT_DB_ALIAS].atomic_blocks) + 1
        return None

    @staticmethod
    def _view_is_atomic(view_func) -> bool:
        atomic_requests = connections.settings[DEFAULT_DB_ALIAS].get("ATOMIC_REQUESTS", False)
        return atomic_requests and DEFAULT_DB_ALIAS not in getattr(view_func, "_non_atomic_requests", set())
