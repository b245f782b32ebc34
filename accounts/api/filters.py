"""Filters of the team and user lists."""

import django_filters

from accounts.models import Role, Team, User
from tickets.api.filters import IdFilter


class TeamFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter()

    class Meta:
        model = Team
        fields = []


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    team = IdFilter(field_name="team_id", help_text="Agents of this team.")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = []
