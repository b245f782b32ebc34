"""Reads about users and teams shared by ingestion, pages and the API."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.functions import Lower
from rest_framework.authtoken.models import Token

from .models import Role, Team, User


def agents_by_email(emails: Iterable[str]) -> dict[str, User]:
    """Agents keyed by lower-cased email, in one query."""
    wanted = {email.strip().lower() for email in emails if email}
    if not wanted:
        return {}
    qs = (
        User.objects.select_related("team")
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted, role=Role.AGENT)
    )
    return {user.email_lower: user for user in qs}


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    wanted = {int(i) for i in ids if i is not None}
    return {user.pk: user for user in User.objects.select_related("team").filter(pk__in=wanted)} if wanted else {}


def teams_by_slug(slugs: Iterable[str]) -> dict[str, Team]:
    wanted = {slug.strip() for slug in slugs if slug}
    return {team.slug: team for team in Team.objects.filter(slug__in=wanted)} if wanted else {}


def teams_by_id(ids: Iterable[int]) -> dict[int, Team]:
    wanted = {int(i) for i in ids if i is not None}
    return {team.pk: team for team in Team.objects.filter(pk__in=wanted)} if wanted else {}


def api_token_created_at(user: User):
    """When the user's API token was made (None: they have none); never the key itself."""
    return Token.objects.filter(user=user).values_list("created", flat=True).first()
