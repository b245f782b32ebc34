"""Who may see and do what (SPEC §1): the one module every page, endpoint and export asks.

Lists are filtered by queryset; a single object outside the caller's scope is looked up
through the same querysets, so it is simply not found (404) and ids do not leak.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from surveys.models import SurveyResponse
from tickets.models import Ticket

from .models import Role, Team, User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def sees_everything(user: User) -> bool:
    """Admins and HR read every team and agent (HR read-only)."""
    return is_admin(user) or (user.is_authenticated and user.role == Role.HR)


def led_team_ids(user: User) -> list[int]:
    if not user.is_authenticated or user.role != Role.LEADER:
        return []
    cached = getattr(user, "_led_team_ids", None)
    if cached is None:
        cached = list(user.led_teams.values_list("pk", flat=True))
        user._led_team_ids = cached
    return cached


# ---- teams -------------------------------------------------------------------------------


def teams_with_detail(user: User) -> QuerySet[Team]:
    """Teams whose per-agent figures the user may see (team dashboard, pitfalls)."""
    if sees_everything(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def teams_visible(user: User) -> QuerySet[Team]:
    """Teams the user may see at all: an agent sees their own team's aggregate only."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.role == Role.AGENT and not is_admin(user):
        return Team.objects.filter(pk=user.team_id)
    return teams_with_detail(user)


def teams_managed(user: User) -> QuerySet[Team]:
    """Teams whose targets and reviews the user may write."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def can_manage_team(user: User, team: Team) -> bool:
    return is_admin(user) or team.pk in led_team_ids(user)


# ---- people ------------------------------------------------------------------------------


def agents_visible(user: User) -> QuerySet[User]:
    """Agents whose individual scorecard the user may see."""
    agents = User.objects.filter(role=Role.AGENT)
    if not user.is_authenticated:
        return agents.none()
    if sees_everything(user):
        return agents
    if user.role == Role.LEADER:
        return agents.filter(team_id__in=led_team_ids(user))
    return agents.filter(pk=user.pk)


def users_visible(user: User) -> QuerySet[User]:
    """Users listed to the caller: visible agents, plus themselves and, for HR/admin, everyone."""
    if not user.is_authenticated:
        return User.objects.none()
    if sees_everything(user):
        return User.objects.all()
    return User.objects.filter(Q(pk__in=agents_visible(user).values("pk")) | Q(pk=user.pk))


def agents_managed(user: User) -> QuerySet[User]:
    """Agents the user may set targets for and write reviews about."""
    agents = User.objects.filter(role=Role.AGENT)
    if is_admin(user):
        return agents
    return agents.filter(team_id__in=led_team_ids(user))


def can_manage_agent(user: User, agent: User) -> bool:
    return agent.role == Role.AGENT and (is_admin(user) or agent.team_id in led_team_ids(user))


# ---- records -----------------------------------------------------------------------------


def tickets_visible(user: User) -> QuerySet[Ticket]:
    """Leaders see their teams' tickets, agents their own, HR and admins all."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    if sees_everything(user):
        return Ticket.objects.all()
    if user.role == Role.LEADER:
        return Ticket.objects.filter(team_id__in=led_team_ids(user))
    return Ticket.objects.filter(agent=user)


def survey_responses_visible(user: User) -> QuerySet[SurveyResponse]:
    if not user.is_authenticated:
        return SurveyResponse.objects.none()
    if sees_everything(user):
        return SurveyResponse.objects.all()
    if user.role == Role.LEADER:
        return SurveyResponse.objects.filter(team_id__in=led_team_ids(user))
    return SurveyResponse.objects.filter(agent=user)


def can_write_records(user: User) -> bool:
    """Creating tickets and survey responses is for integrations run by admins and leaders."""
    return is_admin(user) or (user.is_authenticated and user.role == Role.LEADER)


def can_export_reviews(user: User) -> bool:
    return is_admin(user) or (user.is_authenticated and user.role == Role.HR)
