"""What the ticket and survey-response endpoints share: typed fields, batch parsing and the
create/update/bulk actions over the batch upserts (which apply the writer's scope).

The endpoints compute nothing themselves: they parse JSON into dicts and hand them to
`tickets_upsert` / `survey_responses_upsert`, which validate every rule and write in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.errors import BatchValidationError
from tickets.batch import MAX_BATCH_SIZE

# Bounds that keep a value inside the database column types (else a 500 instead of a 400).
MAX_INT = 2**31 - 1
MAX_ID = 2**63 - 1
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp that must carry its offset: a naive value is a field error, never guessed."""

    default_error_messages = {
        "naive": "Give a time-zone offset (ISO 8601, e.g. 2026-01-31T09:00:00+01:00).",
        "range": f"Give a time between {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            self.fail("range")
        return super().enforce_timezone(value)


class FastRecordSerializer(serializers.Serializer):
    """A record serializer with a fast path for the bulk hot loop.

    A record whose values are all plain JSON values of the expected type and within bounds is
    converted directly (the same result DRF's field-by-field validation gives, ~10× faster);
    anything else (a missing required field, a wrong type, an out-of-range value) takes DRF's full
    validation, which reports the field errors. Partial updates always take the full path.
    """

    def to_internal_value(self, data):
        if not self.partial and isinstance(data, dict):
            plan = self.__dict__.get("_fast_plan")
            if plan is None:
                fields = {name: field for name, field in self.fields.items() if not field.read_only}
                # A validate_<field> method runs inside DRF's path only: such a serializer has no fast path.
                has_field_hooks = any(hasattr(self, f"validate_{name}") for name in fields)
                plan = self.__dict__["_fast_plan"] = (
                    []
                    if has_field_hooks
                    else [
                        (name, field.required, field.allow_null, _fast_converter(field))
                        for name, field in fields.items()
                    ]
                )
            record = _fast_record(plan, data) if plan else None
            if record is not None:
                return record
        return super().to_internal_value(data)


_SLOW = object()  # a converter's answer for "let DRF decide"


def _fast_record(plan, data: dict) -> dict | None:
    record = {}
    for name, required, allow_null, convert in plan:
        if name not in data:
            if required:
                return None
            continue
        value = data[name]
        if value is None:
            if not allow_null:
                return None
            record[name] = None
            continue
        value = convert(value) if convert is not None else _SLOW
        if value is _SLOW:
            return None
        record[name] = value
    return record


def _fast_converter(field):
    """The fast conversion of one field's plain value, or None when the field has no fast path."""
    if isinstance(field, AwareDateTimeField):

        def convert_datetime(value):
            if type(value) is not str:
                return _SLOW
            parsed = parse_datetime(value)
            if parsed is None or parsed.tzinfo is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
                return _SLOW
            return parsed.astimezone(timezone.get_current_timezone())

        return convert_datetime
    if isinstance(field, serializers.ChoiceField):
        choices = {key: key for key in field.choices if isinstance(key, str) and key}

        def convert_choice(value):
            return choices.get(value, _SLOW) if type(value) is str else _SLOW

        return convert_choice
    if isinstance(field, serializers.CharField) and field.trim_whitespace:
        max_length, allow_blank = field.max_length or 10**9, field.allow_blank
        email = isinstance(field, serializers.EmailField)
        validate_email = EmailValidator()

        def convert_text(value):
            if type(value) is not str or not value.isascii() or "\x00" in value or len(value) > max_length:
                return _SLOW
            value = value.strip()
            if not value:
                return "" if allow_blank else _SLOW
            if email:
                try:
                    validate_email(value)
                except DjangoValidationError:
                    return _SLOW
            return value

        return convert_text
    if type(field) is serializers.IntegerField:
        low = field.min_value if field.min_value is not None else -(2**63)
        high = field.max_value if field.max_value is not None else 2**63 - 1

        def convert_integer(value):
            return value if type(value) is int and low <= value <= high else _SLOW

        return convert_integer
    return None


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def count_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=-MAX_INT, max_value=MAX_INT, **kwargs)


class UpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Records that were new.")
    updated = serializers.IntegerField(help_text="Records whose external_id existed and were updated.")
    total = serializers.IntegerField()


def batch_records(data: Any, serializer_class: type[serializers.Serializer], context: dict) -> list[dict]:
    """Parse a bulk body {"records": [...]} into typed dicts; shape errors are keyed by record index."""
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise serializers.ValidationError({"records": ['Give the records as a JSON list under "records".']})
    if not records:
        raise serializers.ValidationError({"records": ["Give at least one record."]})
    if len(records) > MAX_BATCH_SIZE:
        raise serializers.ValidationError({"records": [f"At most {MAX_BATCH_SIZE} records per batch."]})
    serializer = serializer_class(data=records, many=True, context=context)
    if not serializer.is_valid():
        errors = serializer.errors
        by_index = errors.items() if isinstance(errors, dict) else enumerate(errors)
        raise BatchValidationError({int(index): error for index, error in by_index if error})
    return [dict(record) for record in serializer.validated_data]


def single_record_errors(error: BatchValidationError) -> serializers.ValidationError:
    """A batch of one's errors as plain field errors."""
    return serializers.ValidationError(error.errors.get(0) or error.errors.get(-1) or {"detail": [error.message]})


class RecordWriteMixin:
    """create (POST), replace (PUT), change (PATCH) and bulk (POST …/bulk/) through the batch upsert.

    Subclasses set `write_serializer_class`, `upsert`, `to_record`, `model` and `reference_pairs`
    (id field, natural-key field) such as ("agent", "agent_email").
    """

    write_serializer_class: type[serializers.Serializer]
    upsert: Callable
    to_record: Callable
    model: type[models.Model]
    reference_pairs: tuple[tuple[str, str], ...] = ()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def _upsert(self, records: list[dict]):
        # The service applies the writer's scope (accounts.scoping.RecordWriteScope) to every record.
        return type(self).upsert(records=records, actor=self.request.user)

    def _respond(self, external_id: str, status_code: int) -> Response:
        stored = self.get_queryset().get(external_id=external_id)
        return Response(self.serializer_class(stored, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        record = dict(serializer.validated_data)
        try:
            result = self._upsert([record])
        except BatchValidationError as error:
            raise single_record_errors(error) from error
        return self._respond(
            record["external_id"].strip(), status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        stored = self.get_object()
        serializer = self.write_serializer_class(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if changes.get("external_id", stored.external_id) != stored.external_id:
            raise serializers.ValidationError({"external_id": ["The external_id of a stored record cannot change."]})
        if partial:  # PATCH: what is stored, with the given fields changed
            record = type(self).to_record(stored)
            for id_name, key_name in self.reference_pairs:
                if key_name in changes and id_name not in changes:
                    record.pop(id_name, None)
            record.update(changes)
        else:  # PUT: the body replaces the record; omitted fields take their defaults
            record = {**changes, "external_id": stored.external_id}
        try:
            self._upsert([record])
        except BatchValidationError as error:
            raise single_record_errors(error) from error
        return self._respond(stored.external_id, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request, *args, **kwargs):
        records = batch_records(request.data, self.write_serializer_class, self.get_serializer_context())
        result = self._upsert(records)
        body = {"created": result.created, "updated": result.updated, "total": result.total}
        return Response(UpsertResultSerializer(body).data, status=status.HTTP_200_OK)
