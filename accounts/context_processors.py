"""`access` in every template: what the signed-in user may open, as decided by accounts/scoping.py."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import scoping


def access(request) -> dict:
    """Templates ask `access.own_pages_only`, `access.team_pages`, `access.imports`, `access.admin`."""
    return {"access": SimpleLazyObject(lambda: scoping.page_access(request.user))}
