"""The helpdesk connections pages (admins only; 404 for anyone else) and the Zendesk webhook endpoint."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.scoping import connections_visible, manages_connectors
from config.client_ip import client_ip

from .crypto import ConnectorKeyError, key_configured
from .forms import ConnectionForm
from .models import Connection, HelpdeskKind, SyncRun
from .services import connection_check, connection_save, connection_sync_request
from .webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_verify

logger = logging.getLogger(__name__)
RUNS_SHOWN = 20


def _require_manager(request) -> None:
    if not manages_connectors(request.user):
        raise Http404


@login_required
def connection_list(request):
    """Every connection with its status, last success and last error."""
    _require_manager(request)
    connections = connections_visible(request.user).prefetch_related("runs")
    rows = [(connection, connection.runs.first()) for connection in connections]
    return render(request, "tickets/connectors/list.html", {"rows": rows, "key_configured": key_configured()})


@login_required
def connection_create(request):
    _require_manager(request)
    return _edit(request, Connection(kind=HelpdeskKind.ZENDESK))


@login_required
def connection_edit(request, pk: int):
    return _edit(request, get_object_or_404(connections_visible(request.user), pk=pk))


def _edit(request, connection: Connection):
    form = ConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        connection = connection_save(
            connection=form.connection(),
            actor=request.user,
            email=data["email"],
            api_token=data["api_token"],
            webhook_secret=data["webhook_secret"],
        )
        messages.success(request, f"Saved {connection.name}. Test the connection, then sync.")
        return redirect("connection_detail", pk=connection.pk)
    status = 400 if form.errors else 200
    return render(request, "tickets/connectors/form.html", {"form": form, "connection": connection}, status=status)


@login_required
def connection_detail(request, pk: int, check=None):
    """Settings (credentials never shown), the webhook address, sync history with counts and progress."""
    connection = get_object_or_404(connections_visible(request.user), pk=pk)
    runs = list(connection.runs.all()[:RUNS_SHOWN])
    running = next((run for run in runs if not run.is_finished), None)
    context = {
        "connection": connection,
        "runs": runs,
        "running": running,
        "check": check,
        "webhook_url": request.build_absolute_uri(f"/connectors/{connection.pk}/webhook/"),
    }
    return render(request, "tickets/connectors/detail.html", context)


@login_required
@require_POST
def connection_test(request, pk: int):
    """Call the helpdesk now and show what it answered."""
    connection = get_object_or_404(connections_visible(request.user), pk=pk)
    return connection_detail(request, pk, check=connection_check(connection=connection))


@login_required
@require_POST
def connection_sync_now(request, pk: int):
    connection = get_object_or_404(connections_visible(request.user), pk=pk)
    connection_sync_request(connection=connection, trigger=SyncRun.Trigger.MANUAL)
    messages.success(request, "Sync requested; this page shows its progress.")
    return redirect("connection_detail", pk=connection.pk)


@csrf_exempt
@require_POST
def connection_webhook(request, pk: int):
    """A Zendesk webhook call: verified (signature, freshness), then the connection's sync is enqueued.

    Unknown connection, missing or bad signature, stale timestamp: all the same empty 403.
    """
    if _webhook_rate_exceeded(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    connection = Connection.objects.filter(pk=pk, kind=HelpdeskKind.ZENDESK, is_active=True).first()
    try:
        secret = connection.webhook_secret if connection is not None else ""
    except ConnectorKeyError:
        logger.error("Webhook for connection %s: its secret cannot be decrypted (PULSE_CONNECTOR_KEY)", pk)
        secret = ""
    verified = webhook_verify(
        secret=secret,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        body=request.body,
        now=timezone.now(),
        max_age=settings.CONNECTOR_WEBHOOK_MAX_AGE_SECONDS,
    )
    if not verified:
        return HttpResponse(status=403)
    connection_sync_request(connection=connection, trigger=SyncRun.Trigger.WEBHOOK)
    return HttpResponse(status=202)


def _webhook_rate_exceeded(request) -> bool:
    """More than CONNECTOR_WEBHOOK_RATE_PER_MINUTE calls from one address in the current minute."""
    key = f"connectors:webhook:{client_ip(request)}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the cache lost the key (or is unreachable): let the call through
        return False
    return count > settings.CONNECTOR_WEBHOOK_RATE_PER_MINUTE
