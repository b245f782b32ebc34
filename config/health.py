"""Probes for a load balancer: /healthz (the process answers) and /readyz (its services answer)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: no dependency is touched, so a slow database never restarts healthy web processes."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means not ready
        return f"{type(error).__name__}: {error}"
    return None


def _check_redis() -> str | None:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    return None


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and, when configured, Redis answer; 503 with the failing checks otherwise."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    failed = {name: error for name, error in checks.items() if error}
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: error or "ok" for name, error in checks.items()},
    }
    return JsonResponse(body, status=503 if failed else 200)
