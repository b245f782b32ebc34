"""Filters of the snapshot and target lists."""

import django_filters

from kpis.models import Scope, Snapshot, Target
from kpis.registry import KPI_CHOICES
from tickets.api.filters import IdFilter
from tickets.models import Channel

ALL_CHANNELS = "all"


class ChannelOrAllFilter(django_filters.ChoiceFilter):
    """A channel, or `all` for the rows over every channel (stored as an empty channel)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(ALL_CHANNELS, "All channels"), *Channel.choices])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value == ALL_CHANNELS:
            return qs.filter(channel="")
        return super().filter(qs, value)


class SnapshotFilter(django_filters.FilterSet):
    kpi = django_filters.ChoiceFilter(choices=KPI_CHOICES)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    agent = IdFilter(field_name="agent_id")
    team = IdFilter(field_name="team_id")
    channel = ChannelOrAllFilter(help_text="A channel, or `all` for the all-channel rows.")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    status = django_filters.ChoiceFilter(field_name="status", choices=Snapshot._meta.get_field("status").choices)

    class Meta:
        model = Snapshot
        fields = []


class TargetFilter(django_filters.FilterSet):
    kpi = django_filters.ChoiceFilter(choices=KPI_CHOICES)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    agent = IdFilter(field_name="agent_id")
    team = IdFilter(field_name="team_id")
    channel = ChannelOrAllFilter(help_text="A channel, or `all` for targets over every channel.")
    in_force_on = django_filters.DateFilter(method="filter_in_force_on", help_text="Targets in force on this day.")

    class Meta:
        model = Target
        fields = []

    def filter_in_force_on(self, qs, name, value):
        return qs.in_force(value)
