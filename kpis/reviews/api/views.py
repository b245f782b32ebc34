"""Coaching reviews over the API: the scoped list and detail, drafts written by their author,
goals and the pitfalls checklist, share, acknowledge, the history, and the HR export (CSV/XLSX).

Every write goes through kpis.reviews.services; a caller outside a workflow rule gets the
service's PermissionDenied (403) or ValidationError (400). The list and the export call the
reviews_list selector, so they show exactly what the review pages show.
"""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import scoping
from config.api_exceptions import INVALID_INPUT
from config.api_permissions import ApiViewMixin, CanExportReviews, CanWriteReviews
from kpis.reviews import services
from kpis.reviews.export import EXPORT_FORMATS, reviews_export_response
from kpis.reviews.selectors import (
    review_audit_for,
    review_history_for,
    review_summary,
    reviews_list,
    reviews_overlapping,
)

from .serializers import (
    AcknowledgeSerializer,
    GoalSerializer,
    PitfallConfirmSerializer,
    PitfallSerializer,
    ReviewCreateErrorSerializer,
    ReviewCreateSerializer,
    ReviewDetailSerializer,
    ReviewExportQuerySerializer,
    ReviewHistorySerializer,
    ReviewOverlapSerializer,
    ReviewQuerySerializer,
    ReviewSerializer,
    ReviewWriteSerializer,
)

TAGS = ["reviews"]


class FileRenderer(renderers.BaseRenderer):
    """Passes a prepared download through; an error body is rendered as JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error: say it is JSON, whatever format was asked for
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(FileRenderer):
    media_type = EXPORT_FORMATS["xlsx"]
    format = "xlsx"


@extend_schema_view(
    list=extend_schema(
        summary="Coaching reviews the caller may read",
        description="HR sees shared and acknowledged reviews (never drafts); a leader the reviews of their "
        "teams' agents (drafts: their own); an agent their own once shared.",
        tags=TAGS,
        parameters=[ReviewQuerySerializer],
    ),
    retrieve=extend_schema(
        summary="One review, with its pitfalls checklist and KPI summary", tags=TAGS, responses=ReviewDetailSerializer
    ),
    create=extend_schema(
        summary="Start a draft review of an agent",
        tags=TAGS,
        description="Without `allow_overlap`, a period that shares a day with a review of the same agent that the "
        "caller may read is refused (400, `errors.allow_overlap`, the reviews in `overlapping_reviews`); "
        "another leader's draft is never counted.",
        request=ReviewCreateSerializer,
        responses={201: ReviewDetailSerializer, 400: ReviewCreateErrorSerializer},
    ),
    update=extend_schema(
        summary="Edit a draft (its author only)",
        tags=TAGS,
        request=ReviewWriteSerializer,
        responses=ReviewDetailSerializer,
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a draft",
        tags=TAGS,
        request=ReviewWriteSerializer,
        responses=ReviewDetailSerializer,
    ),
)
class ReviewViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, CanWriteReviews]
    serializer_class = ReviewSerializer
    filter_backends = []

    def get_queryset(self):
        if self.action == "list":
            query = ReviewQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            reviews = reviews_list(user=self.request.user, **query.validated_data)
        else:
            reviews = scoping.reviews_visible(self.request.user).select_related("agent", "team", "author")
        return reviews.prefetch_related("goals").order_by("-period_end", "-pk")

    def get_serializer_class(self):
        if self.action == "create":
            return ReviewCreateSerializer
        if self.action in ("update", "partial_update"):
            return ReviewWriteSerializer
        return ReviewSerializer

    def _detail(self, review, status_code=status.HTTP_200_OK) -> Response:
        review = self.get_queryset().prefetch_related("pitfalls").get(pk=review.pk)
        review.summary = review_summary(review)
        return Response(ReviewDetailSerializer(review).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = ReviewCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        allow_overlap = data.pop("allow_overlap")
        if not allow_overlap and data["period_start"] <= data["period_end"]:
            overlapping = list(
                reviews_overlapping(
                    viewer=request.user,
                    agent=data["agent"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                )
            )
            if overlapping:
                return self._overlap_refused(data["agent"], overlapping)
        review = services.review_create(
            author=request.user,
            agent=data.pop("agent"),
            period_start=data.pop("period_start"),
            period_end=data.pop("period_end"),
        )
        if data:
            review = services.review_update(review=review, actor=request.user, **data)
        return self._detail(review, status.HTTP_201_CREATED)

    @staticmethod
    def _overlap_refused(agent, overlapping) -> Response:
        """400: the agent already has reviews of these days the caller reads; `allow_overlap` starts one anyway."""
        listed = "; ".join(
            f"#{r.pk} ({r.period_start.isoformat()} to {r.period_end.isoformat()}, {r.get_status_display().lower()}, "
            f"by {r.author})"
            for r in overlapping
        )
        count = len(overlapping)
        message = (
            f"{agent} already has {count} review{'s' if count != 1 else ''} overlapping this period: {listed}. "
            'Send "allow_overlap": true to start another one anyway.'
        )
        body = {
            "detail": INVALID_INPUT,
            "errors": {"allow_overlap": [message]},
            "overlapping_reviews": ReviewOverlapSerializer(overlapping, many=True).data,
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)

    def update(self, request, *args, **kwargs):
        review = self.get_object()
        serializer = ReviewWriteSerializer(
            data=request.data, partial=kwargs.pop("partial", False), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "agent" in fields and fields.pop("agent") != review.agent:
            return Response(
                {
                    "detail": "Invalid input; nothing was written.",
                    "errors": {"agent": ["A review's agent cannot change."]},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        review = services.review_update(review=review, actor=request.user, **fields)
        return self._detail(review)

    @extend_schema(summary="Share a draft with the agent", tags=TAGS, request=None, responses=ReviewDetailSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        review = services.review_share(review=self.get_object(), actor=request.user)
        return self._detail(review)

    @extend_schema(
        summary="Acknowledge a shared review (the reviewed agent)",
        tags=TAGS,
        request=AcknowledgeSerializer,
        responses=ReviewDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        review = self.get_object()
        serializer = AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_acknowledge(
            review=review, actor=request.user, comment=serializer.validated_data["comment"]
        )
        return self._detail(review)

    @extend_schema(
        summary="A review's history and audit trail, as the caller may read them",
        description="Events oldest first, audit rows newest first. HR, the agent and other leaders read them from "
        "the share on (nothing of the draft stage); the author and admins read them whole.",
        tags=TAGS,
        responses=ReviewHistorySerializer,
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        review = self.get_object()
        data = {
            "events": review_history_for(request.user, review),
            "audit": review_audit_for(request.user, review),
        }
        return Response(ReviewHistorySerializer(data).data)

    @extend_schema(
        summary="Add a SMART goal to a draft", tags=TAGS, request=GoalSerializer, responses={201: GoalSerializer}
    )
    @action(detail=True, methods=["post"])
    def goals(self, request, pk=None):
        review = self.get_object()
        serializer = GoalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_add(review=review, actor=request.user, **serializer.validated_data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Answer one item of a draft's pitfalls checklist",
        tags=TAGS,
        request=PitfallConfirmSerializer,
        responses=PitfallSerializer,
    )
    @action(detail=True, methods=["post"])
    def pitfalls(self, request, pk=None):
        review = self.get_object()
        serializer = PitfallConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.pitfall_confirm(review=review, actor=request.user, **serializer.validated_data)
        return Response(PitfallSerializer(item).data)

    @extend_schema(
        summary="Export reviews as CSV or XLSX (HR and admins)",
        description="One row per review the caller may read, filtered like the list. `format` is csv or xlsx.",
        tags=TAGS,
        parameters=[ReviewExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV, UTF-8 with BOM"),
            (200, EXPORT_FORMATS["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook"),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsAuthenticated, CanExportReviews],
        renderer_classes=[renderers.JSONRenderer, CsvRenderer, XlsxRenderer],
        pagination_class=None,
    )
    def export(self, request):
        query = ReviewExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        fmt = filters.pop("format")
        return reviews_export_response(
            reviews_list(user=request.user, **filters), fmt, actor=request.user, filters=filters
        )
