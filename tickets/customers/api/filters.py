"""Filters of the customer list: parsed here, applied by `customers_list` (inside the reader's scope)."""

import django_filters

from tickets.api.filters import IdFilter
from tickets.customers.models import Customer
from tickets.customers.selectors import customers_list


class CustomerFilter(django_filters.FilterSet):
    segment = django_filters.CharFilter(help_text="Exact segment, e.g. SMB.")
    plan = django_filters.CharFilter(help_text="Exact plan name.")
    active = django_filters.BooleanFilter(help_text="true: no churn date; false: churned.")
    team = IdFilter(help_text="Customers a team served (a ticket of the team names them), as far as you see tickets.")
    search = django_filters.CharFilter(help_text="Part of the name or the external id.")

    class Meta:
        model = Customer
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return customers_list(
            user=self.request.user,
            search=data.get("search") or "",
            segment=data.get("segment") or "",
            plan=data.get("plan") or "",
            active=data.get("active"),
            team_id=data.get("team"),
        )
