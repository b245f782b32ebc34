"""Writes of tickets: the all-or-nothing batch upsert that the API, the importer and the demo share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Team
from accounts.schedules.services import tickets_business_seconds_fill
from accounts.scoping import record_write_scope
from config.errors import ApplicationError, BatchValidationError
from kpis.days import local_date
from kpis.services import snapshot_days_mark_dirty

from .batch import (
    EXTERNAL_ID_OUT_OF_SCOPE,
    CustomerNames,
    ScopedNames,
    add_error,
    check_batch,
    refuse_non_writer,
    validate_instance,
)
from .models import BusinessSecondsSource, Ticket

# Every field an upsert writes (external_id is the key).
TICKET_WRITE_FIELDS = (
    "channel",
    "category",
    "priority",
    "status",
    "agent",
    "team",
    "created_at",
    "first_response_at",
    "solved_at",
    "handle_time_seconds",
    "agent_replies",
    "reopened_count",
)
TICKET_DATE_FIELDS = ("created_at", "first_response_at", "solved_at")
# The helpdesk's own business-hours durations (Zendesk's metric sets and exports, Freshdesk's export): a record
# with business_seconds_source "helpdesk" carries them and they are stored as given; any other record leaves
# them to Pulse's computation from the team's schedule.
TICKET_HELPDESK_BUSINESS_FIELDS = ("first_response_business_seconds", "resolution_business_seconds")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    objects: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated


def ticket_days(team, moments: Sequence[dt.datetime | None]) -> set[tuple[int, dt.date]]:
    """The (team, local day) pairs that the given timestamps of a ticket fall on."""
    return {(team.pk, local_date(moment, team.zone)) for moment in moments if moment is not None}


def tickets_upsert(*, records: Sequence[dict[str, Any]], actor) -> UpsertResult:
    """Create or update tickets by `external_id`, all or nothing, within `actor`'s write scope.

    A record names its agent by `agent` (id) or `agent_email`, its team by `team` (id) or
    `team_slug`; the team defaults to the agent's current team. `actor` is the user writing
    (None: the system). Raises BatchValidationError with per-index field errors and writes
    nothing when any record is invalid or outside the actor's scope.
    """
    scope = record_write_scope(actor)
    refuse_non_writer(scope)
    errors: dict[int, dict[str, list[str]]] = {}
    check_batch(records, errors)
    names = ScopedNames(records, scope)
    customers = CustomerNames(records, actor)
    external_ids = [str(r.get("external_id") or "").strip() for r in records]
    existing = {t.external_id: t for t in Ticket.objects.filter(external_id__in=external_ids).select_related("team")}

    tickets: list[Ticket] = []
    for index, record in enumerate(records):
        before = existing.get(external_ids[index])
        if before is not None and not scope.allows_team(before.team_id):
            add_error(errors, index, "external_id", EXTERNAL_ID_OUT_OF_SCOPE)
            continue
        agent, team = names.agent_and_team(record, index, errors)
        if team is None and agent is not None:
            team = agent.team
        if team is None and index not in errors:
            errors.setdefault(index, {})["team"] = ["Give the team (team or team_slug), or an agent who has one."]
        ticket = Ticket(external_id=external_ids[index], agent=agent, team=team)
        for name in TICKET_WRITE_FIELDS:
            if name in ("agent", "team"):
                continue
            if name in record and record[name] is not None:
                setattr(ticket, name, record[name])
            elif name in record:  # explicit null
                setattr(ticket, name, None if name not in ("category",) else "")
        for name in ("agent_replies", "reopened_count"):
            if getattr(ticket, name) is None:
                setattr(ticket, name, 0)
        # The customer: named by external id; a record that does not mention it keeps the stored one.
        ticket.customer_id = customers.customer_id(
            record, index, errors, otherwise=before.customer_id if before is not None else None
        )
        if record.get("business_seconds_source") == BusinessSecondsSource.HELPDESK:
            ticket.business_seconds_source = BusinessSecondsSource.HELPDESK
            for name in TICKET_HELPDESK_BUSINESS_FIELDS:
                setattr(ticket, name, record.get(name))
        validate_instance(ticket, index, errors, exclude=("agent", "team", "external_id", "customer"))
        tickets.append(ticket)
    if errors:
        raise BatchValidationError(errors)

    dirty: set[tuple[int, dt.date]] = set()
    for ticket in tickets:
        dirty |= ticket_days(ticket.team, [getattr(ticket, name) for name in TICKET_DATE_FIELDS])
        before = existing.get(ticket.external_id)
        if before is not None:
            dirty |= ticket_days(before.team, [getattr(before, name) for name in TICKET_DATE_FIELDS])
    with transaction.atomic():
        # Pulse's business seconds from the teams' schedules, for every ticket not carrying the helpdesk's own.
        tickets_business_seconds_fill(tickets)
        saved = Ticket.objects.bulk_create(
            tickets,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[
                *TICKET_WRITE_FIELDS,
                "customer",
                *TICKET_HELPDESK_BUSINESS_FIELDS,
                "business_seconds_source",
                "updated_at",
            ],
        )
        dirty |= _survey_days_of_moved_tickets(tickets, existing)
        snapshot_days_mark_dirty(team_days=dirty)
    created = sum(1 for t in tickets if t.external_id not in existing)
    return UpsertResult(created=created, updated=len(tickets) - created, objects=saved)


def _survey_days_of_moved_tickets(tickets: list[Ticket], existing: dict[str, Ticket]) -> set[tuple[int, dt.date]]:
    """A ticket whose channel or team changed moves its surveys' channel breakdown too; one whose customer changed
    changes whose answers they are in the outcomes (`kpis.outcomes`, keyed by the days their figures read)."""
    from surveys.models import SurveyResponse

    moved = [
        before.pk
        for t in tickets
        if (before := existing.get(t.external_id)) is not None
        and (before.channel, before.team_id, before.customer_id) != (t.channel, t.team_id, t.customer_id)
    ]
    if not moved:
        return set()
    responses = SurveyResponse.objects.filter(ticket_id__in=moved).select_related("team")
    return {(r.team_id, local_date(r.responded_at, r.team.zone)) for r in responses}


def ticket_to_record(ticket: Ticket) -> dict[str, Any]:
    """A ticket as an upsert record, so that a partial update can start from what is stored."""
    record: dict[str, Any] = {
        name: getattr(ticket, name) for name in TICKET_WRITE_FIELDS if name not in ("agent", "team")
    }
    record.update(external_id=ticket.external_id, agent=ticket.agent_id, team=ticket.team_id)
    if ticket.business_seconds_source == BusinessSecondsSource.HELPDESK:  # a partial update keeps the helpdesk's
        record.update({name: getattr(ticket, name) for name in TICKET_HELPDESK_BUSINESS_FIELDS})
        record["business_seconds_source"] = BusinessSecondsSource.HELPDESK
    return record


def tickets_delete(*, tickets: Iterable[Ticket], actor) -> int:
    """Delete tickets within `actor`'s write scope, marking every day they (and their surveys) counted on dirty.

    Their survey responses stay (detached from the ticket) and move out of the ticket's channel.
    Raises ApplicationError and deletes nothing when any ticket is outside the scope.
    """
    from surveys.models import SurveyResponse

    scope = record_write_scope(actor)
    tickets = list(tickets)
    if not all(scope.allows_team(ticket.team_id) for ticket in tickets):
        raise ApplicationError("No such ticket.", errors={"tickets": ["No such ticket."]})
    teams = {team.pk: team for team in Team.objects.filter(pk__in={t.team_id for t in tickets})}
    dirty: set[tuple[int, dt.date]] = set()
    for ticket in tickets:
        dirty |= ticket_days(teams[ticket.team_id], [getattr(ticket, name) for name in TICKET_DATE_FIELDS])
    responses = SurveyResponse.objects.filter(ticket__in=[t.pk for t in tickets]).select_related("team")
    dirty |= {(r.team_id, local_date(r.responded_at, r.team.zone)) for r in responses}
    with transaction.atomic():
        for ticket in tickets:
            audit_record(actor=actor, action="ticket.delete", target=ticket, before=ticket_to_record(ticket))
        deleted = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).delete()[1].get(Ticket._meta.label, 0)
        snapshot_days_mark_dirty(team_days=dirty)
    return deleted
