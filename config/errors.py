"""The one application error type; the API's exception handler turns it into a clean 400."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the request. `errors` maps field names to messages."""

    def __init__(self, message: str, *, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class BatchValidationError(ApplicationError):
    """Some records of an all-or-nothing batch are invalid; nothing was written.

    `errors` maps each bad record's index (0-based) to {field: [messages]}.
    """

    def __init__(self, errors: dict[int, dict[str, list[str]]]) -> None:
        count = len(errors)
        super().__init__(f"{count} record{'s' if count != 1 else ''} invalid; nothing was written.", errors=errors)
