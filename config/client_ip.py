"""Who is calling: the client address, taken from the configured number of trusted proxies.

Every place that keys something on an address (the login lockout, every API throttle) asks
`client_ip(request)`, so a header sent by the client can never give it a new identity.

With `TRUSTED_PROXY_COUNT = 0` the address is the socket's peer (`REMOTE_ADDR`). With N > 0, each of the
N proxies in front of Pulse appends the address it received the request from to `X-Forwarded-For`, so
only the last N entries are written by machines we trust and the client is the N-th entry from the
right; anything to its left was sent by the client and is ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"

# One header, exactly one address: ipware only parses and normalises the entry we picked
# (ports, [IPv6]:port, IPv4-mapped IPv6); it never chooses among client-written entries.
_ENTRY_PARSER = IpWare(precedence=(FORWARDED_FOR,), proxy_count=0)


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the entry the outermost trusted proxy wrote to X-Forwarded-For."""
    remote_addr = request.META.get("REMOTE_ADDR") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get(FORWARDED_FOR)
    if count == 0 or not forwarded_for:
        return remote_addr
    # Split on plain commas rather than letting ipware parse the whole chain: a client-sent
    # `for="` (an unclosed quote) would otherwise swallow the entries our proxies appended.
    entries = forwarded_for.split(",")
    # Fewer entries than proxies: every entry was written by a trusted proxy; the first is the client.
    entry = entries[-min(count, len(entries))].strip()
    address, _ = _ENTRY_PARSER.get_client_ip({FORWARDED_FOR: entry}, strict=True)
    # A trusted proxy wrote something that is not an address: fall back to the peer we can see.
    return str(address) if address is not None else remote_addr
