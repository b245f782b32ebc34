"""Machinery shared by the all-or-nothing batch upserts of tickets and survey responses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from config.errors import BatchValidationError

ErrorMap = dict[str, list[str]]

# Upper bound on one batch; the API and the importer chunk larger inputs.
MAX_BATCH_SIZE = 1000


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
    """Run the model's field and clean() validation (no per-row queries) and collect errors."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                add_error(errors, index, field, message)


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
