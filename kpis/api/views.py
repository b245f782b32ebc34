"""KPI definitions, targets, snapshots (+ recompute) and scorecards: scoped reads over the
KPI engine's selectors and writes through its services; nothing is computed here."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import scoping
from config.api_permissions import ApiViewMixin, CanWriteTargets, IsAdmin
from kpis import page_cache, tasks
from kpis.models import Scope, Target
from kpis.registry import KPIS
from kpis.selectors import (
    agent_figures_version,
    figures_version,
    period_from_params,
    period_targets,
    scorecard,
    snapshots_database,
)
from kpis.services import target_delete, target_save

from .filters import SnapshotFilter, TargetFilter
from .serializers import (
    KpiSerializer,
    RecomputeAcceptedSerializer,
    RecomputeSerializer,
    ScorecardQuerySerializer,
    ScorecardSerializer,
    SnapshotSerializer,
    TargetSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Every KPI's definition", tags=["kpis"]),
    retrieve=extend_schema(
        summary="One KPI's definition",
        tags=["kpis"],
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KPIS), description="KPI code")
        ],
    ),
)
class KpiViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The KPI registry (in code): code, name, unit, direction and formula of each KPI."""

    serializer_class = KpiSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = "[a-z_]+"

    def list(self, request):
        return Response(KpiSerializer(list(KPIS.values()), many=True).data)

    def retrieve(self, request, code=None):
        kpi = KPIS.get(code)
        if kpi is None:
            raise Http404
        return Response(KpiSerializer(kpi).data)


@extend_schema_view(
    list=extend_schema(summary="Targets that apply within the caller's scope", tags=["targets"]),
    retrieve=extend_schema(summary="One target", tags=["targets"]),
    create=extend_schema(
        summary="Set a target",
        description="Leaders for the teams they lead and their agents; admins also org-wide. "
        "Overlapping targets of the same KPI, subject and channel are refused.",
        tags=["targets"],
    ),
    update=extend_schema(summary="Replace a target", tags=["targets"]),
    partial_update=extend_schema(summary="Change a target", tags=["targets"]),
    destroy=extend_schema(summary="Remove a target", tags=["targets"]),
)
class TargetViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, CanWriteTargets]
    serializer_class = TargetSerializer
    filterset_class = TargetFilter

    def get_queryset(self):
        return scoping.targets_visible(self.request.user).order_by("kpi", "scope", "effective_from", "pk")

    def _save(self, target: Target) -> None:
        if not scoping.can_write_target(self.request.user, target):
            field = "scope" if target.scope == Scope.ORG else target.scope
            message = (
                "Only an admin sets org-wide targets."
                if target.scope == Scope.ORG
                else "Name the team or agent this target is for (one you manage)."
            )
            raise serializers.ValidationError({field: [message]})
        target_save(target=target, set_by=self.request.user)

    def perform_create(self, serializer):
        target = Target(**serializer.validated_data)
        self._save(target)
        serializer.instance = target

    def perform_update(self, serializer):
        target = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(target, name, value)
        self._save(target)

    def perform_destroy(self, instance):
        target_delete(target=instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Daily KPI snapshots in the caller's scope",
        description="An agent sees their own agent rows, their team's rows and the org rows; a leader the "
        "agent and team rows of the teams they lead and the org rows; HR and admins every row.",
        tags=["snapshots"],
    ),
    retrieve=extend_schema(summary="One snapshot row", tags=["snapshots"]),
)
class SnapshotViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter

    def get_queryset(self):
        # KPI rows only: a sampled ratio's part rows (IQS's n, disputed and second moments) are read by the figures.
        rows = scoping.snapshots_visible(self.request.user).filter(kpi__in=list(KPIS))
        return rows.order_by("date", "kpi", "scope", "channel", "pk")

    @extend_schema(
        summary="Recompute snapshots for a date range (admin)",
        description="Enqueues the backfill task and returns its id. At most 400 days per request.",
        tags=["snapshots"],
        request=RecomputeSerializer,
        responses={202: RecomputeAcceptedSerializer},
        filters=False,
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[IsAdmin],
        filterset_class=None,
        pagination_class=None,
        serializer_class=RecomputeSerializer,
    )
    def recompute(self, request):
        serializer = RecomputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team_ids = data.get("team_ids") or None
        result = tasks.compute_snapshots.delay(data["date_from"].isoformat(), data["date_to"].isoformat(), team_ids)
        body = {"task_id": result.id, "date_from": data["date_from"], "date_to": data["date_to"], "team_ids": team_ids}
        return Response(RecomputeAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


SCORECARD_PARAMETERS = [ScorecardQuerySerializer]


class ScorecardMixin:
    """GET one subject's scorecard: every KPI over the period against its target."""

    serializer_class = ScorecardSerializer
    pagination_class = None
    filter_backends = []
    scope: str

    def retrieve(self, request, pk=None):
        subject = self.get_object()
        query = ScorecardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period, _ = period_from_params(
            preset=params.get("period"), date_from=params.get("date_from"), date_to=params.get("date_to")
        )
        channel = params.get("channel", "")
        resolver = period_targets(period)
        # Cached as the pages are (kpis.page_cache), under the stamps of the computations that wrote the subject's
        # rows, after the access check above (get_object); the entry holds figures only.
        if self.scope == Scope.AGENT:
            version, target_team = agent_figures_version(agent=subject, period=period), subject.team_id
        else:
            version, target_team = figures_version(team=subject, period=period), None
        figures = page_cache.cached_figures(
            f"api_scorecard_{self.scope}",
            version=version,
            resolver=resolver,
            using=snapshots_database(),
            parts=(subject.pk, target_team, period, channel),
            build=lambda: scorecard(
                scope=self.scope, subject=subject, period=period, channel=channel, resolver=resolver
            ),
        )
        body = {
            "scope": self.scope,
            "subject": subject.pk,
            "subject_name": str(subject),
            "date_from": period.date_from,
            "date_to": period.date_to,
            "channel": channel,
            "kpis": list(figures.values()),
        }
        return Response(ScorecardSerializer(body).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="An agent's scorecard",
        description="Every KPI for the agent over the period (default: last 30 days): value, numerator, "
        "denominator, target, status, low_confidence and the previous period's value.",
        tags=["scorecards"],
        parameters=SCORECARD_PARAMETERS,
    )
)
class AgentScorecardViewSet(ApiViewMixin, ScorecardMixin, viewsets.GenericViewSet):
    scope = Scope.AGENT

    def get_queryset(self):
        return scoping.agents_visible(self.request.user).select_related("team")


@extend_schema_view(
    retrieve=extend_schema(
        summary="A team's scorecard",
        description="Every KPI for the team as a whole over the period (default: last 30 days).",
        tags=["scorecards"],
        parameters=SCORECARD_PARAMETERS,
    )
)
class TeamScorecardViewSet(ApiViewMixin, ScorecardMixin, viewsets.GenericViewSet):
    scope = Scope.TEAM

    def get_queryset(self):
        return scoping.teams_visible(self.request.user)
