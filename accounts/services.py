"""Writes about users: API tokens (issue, rotate, revoke), deactivation and deletion, all audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import get_text_list
from rest_framework.authtoken.models import Token

from .audit import audit_record, audit_snapshot
from .models import User

USER_AUDIT_FIELDS = ["username", "email", "first_name", "last_name", "role", "team", "is_staff", "is_active"]


def _token_audit(*, actor, user: User, action: str, token: Token | None, reason: str = "") -> None:
    # Never the key: the trail says that a token changed and when it was made, not what it is.
    after = {"created": token.created} if token is not None else None
    if reason:
        after = {**(after or {}), "reason": reason}
    audit_record(actor=actor, action=action, target=user, after=after)


def _user_locked(user: User) -> User:
    # One token per user (a one-to-one): locking the user row makes concurrent rotations queue up.
    return User.objects.select_for_update().get(pk=user.pk)


def token_obtain(*, user: User) -> Token:
    """The user's API token for a password exchange, created (and audited) when they have none."""
    with transaction.atomic():
        _user_locked(user)
        token, created = Token.objects.get_or_create(user=user)
        if created:
            _token_audit(actor=user, user=user, action="token.created", token=token)
    return token


def token_rotate(*, user: User, actor) -> Token:
    """Replace the user's API token with a new one (or create the first); the old key stops working."""
    with transaction.atomic():
        _user_locked(user)
        revoked = Token.objects.filter(user=user).delete()[0] > 0
        token = Token.objects.create(user=user)
        _token_audit(actor=actor, user=user, action="token.rotated" if revoked else "token.created", token=token)
    return token


def user_tokens_revoke(*, user: User, actor, reason: str = "") -> bool:
    """Revoke the user's API token, audited when there was one; True if a token was revoked."""
    with transaction.atomic():
        revoked = Token.objects.filter(user=user).delete()[0] > 0
        if revoked:
            _token_audit(actor=actor, user=user, action="token.revoked", token=None, reason=reason)
    return revoked


def user_deactivate(*, user: User, actor) -> bool:
    """Deactivate a user (no sign-in, no API token) and keep every record in their name; False if already."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("You can't deactivate your own account.", code="self")
    with transaction.atomic():
        user = _user_locked(user)
        if not user.is_active:
            return False
        before = audit_snapshot(user, USER_AUDIT_FIELDS)
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_tokens_revoke(user=user, actor=actor, reason="user deactivated")
        audit_record(
            actor=actor,
            action="user.deactivated",
            target=user,
            before=before,
            after=audit_snapshot(user, USER_AUDIT_FIELDS),
        )
    return True


def user_delete(*, user: User, actor) -> None:
    """Delete a user who has no records that must keep their name; the audit trail keeps who acted.

    Raises ValidationError naming what blocks the deletion (then deactivate the user instead).
    """
    from kpis.models import Target  # kpis builds on accounts; imported here to keep the layers one-way
    from kpis.services import target_delete

    try:
        with transaction.atomic():
            # An agent's own targets go with them, each through the audited service.
            for target in Target.objects.filter(agent=user):
                target_delete(target=target, actor=actor)
            audit_record(
                actor=actor, action="user.deleted", target=user, before=audit_snapshot(user, USER_AUDIT_FIELDS)
            )
            user.delete()
    except (ProtectedError, RestrictedError) as error:
        blocking = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blocking})
        raise ValidationError(
            f"{user} can't be deleted: {get_text_list(kinds, 'and')} are recorded in their name. "
            "Deactivate the account instead; it keeps their history.",
            code="protected",
        ) from error
