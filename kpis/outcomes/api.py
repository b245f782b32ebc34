"""GET /api/v1/outcomes/: a team's (or the org's) business outcomes over a period and the service-vs-outcome panel,
read through `kpis.outcomes.selectors.outcomes`; access from `accounts.scoping`."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scoping
from accounts.models import Team
from config.api_permissions import ApiViewMixin
from kpis.api.serializers import ScorecardQuerySerializer
from kpis.selectors import period_from_params

from .definitions import CURRENCY, OUTCOME_KPIS, OutcomeUnit
from .selectors import outcomes


class OutcomesQuerySerializer(ScorecardQuerySerializer):
    """The team (none: the org, admins only) and the period (a custom range wins over a preset)."""

    team = serializers.IntegerField(
        required=False, min_value=1, help_text="A team's id; leave out for the org (every customer, admins only)."
    )
    channel = None  # outcomes are per customer, not per channel


class OutcomeFigureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=f"One of: {', '.join(OUTCOME_KPIS)}.")
    name = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=[unit.value for unit in OutcomeUnit], help_text=f"percent: 0–100; money: {CURRENCY} with cents."
    )
    value = serializers.CharField(
        allow_null=True,
        help_text="A decimal string (money exact to the cent; rates to 2 decimals); null: cannot be said (see note).",
    )
    n = serializers.IntegerField(help_text="Customers behind the figure.")
    low_confidence = serializers.BooleanField(help_text="From fewer than KPI_MIN_SAMPLE customers.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % Wilson interval (rates), percent.")
    ci_high = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    formula = serializers.CharField()

    def to_representation(self, figure):
        data = super().to_representation(figure)
        value = figure.value
        if value is not None and figure.unit == OutcomeUnit.PERCENT and isinstance(value, float):
            value = f"{value:.2f}"
        data["value"] = None if value is None else str(value)
        return data


class OutcomeGroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField(help_text="Customers of the group active at the start of the period.")
    churned = serializers.IntegerField()
    churn_percent = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % Wilson interval of the churn, percent.")
    ci_high = serializers.FloatField(allow_null=True)
    retention_percent = serializers.FloatField(allow_null=True)
    rest_n = serializers.IntegerField(help_text="Customers of the other groups together.")
    difference_points = serializers.FloatField(
        allow_null=True, help_text="Churn of this group − churn of the rest, in percentage points."
    )
    difference_low = serializers.FloatField(
        allow_null=True, help_text="95 % interval of the difference (Newcombe's hybrid score), points."
    )
    difference_high = serializers.FloatField(allow_null=True)
    too_few = serializers.BooleanField(help_text="The group or the rest has fewer than KPI_MIN_SAMPLE customers.")


class OutcomeGroupingSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kpis = serializers.ListField(child=serializers.CharField(), help_text="The service KPIs this grouping speaks to.")
    n = serializers.IntegerField(help_text="Customers in the panel; the groups add up to it.")
    churned = serializers.IntegerField()
    link = serializers.BooleanField(
        allow_null=True, help_text="Some group churns differently from the rest; null: too few customers to say."
    )
    groups = OutcomeGroupSerializer(many=True)


class OutcomeCustomersSerializer(serializers.Serializer):
    served = serializers.IntegerField(help_text="Customers named by a ticket of the scope created in the period.")
    at_start = serializers.IntegerField()
    churned = serializers.IntegerField()
    new = serializers.IntegerField()
    at_end = serializers.IntegerField()


class OutcomeReportSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text="team, or org (every customer).")
    team = serializers.IntegerField(source="team.pk", allow_null=True, default=None)
    team_name = serializers.CharField(source="team.name", allow_null=True, default=None)
    date_from = serializers.DateField(source="period.date_from")
    date_to = serializers.DateField(source="period.date_to")
    months = serializers.SerializerMethodField(help_text="The period's length in calendar months.")
    revenue_shown = serializers.BooleanField(help_text="False for agents: MRR, NRR and CLV are left out.")
    customers = OutcomeCustomersSerializer()
    figures = OutcomeFigureSerializer(many=True)
    panel = OutcomeGroupingSerializer(many=True)

    def get_months(self, body) -> float:
        return round(float(body["months"]), 4)


class OutcomesView(ApiViewMixin, APIView):
    """Business outcomes of the customers a team served (or of every customer), beside its service."""

    @extend_schema(
        summary="Churn, retention, MRR, NRR and CLV of a team's served customers, or the org's",
        description="A team's customers in a period are those named by a ticket the team handled created in the "
        "period. Leaders read the teams they lead; agents their own team without revenue figures (MRR, NRR, CLV); "
        "HR none; the org (no `team`) is for admins. A team or org outside the caller's scope is not found (404).",
        tags=["outcomes"],
        parameters=[OutcomesQuerySerializer],
        responses={200: OutcomeReportSerializer},
    )
    def get(self, request):
        query = OutcomesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period, _ = period_from_params(
            preset=params.get("period"), date_from=params.get("date_from"), date_to=params.get("date_to")
        )
        user = request.user
        if "team" in params:
            team = Team.objects.filter(pk=params["team"]).first()
            if team is None or not scoping.sees_team_outcomes(user, team):
                raise Http404
        elif scoping.sees_org_outcomes(user):
            team = None
        else:
            raise Http404
        report = outcomes(period=period, team=team)
        revenue = scoping.sees_revenue(user)
        if not revenue:
            report = report.without_revenue()
        cohort = report.cohort
        body = {
            "scope": report.scope,
            "team": report.team,
            "period": report.period,
            "months": cohort.months,
            "revenue_shown": revenue,
            "customers": {
                "served": report.served,
                "at_start": cohort.at_start,
                "churned": cohort.churned,
                "new": cohort.new,
                "at_end": cohort.at_end,
            },
            "figures": list(report.figures.values()),
            "panel": report.panel,
        }
        return Response(OutcomeReportSerializer(body).data)
