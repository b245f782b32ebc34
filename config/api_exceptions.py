"""Consistent API error bodies: ApplicationError and Django ValidationError become clean 400s."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"detail": exc.messages})
    if isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, "errors": exc.errors})
    return drf_exception_handler(exc, context)
