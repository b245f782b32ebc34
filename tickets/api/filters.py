"""Filters of the ticket list."""

import django_filters
from django import forms

from tickets.models import Channel, Priority, Status, Ticket


class IdFilter(django_filters.NumberFilter):
    """An integer id (a NumberFilter would take decimals and NaN)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class TicketFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter()
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    category = django_filters.CharFilter()
    agent = IdFilter(field_name="agent_id", help_text="Assignee's user id.")
    team = IdFilter(field_name="team_id", help_text="Owning team's id.")
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    solved_from = django_filters.IsoDateTimeFilter(field_name="solved_at", lookup_expr="gte")
    solved_to = django_filters.IsoDateTimeFilter(field_name="solved_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = []
