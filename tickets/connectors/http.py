"""Requests to a helpdesk: timeouts, `429` + `Retry-After`, bounded retries on 5xx and network errors.

Credentials travel only in the Authorization header and only to the connection's own host: a URL
the helpdesk hands back (a next page) on any other origin is refused, never followed.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

USER_AGENT = "Pulse-helpdesk-connector/1.0"


class HelpdeskError(Exception):
    """A request to the helpdesk failed for good; `message` is safe to show an admin (no credentials)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class HelpdeskAuthError(HelpdeskError):
    """The helpdesk refused the credentials (401/403): retrying will not help."""


class HelpdeskUnavailable(HelpdeskError):
    """The helpdesk kept failing (5xx, network errors, rate limits) through every retry."""


@dataclass
class Response:
    status: int
    data: Any
    headers: requests.structures.CaseInsensitiveDict


class HelpdeskClient:
    """GET JSON from one helpdesk with basic auth; every knob comes from the CONNECTOR_* settings."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: tuple[str, str],
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.origin = _origin(self.base_url)
        self.session = session or requests.Session()
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        self.sleep = sleep
        self.timeout = (settings.CONNECTOR_CONNECT_TIMEOUT_SECONDS, settings.CONNECTOR_READ_TIMEOUT_SECONDS)
        self.max_retries = settings.CONNECTOR_MAX_RETRIES
        self.backoff = settings.CONNECTOR_RETRY_BACKOFF_SECONDS
        self.max_wait = settings.CONNECTOR_MAX_RETRY_AFTER_SECONDS
        self.requests_made = 0
        self.waited_seconds = 0.0

    def url(self, path_or_url: str) -> str:
        """An absolute URL on the connection's origin; another origin is refused."""
        url = urljoin(self.base_url, path_or_url.lstrip("/") if not path_or_url.startswith("http") else path_or_url)
        if _origin(url) != self.origin:
            raise HelpdeskError("The helpdesk pointed to a page on another address; Pulse did not follow it.")
        return url

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Response:
        """GET and decode JSON, waiting out 429s and retrying 5xx / network errors a bounded number of times."""
        url = self.url(path_or_url)
        failures = 0
        while True:
            problem, wait = self._attempt(url, params)
            if isinstance(problem, Response):
                return problem
            failures += 1
            if failures > self.max_retries:
                raise HelpdeskUnavailable(f"{problem} — gave up after {failures} attempts.")
            wait = min(self.max_wait, wait if wait is not None else self.backoff * 2 ** (failures - 1))
            logger.warning("Helpdesk %s: %s; retrying in %.1f s", self.origin, problem, wait)
            self.waited_seconds += wait
            self.sleep(wait)

    def _attempt(self, url: str, params: dict[str, Any] | None) -> tuple[Response | str, float | None]:
        """One request: the response, or why it failed and how long the helpdesk asked us to wait."""
        self.requests_made += 1
        try:
            reply = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as error:
            return f"Network error ({type(error).__name__})", None
        status = reply.status_code
        if status == 429:
            return "Rate limited by the helpdesk (HTTP 429)", _retry_after(reply.headers.get("Retry-After"))
        if status >= 500:
            return f"The helpdesk answered HTTP {status}", _retry_after(reply.headers.get("Retry-After"))
        if status in (401, 403):
            raise HelpdeskAuthError(
                f"The helpdesk refused the credentials (HTTP {status}): check the e-mail and API token.", status=status
            )
        if 300 <= status < 400:
            raise HelpdeskError(
                f"The helpdesk redirected (HTTP {status}): check the address (https, no path).", status=status
            )
        if status >= 400:
            raise HelpdeskError(f"The helpdesk refused the request (HTTP {status}).", status=status)
        try:
            data = reply.json()
        except (ValueError, requests.RequestException):
            # A body cut off mid-way (the connection dropped) is a network error: retried.
            return "The helpdesk's answer was cut off or not JSON", None
        return Response(status=status, data=data, headers=reply.headers), None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())
