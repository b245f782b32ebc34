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
from django.db import DatabaseError
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

    A database failure (connection lost, a constraint or trigger refusing a write) is answered with
    a clean 503 and the request's transaction is rolled back, so nothing is half written.
    """
    if isinstance(exc, DatabaseError):
        logger.exception("database error during %s", context.get("request").path if context.get("request") else "?")
        set_rollback()
        body = {"detail": "The database could not complete this request; nothing was written. Retry shortly."}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
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
