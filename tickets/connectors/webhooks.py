"""Zendesk webhook signatures: base64(HMAC-SHA256(secret, timestamp + body)), with a freshness window.

Zendesk sends `X-Zendesk-Webhook-Signature` and `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601,
e.g. 2021-03-25T05:09:27Z) with every request (developer.zendesk.com, "Verifying webhook authenticity").
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from .base import parse_time

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_verify(*, secret: str, signature: str, timestamp: str, body: bytes, now: dt.datetime, max_age: int) -> bool:
    """A request signed with `secret`, less than `max_age` seconds from now either way (a replay is stale)."""
    if not (secret and signature and timestamp):
        return False
    try:
        sent_at = parse_time(timestamp)
    except ValueError:
        return False
    if sent_at is None or abs((now - sent_at).total_seconds()) > max_age:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
