"""Quality reviews over the API: rubrics, reviews, weekly assignments, calibration sessions and disputes.

Reads go through the scoped querysets of `accounts.scoping` (outside scope: 404); every write goes through
`kpis.quality.services`, whose PermissionDenied is a 403 and whose ValidationError a 400 with field errors.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import scoping
from config.api_permissions import ApiViewMixin
from kpis.quality import services
from kpis.quality.models import QualityReviewKind, VersionStatus
from kpis.quality.selectors import calibration_results, with_open_dispute

from .serializers import (
    AssignmentDrawSerializer,
    AssignmentSerializer,
    CalibrationResultSerializer,
    CalibrationScoreSerializer,
    CalibrationSerializer,
    CalibrationWriteSerializer,
    CategorySerializer,
    DisputeAcceptSerializer,
    DisputeRaiseSerializer,
    DisputeRejectSerializer,
    DisputeSerializer,
    QualityReviewSerializer,
    QualityReviewWriteSerializer,
    RubricSerializer,
    scores_input,
)

TAGS = ["quality"]


class _Base(ApiViewMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    filter_backends = []


@extend_schema_view(
    list=extend_schema(summary="Rubrics the caller may read (org-wide and their teams')", tags=TAGS),
    retrieve=extend_schema(summary="A rubric with its versions and categories", tags=TAGS),
    create=extend_schema(summary="Start a rubric (leaders: their teams; admins: org-wide)", tags=TAGS),
)
class RubricViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin):
    serializer_class = RubricSerializer

    def get_queryset(self):
        return (
            scoping.rubrics_visible(self.request.user).prefetch_related("versions__categories").order_by("name", "pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = RubricSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        rubric = services.rubric_create(
            actor=request.user, name=serializer.validated_data["name"], team=serializer.validated_data.get("team")
        )
        return Response(RubricSerializer(self.get_queryset().get(pk=rubric.pk)).data, status=status.HTTP_201_CREATED)

    def _draft(self, rubric):
        draft = rubric.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            return None
        return draft

    @extend_schema(
        summary="Add a category to the rubric's draft version",
        tags=TAGS,
        request=CategorySerializer,
        responses={201: CategorySerializer},
    )
    @action(detail=True, methods=["post"])
    def categories(self, request, pk=None):
        rubric = self.get_object()
        serializer = CategorySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = self._draft(rubric)
        if draft is None:
            return Response(
                {
                    "detail": "Invalid input; nothing was written.",
                    "errors": {"version": ["Start a new version first."]},
                },
                status=400,
            )
        data = {k: v for k, v in serializer.validated_data.items() if k in services.CATEGORY_FIELDS}
        category = services.category_add(version=draft, actor=request.user, **data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the draft version (immutable from then on)",
        tags=TAGS,
        request=None,
        responses=RubricSerializer,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        rubric = self.get_object()
        draft = self._draft(rubric)
        if draft is None:
            return Response(
                {
                    "detail": "Invalid input; nothing was written.",
                    "errors": {"version": ["No draft version to publish."]},
                },
                status=400,
            )
        services.rubric_version_publish(version=draft, actor=request.user)
        return Response(RubricSerializer(self.get_queryset().get(pk=rubric.pk)).data)

    @extend_schema(
        summary="Start the next version as a draft copy of the latest",
        tags=TAGS,
        request=None,
        responses={201: RubricSerializer},
    )
    @action(detail=True, methods=["post"], url_path="versions")
    def new_version(self, request, pk=None):
        rubric = self.get_object()
        services.rubric_version_start(rubric=rubric, actor=request.user)
        return Response(RubricSerializer(self.get_queryset().get(pk=rubric.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Quality reviews the caller may read",
        description="A reviewer reads their own (drafts too); leaders their teams' submitted reviews; "
        "HR all submitted; "
        "an agent their own submitted reviews only.",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One quality review with its scores", tags=TAGS),
)
class QualityReviewViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = QualityReviewSerializer

    def get_queryset(self):
        reviews = scoping.quality_reviews_visible(self.request.user).filter(kind=QualityReviewKind.REVIEW)
        return with_open_dispute(reviews).prefetch_related("scores").order_by("-work_day", "-pk")

    @extend_schema(
        summary="Score a ticket (a draft, or submitted)",
        tags=TAGS,
        request=QualityReviewWriteSerializer,
        responses={201: QualityReviewSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = QualityReviewWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors = {name: ["This field is required."] for name in ("ticket", "rubric_version") if name not in data}
        if errors:
            return Response({"detail": "Invalid input; nothing was written.", "errors": errors}, status=400)
        review = services.quality_review_create(
            reviewer=request.user,
            ticket=data["ticket"],
            rubric_version=data["rubric_version"],
            scores=scores_input(data["scores"]),
            summary=data["summary"],
            submit=data["submit"],
        )
        return Response(
            QualityReviewSerializer(self.get_queryset().get(pk=review.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Save a draft's scores again, or submit it",
        tags=TAGS,
        request=QualityReviewWriteSerializer,
        responses=QualityReviewSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        review = self.get_object()
        serializer = QualityReviewWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = services.quality_review_update(
            review=review,
            actor=request.user,
            scores=scores_input(data["scores"]),
            summary=data["summary"],
            submit=data["submit"],
        )
        return Response(QualityReviewSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(
        summary="Dispute a submitted review (the reviewed agent)",
        tags=TAGS,
        request=DisputeRaiseSerializer,
        responses={201: DisputeSerializer},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        review = self.get_object()
        serializer = DisputeRaiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = services.dispute_raise(review=review, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Weekly samples of tickets to review (leaders, reviewers, HR)", tags=TAGS),
    retrieve=extend_schema(summary="One weekly sample with its drawn tickets and strata", tags=TAGS),
)
class AssignmentViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return scoping.assignments_visible(self.request.user).prefetch_related("items").order_by("-week_start", "pk")

    @extend_schema(
        summary="Draw and record a team's week (seeded; reproducible)",
        tags=TAGS,
        request=AssignmentDrawSerializer,
        responses={201: AssignmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = AssignmentDrawSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_draw(actor=request.user, **serializer.validated_data)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Calibration sessions (the team's leaders, the session's reviewers, HR)", tags=TAGS),
    retrieve=extend_schema(summary="One calibration session", tags=TAGS),
)
class CalibrationViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = CalibrationSerializer

    def get_queryset(self):
        return (
            scoping.calibrations_visible(self.request.user)
            .prefetch_related("tickets", "reviewers")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="Start a session: tickets and two or more reviewers",
        tags=TAGS,
        request=CalibrationWriteSerializer,
        responses={201: CalibrationSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = CalibrationWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        session = services.calibration_create(actor=request.user, **serializer.validated_data)
        return Response(CalibrationSerializer(session).data, status=status.HTTP_201_CREATED)

    def _ticket(self, session, ticket_id):
        return get_object_or_404(session.tickets.all(), pk=ticket_id)

    @extend_schema(
        summary="Submit (or save) the caller's blind score of a session ticket",
        tags=TAGS,
        request=CalibrationScoreSerializer,
        responses={201: QualityReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        session = self.get_object()
        serializer = CalibrationScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = services.calibration_score_save(
            session=session,
            ticket=self._ticket(session, data["ticket"]),
            actor=request.user,
            scores=scores_input(data["scores"]),
            submit=data["submit"],
        )
        return Response(QualityReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Settle a session ticket's reference score (the team's leaders)",
        tags=TAGS,
        request=CalibrationScoreSerializer,
        responses={201: QualityReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def reference(self, request, pk=None):
        session = self.get_object()
        serializer = CalibrationScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = services.calibration_reference_settle(
            session=session,
            ticket=self._ticket(session, data["ticket"]),
            actor=request.user,
            scores=scores_input(data["scores"]),
        )
        return Response(QualityReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Agreement: Krippendorff's alpha and spread (blind until the caller submitted)",
        tags=TAGS,
        responses=CalibrationResultSerializer,
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(CalibrationResultSerializer(calibration_results(self.get_object(), request.user)).data)


@extend_schema_view(
    list=extend_schema(summary="Disputes the caller may read", tags=TAGS),
    retrieve=extend_schema(summary="One dispute", tags=TAGS),
)
class DisputeViewSet(_Base, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = DisputeSerializer

    def get_queryset(self):
        return scoping.disputes_visible(self.request.user).select_related("review__team").order_by("-raised_at", "-pk")

    @extend_schema(
        summary="Accept: re-score the ticket (a leader who is not the reviewer)",
        tags=TAGS,
        request=DisputeAcceptSerializer,
        responses=QualityReviewSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        dispute = self.get_object()
        serializer = DisputeAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rescore = services.dispute_accept(
            dispute=dispute,
            actor=request.user,
            scores=scores_input(serializer.validated_data["scores"]),
            resolution=serializer.validated_data["resolution"],
        )
        return Response(QualityReviewSerializer(rescore).data)

    @extend_schema(
        summary="Reject: the score stands (a leader who is not the reviewer)",
        tags=TAGS,
        request=DisputeRejectSerializer,
        responses=DisputeSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        dispute = self.get_object()
        serializer = DisputeRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = services.dispute_reject(
            dispute=dispute, actor=request.user, resolution=serializer.validated_data["resolution"]
        )
        return Response(DisputeSerializer(dispute).data)
