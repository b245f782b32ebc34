"""Credentials at rest: Fernet with the key(s) in PULSE_CONNECTOR_KEY (comma-separated, newest first)."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_MISSING = (
    "PULSE_CONNECTOR_KEY is not set, so helpdesk credentials cannot be stored or read. Generate a key with "
    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` and set it '
    "in the environment of the web and worker processes (docs/deploy.md)."
)


class ConnectorKeyError(ImproperlyConfigured):
    """The connector key is missing, malformed, or not the one the credentials were saved with."""


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in str(getattr(settings, "PULSE_CONNECTOR_KEY", "") or "").split(",") if key.strip()]
    if not keys:
        raise ConnectorKeyError(KEY_MISSING)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ConnectorKeyError(
            "PULSE_CONNECTOR_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


def key_configured() -> bool:
    """Whether credentials can be stored now (the connectors page says so when they cannot)."""
    try:
        _fernet()
    except ConnectorKeyError:
        return False
    return True


def secrets_encrypt(values: dict[str, str]) -> str:
    """The values as one Fernet token (text), for a model field."""
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def secrets_decrypt(token: str) -> dict[str, str]:
    """The values of a token made by `secrets_encrypt`; an empty token is no values."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise ConnectorKeyError(
            "The saved helpdesk credentials cannot be decrypted with PULSE_CONNECTOR_KEY: the key changed. "
            "Put the old key after the new one (comma-separated), or enter the credentials again."
        ) from error
