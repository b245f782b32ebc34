"""Filters of the survey-response list."""

import django_filters

from surveys.models import Kind, SurveyResponse
from tickets.api.filters import IdFilter


class SurveyResponseFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    ticket = IdFilter(field_name="ticket_id")
    agent = IdFilter(field_name="agent_id")
    team = IdFilter(field_name="team_id")
    responded_from = django_filters.IsoDateTimeFilter(field_name="responded_at", lookup_expr="gte")
    responded_to = django_filters.IsoDateTimeFilter(field_name="responded_at", lookup_expr="lt")

    class Meta:
        model = SurveyResponse
        fields = []
