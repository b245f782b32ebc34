"""Writes of survey responses: the all-or-nothing batch upsert shared by the API and the importer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Team
from accounts.scoping import record_write_scope
from config.errors import ApplicationError, BatchValidationError
from kpis.days import local_date
from kpis.services import snapshot_days_mark_dirty
from tickets.batch import (
    EXTERNAL_ID_OUT_OF_SCOPE,
    CustomerNames,
    ScopedNames,
    add_error,
    check_batch,
    ids_of,
    refuse_non_writer,
    resolve_reference,
    validate_instance,
    within_scope,
)
from tickets.models import Ticket
from tickets.services import UpsertResult

from .models import SurveyResponse

SURVEY_WRITE_FIELDS = ("ticket", "agent", "team", "kind", "score", "comment", "responded_at")


def survey_responses_upsert(*, records: Sequence[dict[str, Any]], actor) -> UpsertResult:
    """Create or update survey responses by `external_id`, all or nothing, within `actor`'s write scope.

    The ticket is named by `ticket` (id) or `ticket_external_id`; agent and team, when left
    empty, are taken from the ticket (then from the agent's current team). `actor` is the user
    writing (None: the system); a ticket, agent or team outside their scope is not found.
    """
    scope = record_write_scope(actor)
    refuse_non_writer(scope)
    errors: dict[int, dict[str, list[str]]] = {}
    check_batch(records, errors)
    tickets = Ticket.objects.select_related("agent", "team")
    tickets_id = within_scope({t.pk: t for t in tickets.filter(pk__in=ids_of(records, "ticket"))}, scope.allows_ticket)
    ticket_keys = {str(r.get("ticket_external_id") or "").strip() for r in records} - {""}
    tickets_key = within_scope(
        {t.external_id: t for t in tickets.filter(external_id__in=ticket_keys)}, scope.allows_ticket
    )
    names = ScopedNames(records, scope)
    customers = CustomerNames(records, actor)
    external_ids = [str(r.get("external_id") or "").strip() for r in records]
    existing = {
        r.external_id: r for r in SurveyResponse.objects.filter(external_id__in=external_ids).select_related("team")
    }

    responses: list[SurveyResponse] = []
    for index, record in enumerate(records):
        before = existing.get(external_ids[index])
        if before is not None and not scope.allows_team(before.team_id):
            add_error(errors, index, "external_id", EXTERNAL_ID_OUT_OF_SCOPE)
            continue
        ref = {"index": index, "errors": errors}
        ticket = resolve_reference(
            record,
            id_field="ticket",
            key_field="ticket_external_id",
            by_id=tickets_id,
            by_key=tickets_key,
            label="ticket",
            **ref,
        )
        agent, team = names.agent_and_team(record, index, errors)
        if ticket is not None:
            agent = agent or ticket.agent
            team = team or ticket.team
        if team is None and agent is not None:
            team = agent.team
        if team is None and index not in errors:
            errors.setdefault(index, {})["team"] = [
                "Give the team (team or team_slug), or a ticket or agent it can be taken from."
            ]
        if not scope.allows_agent(agent):  # the ticket's own agent, when the record names none
            add_error(errors, index, "agent", "This ticket's agent is not in a team you lead; name the agent.")
        response = SurveyResponse(external_id=external_ids[index], ticket=ticket, agent=agent, team=team)
        for name in ("kind", "score", "comment", "responded_at"):
            if name in record:
                setattr(response, name, record[name] if record[name] is not None or name != "comment" else "")
        # Its customer: named by external id (null clears); naming none, its ticket's customer, else the stored one.
        inherited = ticket.customer_id if ticket is not None else (before.customer_id if before is not None else None)
        response.customer_id = customers.customer_id(record, index, errors, otherwise=inherited)
        validate_instance(response, index, errors, exclude=("ticket", "agent", "team", "external_id", "customer"))
        responses.append(response)
    if errors:
        raise BatchValidationError(errors)

    dirty: set[tuple[int, dt.date]] = set()
    for response in responses:
        dirty.add((response.team.pk, local_date(response.responded_at, response.team.zone)))
        before = existing.get(response.external_id)
        if before is not None:
            dirty.add((before.team_id, local_date(before.responded_at, before.team.zone)))
    with transaction.atomic():
        saved = SurveyResponse.objects.bulk_create(
            responses,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[*SURVEY_WRITE_FIELDS, "customer", "updated_at"],
        )
        snapshot_days_mark_dirty(team_days=dirty)
    created = sum(1 for r in responses if r.external_id not in existing)
    return UpsertResult(created=created, updated=len(responses) - created, objects=saved)


def survey_response_to_record(response: SurveyResponse) -> dict[str, Any]:
    """A stored response as an upsert record, the base of a partial update."""
    return {
        "external_id": response.external_id,
        "ticket": response.ticket_id,
        "agent": response.agent_id,
        "team": response.team_id,
        "kind": response.kind,
        "score": response.score,
        "comment": response.comment,
        "responded_at": response.responded_at,
    }


def survey_responses_delete(*, responses: Iterable[SurveyResponse], actor) -> int:
    """Delete survey responses within `actor`'s write scope, marking the days they counted on dirty.

    Raises ApplicationError and deletes nothing when any response is outside the scope.
    """
    scope = record_write_scope(actor)
    responses = list(responses)
    if not all(scope.allows_team(response.team_id) for response in responses):
        raise ApplicationError("No such survey response.", errors={"responses": ["No such survey response."]})
    teams = {team.pk: team for team in Team.objects.filter(pk__in={r.team_id for r in responses})}
    dirty = {(r.team_id, local_date(r.responded_at, teams[r.team_id].zone)) for r in responses}
    with transaction.atomic():
        for response in responses:
            audit_record(
                actor=actor,
                action="survey_response.delete",
                target=response,
                before=survey_response_to_record(response),
            )
        deleted = SurveyResponse.objects.filter(pk__in=[r.pk for r in responses]).delete()[1]
        snapshot_days_mark_dirty(team_days=dirty)
    return deleted.get(SurveyResponse._meta.label, 0)
