"""The sync of one connection: read the helpdesk page by page and write each page, with its cursor,
in one transaction through the scoped upsert services (system actor: an admin set the connection up).

A killed worker or a failing helpdesk leaves the cursor at the last written page, so the next sync
resumes there; upserts by external_id make a re-read page change nothing. One sync per connection
runs at a time (a lease on its row); a sync asked for meanwhile runs right after.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import agents_by_email
from config.errors import BatchValidationError
from kpis.page_cache import customers_changed
from surveys.models import Kind, SurveyResponse
from surveys.services import survey_responses_upsert
from tickets.batch import MAX_BATCH_SIZE
from tickets.customers.models import Customer
from tickets.models import BusinessSecondsSource, Ticket
from tickets.services import TICKET_HELPDESK_BUSINESS_FIELDS, TICKET_WRITE_FIELDS, tickets_delete, tickets_upsert

from .base import Helpdesk, HelpdeskCustomer, HelpdeskRating, HelpdeskTicket, TicketPage
from .crypto import ConnectorKeyError
from .http import HelpdeskClient, HelpdeskError
from .models import Connection, HelpdeskKind, SyncRun

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Follow-up passes a sync makes for syncs asked for while it ran (webhooks arriving in a burst).
MAX_PASSES = 3
# Refusal reasons kept on a run (the counts say how many there were).
MESSAGES_KEPT = 5
RUN_COUNTERS = (
    "pages",
    "fetched",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "skipped_unmapped",
    "agents_unmatched",
    "rejected",
    "responses",
    "ratings_skipped",
)


def helpdesk_for(connection: Connection, *, sleep: Callable[[float], None] | None = None) -> Helpdesk:
    """The helpdesk module of the connection's kind, signed in with its (decrypted) credentials."""
    from .freshdesk import Freshdesk
    from .zendesk import Zendesk

    credentials = connection.credentials
    if connection.kind == HelpdeskKind.ZENDESK:
        auth = (f"{credentials.get('email', '')}/token", credentials.get("api_token", ""))
    else:  # Freshdesk: the API key is the user name, any password
        auth = (credentials.get("api_token", ""), "X")
    options = {"sleep": sleep} if sleep is not None else {}
    client = HelpdeskClient(base_url=connection.base_url, auth=auth, **options)
    return {HelpdeskKind.ZENDESK: Zendesk, HelpdeskKind.FRESHDESK: Freshdesk}[connection.kind](client)


# ---- one sync at a time ------------------------------------------------------------------


def lease_acquire(connection_id: int) -> str | None:
    """Take the connection's lease (an UPDATE that succeeds for one caller); None when another sync holds it."""
    token, now = secrets.token_hex(16), timezone.now()
    taken = (
        Connection.objects.filter(pk=connection_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_token=token, lease_until=now + dt.timedelta(seconds=settings.CONNECTOR_LEASE_SECONDS))
    )
    return token if taken else None


def lease_renew(connection_id: int, token: str) -> None:
    renewed = Connection.objects.filter(pk=connection_id, lease_token=token).update(
        lease_until=timezone.now() + dt.timedelta(seconds=settings.CONNECTOR_LEASE_SECONDS)
    )
    if not renewed:
        raise HelpdeskError("Another sync took over this connection (this one was too slow); it stopped here.")


def lease_release(connection_id: int, token: str) -> None:
    Connection.objects.filter(pk=connection_id, lease_token=token).update(lease_token="", lease_until=None)


def _take_request(connection_id: int) -> bool:
    """Clear a pending sync request; True when there was one."""
    return bool(Connection.objects.filter(pk=connection_id, sync_requested=True).update(sync_requested=False))


def _close_abandoned_runs(connection_id: int) -> None:
    """Runs left "running" by a worker that died: with the lease taken, none of them is alive."""
    SyncRun.objects.filter(connection_id=connection_id, status=SyncRun.RunStatus.RUNNING).update(
        status=SyncRun.RunStatus.FAILED,
        finished_at=timezone.now(),
        message="The worker running this sync stopped; the next sync resumed where it had written up to.",
    )


def connection_sync(
    *, connection_id: int, trigger: str = SyncRun.Trigger.POLL, sleep: Callable[[float], None] | None = None
) -> SyncRun | None:
    """Sync the connection now, or, when a sync is running, ask it to go round once more (returns None)."""
    run = None
    for _ in range(MAX_PASSES):
        token = lease_acquire(connection_id)
        if token is None:
            Connection.objects.filter(pk=connection_id).update(sync_requested=True)
            return run
        try:
            _close_abandoned_runs(connection_id)
            _take_request(connection_id)
            run = _sync_once(connection_id=connection_id, trigger=trigger, token=token, sleep=sleep)
            for _pass in range(MAX_PASSES - 1):
                if run.status != SyncRun.RunStatus.SUCCEEDED or not _take_request(connection_id):
                    break
                run = _sync_once(connection_id=connection_id, trigger=trigger, token=token, sleep=sleep)
        finally:
            lease_release(connection_id, token)
        # A request that came between the last check and the release would otherwise wait for the poll.
        if not Connection.objects.filter(pk=connection_id, sync_requested=True).exists():
            return run
    return run


# ---- one pass ----------------------------------------------------------------------------


def _sync_once(*, connection_id: int, trigger: str, token: str, sleep) -> SyncRun:
    connection = Connection.objects.get(pk=connection_id)
    now = timezone.now()
    backfill = connection.backfill_completed_at is None
    start = connection.history_start(now)
    run = SyncRun.objects.create(
        connection=connection,
        trigger=SyncRun.Trigger.BACKFILL if backfill else trigger,
        started_at=now,
        reads_from=start if backfill else (connection.last_success_at or start),
    )
    writer = PageWriter(connection, run)
    try:
        helpdesk = helpdesk_for(connection, sleep=sleep)
        for page in read_ahead(helpdesk.ticket_pages(cursor=connection.cursor, start=start)):
            lease_renew(connection.pk, token)
            writer.write_tickets(page)
        if backfill:
            Connection.objects.filter(pk=connection.pk).update(backfill_completed_at=timezone.now())
        since = connection.ratings_synced_until
        since = start if since is None else since - dt.timedelta(days=settings.CONNECTOR_RATINGS_LOOKBACK_DAYS)
        # Ratings come 100 a page; they are written 1000 at a time (they carry no cursor: re-read on failure).
        pending: list[HelpdeskRating] = []
        for ratings in read_ahead(helpdesk.rating_pages(since=since)):
            lease_renew(connection.pk, token)
            pending += ratings
            if len(pending) >= MAX_BATCH_SIZE:
                writer.write_ratings(pending[:MAX_BATCH_SIZE])
                pending = pending[MAX_BATCH_SIZE:]
        writer.write_ratings(pending)
    except (HelpdeskError, ConnectorKeyError) as error:
        return _finish(run, connection, error=str(getattr(error, "message", error)))
    except Exception:
        logger.exception("Sync %s of connection %s stopped on an unexpected error", run.pk, connection.pk)
        return _finish(
            run, connection, error="The sync stopped on an unexpected error (logged for the administrators)."
        )
    Connection.objects.filter(pk=connection.pk).update(ratings_synced_until=now)
    return _finish(run, connection, error=None)


def read_ahead(pages: Iterator[T]) -> Iterator[T]:
    """The helpdesk's pages, the next one requested while the current one is written.

    A helpdesk page takes as long to arrive as a page takes to write (Zendesk's export: seconds), so the
    reading thread overlaps the two. It only makes HTTP requests (no database), holds at most one page
    ahead, and pages still come in order: the cursor rule (a page and its cursor commit together) holds.
    A failure of the helpdesk is raised here, after the pages before it were handed over.
    """
    handover: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()

    def put(item) -> bool:
        while not stopped.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not put(("page", page)):
                    return
            put(("end", None))
        except BaseException as error:  # handed to the writing thread, which raises it
            put(("error", error))

    reader = threading.Thread(target=read, name="helpdesk-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = handover.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stopped.set()
        reader.join(timeout=5)


def _finish(run: SyncRun, connection: Connection, *, error: str | None) -> SyncRun:
    now = timezone.now()
    run.finished_at = now
    run.status = SyncRun.RunStatus.FAILED if error else SyncRun.RunStatus.SUCCEEDED
    if error:
        run.message = "\n".join(filter(None, [error, run.message]))
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.SyncStatus.FAILING, last_error=error, last_error_at=now
        )
    else:
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.SyncStatus.OK, last_success_at=run.started_at, last_error=""
        )
    run.save(update_fields=["finished_at", "status", "message"])
    return run


class TeamRules:
    """A connection's group → team rules: the explicit map first, then a team of the same name or slug."""

    def __init__(self, connection: Connection) -> None:
        teams = list(Team.objects.all())
        by_slug = {team.slug: team for team in teams}
        self.explicit = {
            str(group).strip().lower(): by_slug[slug] for group, slug in connection.group_map.items() if slug in by_slug
        }
        self.by_name: dict[str, Team] = {}
        if connection.match_groups_by_name:
            for team in teams:
                self.by_name.setdefault(team.slug.lower(), team)
                self.by_name[team.name.strip().lower()] = team

    def team_for(self, group_name: str | None) -> Team | None:
        if not group_name:
            return None
        key = group_name.strip().lower()
        return self.explicit.get(key) or self.by_name.get(key)


class PageWriter:
    """Writes pages of one run: each ticket page, its deletions and the cursor in one transaction."""

    def __init__(self, connection: Connection, run: SyncRun) -> None:
        self.connection = connection
        self.run = run
        self.prefix = connection.external_id_prefix
        self.rules = TeamRules(connection)

    def write_tickets(self, page: TicketPage) -> None:
        run = self.run
        latest: dict[str, HelpdeskTicket] = {}
        for ticket in page.tickets:  # a ticket changed twice within a page: its latest state
            latest[self.prefix + ticket.id] = ticket
        agents = agents_by_email(t.assignee_email for t in latest.values() if t.assignee_email)
        records, removed = [], []
        customers: dict[str, tuple[HelpdeskCustomer, dt.date]] = {}
        for external_id, ticket in latest.items():
            if ticket.deleted:
                removed.append(external_id)
                continue
            record = self._record(external_id, ticket, agents)
            if record is None:
                removed.append(external_id)  # left the mapped groups: no longer any team's ticket in Pulse
                continue
            if ticket.customer is not None:
                created_on = record["created_at"].date() if record.get("created_at") else timezone.now().date()
                customers.setdefault(record["customer_external_id"], (ticket.customer, created_on))
            records.append(record)
        changed = _changed_tickets(records)
        with transaction.atomic():
            helpdesk_customers_save(customers)
            written = self._upsert(tickets_upsert, changed, label="ticket")
            gone = list(Ticket.objects.filter(external_id__in=removed))
            if gone:
                run.deleted += tickets_delete(tickets=gone, actor=None)
            run.created += written.created
            run.updated += written.updated
            run.unchanged += len(records) - len(changed)
            run.pages += 1
            run.fetched += len(page.tickets)
            moments = [t.changed_at for t in page.tickets if t.changed_at is not None]
            if moments:
                run.read_through = max(moments)
            run.save(update_fields=[*RUN_COUNTERS, "read_through", "message"])
            Connection.objects.filter(pk=self.connection.pk).update(cursor=page.cursor)

    def _record(self, external_id: str, ticket: HelpdeskTicket, agents) -> dict[str, Any] | None:
        agent = agents.get(ticket.assignee_email.strip().lower()) if ticket.assignee_email else None
        if ticket.assignee_email and agent is None:
            self.run.agents_unmatched += 1
        team = self.rules.team_for(ticket.group_name)
        if ticket.group_name and team is None:
            self.run.skipped_unmapped += 1  # never written to another team (the agent's, say)
            return None
        team = team or (agent.team if agent is not None else None)
        if team is None:
            self.run.skipped_unmapped += 1
            return None
        customer = self.prefix + ticket.customer.id if ticket.customer is not None else None
        return {
            "external_id": external_id,
            "agent": agent.pk if agent else None,
            "team": team.pk,
            **ticket.fields,
            "customer_external_id": customer,
        }

    def write_ratings(self, ratings: list[HelpdeskRating]) -> None:
        latest: dict[str, HelpdeskRating] = {}
        for rating in ratings:
            if rating.score is not None:  # offered / unoffered: no response
                latest[self.prefix + rating.ticket_id] = rating
        known = set(Ticket.objects.filter(external_id__in=latest).values_list("external_id", flat=True))
        self.run.ratings_skipped += len(latest) - len(known)
        records = [
            {
                # The CSV import's id for the same rating: importing and syncing one account never doubles it.
                "external_id": f"{ticket_id}-satisfaction",
                "ticket_external_id": ticket_id,
                "kind": Kind.CSAT,
                "score": rating.score,
                "comment": rating.comment,
                "responded_at": rating.responded_at,
            }
            for ticket_id, rating in latest.items()
            if ticket_id in known
        ]
        changed = _changed_ratings(records)
        with transaction.atomic():
            written = self._upsert(survey_responses_upsert, changed, label="rating of ticket")
            self.run.responses += written.created + written.updated
            self.run.save(update_fields=[*RUN_COUNTERS, "message"])

    def _upsert(self, upsert, records: list[dict[str, Any]], *, label: str):
        """Upsert, dropping the records Pulse refuses (counted, first reasons kept) and sending the rest again."""
        from tickets.services import UpsertResult

        while records:
            try:
                return upsert(records=records, actor=None)
            except BatchValidationError as error:
                bad = {index for index in error.errors if index >= 0}
                if not bad:
                    raise
                for index in sorted(bad):
                    self.run.rejected += 1
                    if self.run.rejected <= MESSAGES_KEPT:
                        record = records[index]
                        reasons = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.errors[index].items())
                        key = record.get("ticket_external_id") or record["external_id"]
                        self.run.message = "\n".join(
                            filter(None, [self.run.message, f"Refused {label} {key}: {reasons}"])
                        )
                records = [record for index, record in enumerate(records) if index not in bad]
        return UpsertResult()


def helpdesk_customers_save(customers: dict[str, tuple[HelpdeskCustomer, dt.date]]) -> int:
    """Create the customers (accounts) a page's tickets name and rename those the helpdesk renamed.

    Keyed by external id (the connection's prefix + the helpdesk's id). A new one starts on the day the
    helpdesk created it (else its first ticket's day) with MRR 0 until the CRM says otherwise; of a stored
    one only the name follows the helpdesk (MRR, plan, dates and churn belong to the CRM's upserts).
    Returns the number created.
    """
    if not customers:
        return 0
    stored = {c.external_id: c for c in Customer.objects.filter(external_id__in=customers)}
    renamed = []
    for external_id, (customer, _) in customers.items():
        found = stored.get(external_id)
        if found is not None and customer.named and found.name != customer.name[:255]:
            found.name = customer.name[:255]
            renamed.append(found)
    new = [
        Customer(external_id=external_id, name=customer.name[:255], started_on=customer.started_on or first_day)
        for external_id, (customer, first_day) in customers.items()
        if external_id not in stored
    ]
    if renamed:
        Customer.objects.bulk_update(renamed, ["name"])
    Customer.objects.bulk_create(new, ignore_conflicts=True)
    if renamed or new:
        customers_changed()  # the outcomes' cached figures read these rows
    return len(new)


def _business_key(values: tuple) -> tuple:
    """What decides whether a ticket's business-hours figures change: the helpdesk's own figures, or none."""
    first, resolution, source = values
    return (first, resolution) if source == BusinessSecondsSource.HELPDESK else ("not the helpdesk's",)


def _changed_tickets(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records that differ from what is stored: a helpdesk change Pulse does not read writes nothing."""
    if not records:
        return []
    columns = [f"{name}_id" if name in ("agent", "team") else name for name in TICKET_WRITE_FIELDS]
    business = [*TICKET_HELPDESK_BUSINESS_FIELDS, "business_seconds_source"]
    stored = {
        row[0]: (*row[1 : len(columns) + 1], row[len(columns) + 1], _business_key(row[len(columns) + 2 :]))
        for row in Ticket.objects.filter(external_id__in=[r["external_id"] for r in records]).values_list(
            "external_id", *columns, "customer__external_id", *business
        )
    }
    return [
        r
        for r in records
        if stored.get(r["external_id"])
        != (
            *(r.get(name) for name in TICKET_WRITE_FIELDS),
            r.get("customer_external_id"),
            _business_key(tuple(r.get(name, "") if name == business[-1] else r.get(name) for name in business)),
        )
    ]


def _changed_ratings(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not records:
        return []
    # A rating names no customer: it takes its ticket's, so a ticket's new customer rewrites its rating too.
    compared = ("ticket__external_id", "kind", "score", "comment", "responded_at", "customer_id")
    stored = {
        row[0]: row[1:]
        for row in SurveyResponse.objects.filter(external_id__in=[r["external_id"] for r in records]).values_list(
            "external_id", *compared
        )
    }
    customers = dict(
        Ticket.objects.filter(external_id__in=[r["ticket_external_id"] for r in records]).values_list(
            "external_id", "customer_id"
        )
    )
    keys = ("ticket_external_id", "kind", "score", "comment", "responded_at")
    return [
        r
        for r in records
        if stored.get(r["external_id"]) != (*(r[key] for key in keys), customers.get(r["ticket_external_id"]))
    ]
