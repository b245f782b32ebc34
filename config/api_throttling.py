"""The API's throttles: DRF's own rates, keyed on the client address from `config.client_ip`.

DRF's `get_ident` trusts a client-sent X-Forwarded-For unless NUM_PROXIES is set; these classes ask
the same function as the login lockout instead, so the two can never disagree about who is calling.
"""

from rest_framework import throttling

from config.client_ip import client_ip


class ClientAddressMixin:
    """Identify an anonymous caller by `client_ip(request)` (authenticated callers stay keyed by user)."""

    def get_ident(self, request) -> str:
        return client_ip(request)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """Anonymous requests per client address (API_THROTTLE_ANON)."""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """Requests per user, or per client address when anonymous (API_THROTTLE_USER)."""


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    """Requests per view scope and user, or client address when anonymous (e.g. API_THROTTLE_TOKEN)."""
