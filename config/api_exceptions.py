"""Consistent API error bodies, and the schema that documents them.

Every error response is `{"detail": "<one sentence>"}`; a refused write adds `errors`:
field errors `{"score": ["…"]}` for a single record, and per-record field errors keyed by the
record's 0-based index for a batch, `{"3": {"score": ["…"]}}` (`"-1"` is the batch as a whole).
Django ValidationError and config.errors.ApplicationError become such 400s.
"""

from __future__ import annotations

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, InternalError, OperationalError
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.errors import ApplicationError

logger = logging.getLogger(__name__)

INVALID_INPUT = "Invalid input; nothing was written."


def _plain(value):
    """DRF's ErrorDetail strings and nested containers as plain JSON values, keys as strings."""
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _key(key) -> str:
    return api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)


def _django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    """DRF's handler, with every 400 shaped as {"detail", "errors"} and other errors as {"detail"}.

    A database error rolls the request's transaction back, so nothing is half written, and is answered
    by what the caller can do about it: a conflict with stored data (409) or a value the column cannot
    hold (400) will fail again as sent; a lost connection or a failing server (503) is worth a retry.
    """
    if isinstance(exc, DatabaseError):
        return _database_error_response(exc, context)
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "errors": _plain(exc.errors)}
        exc = exceptions.ValidationError(body)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError({"detail": INVALID_INPUT, "errors": _plain(_django_errors(exc))})
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not (isinstance(detail, dict) and set(detail) == {"detail", "errors"}):
            errors = detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
            exc = exceptions.ValidationError({"detail": INVALID_INPUT, "errors": _plain(errors)})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data["detail"] = str(response.data["detail"])
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    return response


DATABASE_ERRORS = (
    # (error type, HTTP status, body, retry-after seconds); the first match wins.
    (IntegrityError, status.HTTP_409_CONFLICT, "This write conflicts with stored data (a record written at the "
     "same time, or a rule of the database); nothing was written. Reload what you sent and send it again.", None),
    (DataError, status.HTTP_400_BAD_REQUEST, "A value does not fit what the database can store; nothing was "
     "written.", None),
    ((OperationalError, InterfaceError, InternalError), status.HTTP_503_SERVICE_UNAVAILABLE,
     "The database could not complete this request; nothing was written. Retry shortly.", 5),
)  # fmt: skip


def _database_error_response(exc: DatabaseError, context) -> Response:
    request = context.get("request")
    logger.exception("database error during %s", request.path if request is not None else "?")
    set_rollback()
    for types, code, detail, retry_after in DATABASE_ERRORS:
        if isinstance(exc, types):
            headers = {"Retry-After": str(retry_after)} if retry_after else None
            return Response({"detail": detail}, status=code, headers=headers)
    # A programming error (bad SQL, an unsupported feature) is ours to fix, not the caller's to retry.
    body = {"detail": "The server failed to complete this request; nothing was written."}
    return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    errors = serializers.DictField(
        required=False,
        help_text=(
            "Field errors {field: [messages]}; for a batch, {record index: {field: [messages]}} "
            "with index -1 for the batch as a whole."
        ),
    )


ERROR_RESPONSES = {
    "400": "Invalid input (field errors in `errors`); nothing was written.",
    "401": "Not signed in: give a token (`Authorization: Token …`) or a session.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or outside what the caller may see.",
    "409": "The write conflicts with stored data; nothing was written.",
    "429": "Too many requests; retry after the time in the Retry-After header.",
    "503": "The database could not complete the request; nothing was written. Retry after Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, documenting the shared error body on every operation."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
