"""Writes of survey responses: the all-or-nothing batch upsert shared by the API and the importer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from accounts.selectors import agents_by_email, teams_by_id, teams_by_slug, users_by_id
from config.errors import BatchValidationError
from kpis.days import local_date
from kpis.services import snapshot_days_mark_dirty
from tickets.batch import check_batch, ids_of, resolve_reference, validate_instance
from tickets.models import Ticket
from tickets.services import UpsertResult

from .models import SurveyResponse

SURVEY_WRITE_FIELDS = ("ticket", "agent", "team", "kind", "score", "comment", "responded_at")


def survey_responses_upsert(*, records: Sequence[dict[str, Any]]) -> UpsertResult:
    """Create or update survey responses by `external_id`, all or nothing.

    The ticket is named by `ticket` (id) or `ticket_external_id`; agent and team, when left
    empty, are taken from the ticket (then from the agent's current team).
    """
    errors: dict[int, dict[str, list[str]]] = {}
    check_batch(records, errors)
    tickets_id = {
        t.pk: t for t in Ticket.objects.filter(pk__in=ids_of(records, "ticket")).select_related("agent", "team")
    }
    ticket_keys = {str(r.get("ticket_external_id") or "").strip() for r in records} - {""}
    tickets_key = {
        t.external_id: t for t in Ticket.objects.filter(external_id__in=ticket_keys).select_related("agent", "team")
    }
    agents_id = users_by_id(ids_of(records, "agent"))
    agents_email = agents_by_email(r.get("agent_email") or "" for r in records)
    teams_id = teams_by_id(ids_of(records, "team"))
    teams_slug = teams_by_slug(r.get("team_slug") or "" for r in records)
    external_ids = [str(r.get("external_id") or "").strip() for r in records]
    existing = {
        r.external_id: r for r in SurveyResponse.objects.filter(external_id__in=external_ids).select_related("team")
    }

    responses: list[SurveyResponse] = []
    for index, record in enumerate(records):
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
        agent = resolve_reference(
            record,
            id_field="agent",
            key_field="agent_email",
            by_id=agents_id,
            by_key=agents_email,
            label="agent",
            **ref,
        )
        team = resolve_reference(
            record,
            id_field="team",
            key_field="team_slug",
            by_id=teams_id,
            by_key=teams_slug,
            label="team",
            **ref,
        )
        if ticket is not None:
            agent = agent or ticket.agent
            team = team or ticket.team
        if team is None and agent is not None:
            team = agent.team
        if team is None and index not in errors:
            errors.setdefault(index, {})["team"] = [
                "Give the team (team or team_slug), or a ticket or agent it can be taken from."
            ]
        response = SurveyResponse(external_id=external_ids[index], ticket=ticket, agent=agent, team=team)
        for name in ("kind", "score", "comment", "responded_at"):
            if name in record:
                setattr(response, name, record[name] if record[name] is not None or name != "comment" else "")
        validate_instance(response, index, errors, exclude=("ticket", "agent", "team", "external_id"))
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
            update_fields=[*SURVEY_WRITE_FIELDS, "updated_at"],
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
