"""Probes for a load balancer: /healthz (the process answers) and /readyz (its services answer)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import scoping
from config.db_routers import REPLICA_DB_ALIAS, ReplicaRouter

logger = logging.getLogger(__name__)


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: no dependency is touched, so a slow database never restarts healthy web processes."""
    return JsonResponse({"status": "ok"})


def _check_database(database=None) -> str | None:
    try:
        with (database or connection).cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means not ready
        return f"{type(error).__name__}: {error}"
    return None


def _reads_go_to_replica() -> bool:
    """A `replica` alias is configured and the router sends page reads to it (DATABASE_REPLICA_URL set)."""
    router_path = f"{ReplicaRouter.__module__}.{ReplicaRouter.__qualname__}"
    return REPLICA_DB_ALIAS in settings.DATABASES and router_path in settings.DATABASE_ROUTERS


def _check_redis() -> str | None:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    return None


def _is_staff(request: HttpRequest) -> bool:
    try:
        return scoping.is_admin(request.user)
    except DatabaseError:  # sessions live in the database that may just have failed its check
        return False


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and, when configured, its read replica and Redis answer; 503 otherwise.

    Anyone (the load balancer) gets the status code and one word; only staff see which check failed
    and why, because error texts name hosts, ports and users. Failures are logged for operators.
    """
    checks = {"database": _check_database()}
    if _reads_go_to_replica():  # pages read there: a web process that cannot reach it cannot serve them
        checks["replica"] = _check_database(connections[REPLICA_DB_ALIAS])
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    failed = {name: error for name, error in checks.items() if error}
    for name, error in failed.items():
        logger.warning("readiness check %s failed: %s", name, error)
    body = {"status": "unavailable" if failed else "ok"}
    if _is_staff(request):
        body["checks"] = {name: error or "ok" for name, error in checks.items()}
    return JsonResponse(body, status=503 if failed else 200)
