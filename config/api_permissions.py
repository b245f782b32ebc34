"""Permission classes shared by the API: thin wrappers over the rules in accounts/scoping.py.

Reading is decided by the scoped querysets (lists filtered, a detail outside scope is 404);
these classes decide only what a role may write, and what it may do to an object it can see.
"""

from rest_framework import permissions

from accounts import scoping
from config.api_exceptions import ApiAutoSchema


class IsAdmin(permissions.BasePermission):
    """Admins (is_staff) only."""

    def has_permission(self, request, view) -> bool:
        return scoping.is_admin(request.user)


class CanWriteRecords(permissions.BasePermission):
    """Anyone signed in reads (scoped); leaders and admins create and update tickets and surveys."""

    message = "Only CS leaders and admins write tickets and survey responses."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or scoping.manages_teams(request.user)


class CanWriteCustomers(permissions.BasePermission):
    """Anyone signed in reads the customers in their scope; admins and customer writers upsert them."""

    message = "Only admins and users granted “Can change customer” write customers."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or scoping.manages_customers(request.user)


class CanWriteTargets(permissions.BasePermission):
    """Anyone signed in reads targets in scope; leaders write their teams' and agents', admins all."""

    message = "Only CS leaders and admins set targets, and leaders only for the teams they lead."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or scoping.manages_teams(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or scoping.can_write_target(request.user, obj)


class CanWriteReviews(permissions.BasePermission):
    """Everyone reads the reviews in their scope; leaders and admins write drafts (the agent acknowledges)."""

    message = "Only CS leaders and admins write coaching reviews."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or view.action == "acknowledge":
            return True
        return scoping.manages_teams(request.user)


class CanExportReviews(permissions.BasePermission):
    """HR and admins export reviews."""

    message = "Only HR and admins export reviews."

    def has_permission(self, request, view) -> bool:
        return scoping.can_export_reviews(request.user)


class ApiViewMixin:
    """The base of every Pulse API view: shared error documentation, and a 401 (with a
    `WWW-Authenticate: Token` challenge) rather than a 403 for a caller who is not signed in."""

    schema = ApiAutoSchema()

    def get_authenticate_header(self, request) -> str:
        return 'Token realm="api"'
