"""Machinery shared by the all-or-nothing batch upserts of tickets and survey responses."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models

from config.errors import BatchValidationError

ErrorMap = dict[str, list[str]]

# Upper bound on one batch; the API and the importer chunk larger inputs.
MAX_BATCH_SIZE = 1000

# A record's own external_id is the helpdesk's key, unique across the organisation: when it is
# taken by a record outside the writer's scope, this is all the writer is told (not whose it is).
EXTERNAL_ID_OUT_OF_SCOPE = "This external_id is used by a record you may not change."
NOT_A_WRITER = "You may not write tickets or survey responses."

T = TypeVar("T")


def within_scope(found: dict[Any, T], allowed: Callable[[T], bool]) -> dict[Any, T]:
    """Drop what the writer may not reference: outside their scope reads exactly like not existing."""
    return {key: value for key, value in found.items() if allowed(value)}


def refuse_non_writer(scope) -> None:
    """A user who may write no record at all is refused for the whole batch."""
    if not scope.may_write:
        raise BatchValidationError({-1: {"records": [NOT_A_WRITER]}})


def add_error(errors: dict[int, ErrorMap], index: int, field: str, message: str) -> None:
    errors.setdefault(index, {}).setdefault(field, []).append(message)


def check_batch(records: Sequence[dict[str, Any]], errors: dict[int, ErrorMap]) -> None:
    """Refuse oversize batches, and a duplicate external_id within one batch."""
    if len(records) > MAX_BATCH_SIZE:
        raise BatchValidationError({-1: {"records": [f"At most {MAX_BATCH_SIZE} records per batch."]}})
    first_seen: dict[str, int] = {}
    for index, record in enumerate(records):
        external_id = str(record.get("external_id") or "").strip()
        if not external_id:
            add_error(errors, index, "external_id", "This field is required.")
        elif external_id in first_seen:
            add_error(
                errors,
                index,
                "external_id",
                f"Appears more than once in this batch (first at index {first_seen[external_id]}).",
            )
        else:
            first_seen[external_id] = index


def validate_instance(instance: models.Model, index: int, errors: dict[int, ErrorMap], exclude: Iterable[str]) -> None:
    """Run the model's field and clean() validation (no per-row queries) and collect errors.

    The same checks as `full_clean(validate_unique=False, validate_constraints=False)`, in one pass:
    each field's `clean()` (type, choices, blank, null, max length, the database's integer range…) then
    the model's `clean()`. A value that is already of the field's type and plainly valid skips Django's
    field machinery (see `_quick_check`); anything else takes `field.clean()`, which writes the error.
    Django's fields raise TypeError or OverflowError on some values of a wrong type (a number for a time,
    an infinite float for a count): here those are field errors too, never a 500. An empty optional value
    is stored as null.
    """
    found: ErrorMap = {}
    for field, quick in _field_plan(type(instance)):
        if field.name in exclude:
            continue
        raw = getattr(instance, field.attname)
        if quick is not None and quick(raw):
            continue
        if field.null and raw in field.empty_values:
            setattr(instance, field.attname, None)
            continue
        if field.blank and raw in field.empty_values:
            continue  # as Model.clean_fields: an allowed empty value is not validated
        try:
            setattr(instance, field.attname, field.clean(raw, instance))
        except (TypeError, OverflowError):
            invalid = ValidationError(field.error_messages["invalid"], params={"value": raw})
            found.setdefault(field.name, []).extend(invalid.messages)
        except ValidationError as error:
            found.setdefault(field.name, []).extend(error.messages)
    try:
        instance.clean()
    except ValidationError as error:
        for name, messages in ValidationError(error.update_error_dict({})).message_dict.items():
            found.setdefault(name, []).extend(messages)
    for name, messages in found.items():
        for message in messages:
            add_error(errors, index, name, message)


Quick = Callable[[Any], bool]


@functools.cache
def _field_plan(model: type[models.Model]) -> tuple[tuple[models.Field, Quick | None], ...]:
    """Each validated field of `model` with its quick check (None: always Django's `field.clean()`)."""
    return tuple((field, _quick_check(field)) for field in model._meta.concrete_fields if not field.generated)


def _quick_check(field: models.Field) -> Quick | None:
    """A test that is True only for a value `field.clean()` would return unchanged without an error.

    Derived from the field's own declaration (type, choices, blank, max_length, validators); a field
    with any validator not understood here gets no quick check, so nothing is ever skipped by mistake.
    """
    kinds = {type(validator) for validator in field.validators}
    if isinstance(field, models.DateTimeField) and not kinds:
        return lambda value: isinstance(value, dt.datetime)
    if isinstance(field, models.IntegerField) and kinds <= {MinValueValidator, MaxValueValidator} and not field.choices:
        low = max((v.limit_value for v in field.validators if isinstance(v, MinValueValidator)), default=None)
        high = min((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), default=None)
        if not all(limit is None or isinstance(limit, int) for limit in (low, high)):
            return None
        return lambda value: type(value) is int and (low is None or value >= low) and (high is None or value <= high)
    if isinstance(field, models.CharField | models.TextField) and kinds <= {
        MaxLengthValidator,
        ProhibitNullCharactersValidator,
    }:
        limit = field.max_length
        if field.choices:
            allowed = frozenset(
                value
                for value in (choice for choice, _ in field.flatchoices)
                if isinstance(value, str)
                and (limit is None or len(value) <= limit)
                and "\x00" not in value
                and (field.blank or value != "")
            )
            return lambda value: isinstance(value, str) and value in allowed
        blank = field.blank
        return lambda value: (
            isinstance(value, str)
            and (limit is None or len(value) <= limit)
            and (blank or value != "")
            and "\x00" not in value
        )
    return None


def resolve_reference(
    record: dict[str, Any],
    *,
    id_field: str,
    key_field: str,
    by_id: dict,
    by_key: dict,
    index: int,
    errors: dict[int, ErrorMap],
    label: str,
):
    """Find a related record named by id (`id_field`) or by natural key (`key_field`)."""
    raw_id, raw_key = record.get(id_field), record.get(key_field)
    if raw_id not in (None, ""):
        try:
            found = by_id.get(int(raw_id))
        except (TypeError, ValueError):
            add_error(errors, index, id_field, f"Give the {label} as a number id.")
            return None
        if found is None:
            add_error(errors, index, id_field, f"No {label} with id {raw_id}.")
        return found
    if raw_key not in (None, ""):
        found = by_key.get(str(raw_key).strip().lower() if key_field.endswith("email") else str(raw_key).strip())
        if found is None:
            add_error(errors, index, key_field, f"No {label} “{raw_key}”.")
        return found
    return None


# A ticket or survey response names its customer (account) by the customer's external id.
CUSTOMER_KEY = "customer_external_id"


def unknown_customer_message(value: Any, *, any_customer: bool = True) -> str:
    """The error of a customer a record names that is not stored or, for a writer who may not name every customer
    (`any_customer` False: a leader), not among their teams' customers: the same words for both."""
    if any_customer:
        return f"No customer with external id “{value}”; upsert it first at /api/v1/customers/."
    return (
        f"No customer with external id “{value}” among your teams' customers; a customer new to your teams is "
        "linked by the helpdesk sync, an admin or a customer manager."
    )


class CustomerNames:
    """The customers a batch names by external id (one query), among those its writer may name
    (`accounts.scoping.customers_nameable`; `actor` None is the system): a name that is not stored, or names a
    customer outside the writer's reach, is the same field error (customers are never created here)."""

    def __init__(self, records: Sequence[dict[str, Any]], actor) -> None:
        from accounts.scoping import customers_nameable, manages_customers

        keys = {str(r.get(CUSTOMER_KEY)).strip() for r in records if r.get(CUSTOMER_KEY) not in (None, "")}
        self.by_key: dict[str, int] = {}
        self.any_customer = True
        if keys:  # (no query, permission checks included, for a batch naming none)
            nameable = customers_nameable(actor).filter(external_id__in=keys)
            self.by_key = dict(nameable.values_list("external_id", "pk"))
            self.any_customer = actor is None or manages_customers(actor)

    def customer_id(self, record: dict[str, Any], index: int, errors: dict[int, ErrorMap], *, otherwise: int | None):
        """The customer id a record names: the key absent → `otherwise`; null or blank → None (cleared)."""
        if CUSTOMER_KEY not in record:
            return otherwise
        raw = record[CUSTOMER_KEY]
        if raw is None or not str(raw).strip():
            return None
        found = self.by_key.get(str(raw).strip())
        if found is None:
            add_error(errors, index, CUSTOMER_KEY, unknown_customer_message(raw, any_customer=self.any_customer))
        return found


def ids_of(records: Sequence[dict[str, Any]], field: str) -> list[int]:
    found = []
    for record in records:
        value = record.get(field)
        if value in (None, ""):
            continue
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


class ScopedNames:
    """The agents and teams a batch names (by id or natural key), as the writer's scope lets them see them.

    One query per kind of reference for the whole batch; an agent or team outside the scope is simply
    absent, so naming it gives exactly the error of a name that does not exist.
    """

    def __init__(self, records: Sequence[dict[str, Any]], scope) -> None:
        from accounts.selectors import agents_by_email, teams_by_id, teams_by_slug, users_by_id

        def in_teams(team) -> bool:
            return scope.allows_team(team.pk)

        self.agents_id = within_scope(users_by_id(ids_of(records, "agent")), scope.allows_agent)
        self.agents_email = within_scope(
            agents_by_email(r.get("agent_email") or "" for r in records), scope.allows_agent
        )
        self.teams_id = within_scope(teams_by_id(ids_of(records, "team")), in_teams)
        self.teams_slug = within_scope(teams_by_slug(r.get("team_slug") or "" for r in records), in_teams)

    def agent_and_team(self, record: dict[str, Any], index: int, errors: dict[int, ErrorMap]):
        """The agent (`agent` / `agent_email`) and team (`team` / `team_slug`) a record names, or None."""
        agent = resolve_reference(
            record,
            id_field="agent",
            key_field="agent_email",
            by_id=self.agents_id,
            by_key=self.agents_email,
            index=index,
            errors=errors,
            label="agent",
        )
        team = resolve_reference(
            record,
            id_field="team",
            key_field="team_slug",
            by_id=self.teams_id,
            by_key=self.teams_slug,
            index=index,
            errors=errors,
            label="team",
        )
        return agent, team
