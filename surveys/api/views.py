"""The survey-response endpoints: scoped list and detail, create, update and bulk upsert."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from accounts import scoping
from config.api_permissions import ApiViewMixin, CanWriteRecords
from surveys.models import SurveyResponse
from surveys.services import survey_response_to_record, survey_responses_upsert
from tickets.api.records import RecordWriteMixin, UpsertResultSerializer

from .filters import SurveyResponseFilter
from .serializers import SurveyResponseBulkSerializer, SurveyResponseSerializer, SurveyResponseWriteSerializer

WRITE_NOTE = (
    "Leaders and admins only; a leader writes responses of the teams they lead only (another team "
    "is a 400 field error on `team`). Creating with an existing external_id updates that response (200)."
)
TAGS = ["survey responses"]


@extend_schema_view(
    list=extend_schema(summary="Survey responses in the caller's scope", tags=TAGS),
    retrieve=extend_schema(summary="One survey response", tags=TAGS),
    create=extend_schema(
        summary="Create (or update by external_id) one survey response",
        description=WRITE_NOTE,
        tags=TAGS,
        request=SurveyResponseWriteSerializer,
        responses={201: SurveyResponseSerializer, 200: SurveyResponseSerializer},
    ),
    update=extend_schema(
        summary="Replace a survey response",
        tags=TAGS,
        request=SurveyResponseWriteSerializer,
        responses=SurveyResponseSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some fields of a survey response",
        tags=TAGS,
        request=SurveyResponseWriteSerializer,
        responses=SurveyResponseSerializer,
    ),
    bulk=extend_schema(
        summary="Upsert up to 1000 survey responses by external_id, all or nothing",
        description=WRITE_NOTE + ' Errors are reported per record index: {"errors": {"3": {"score": ["…"]}}}.',
        tags=TAGS,
        request=SurveyResponseBulkSerializer,
        responses={200: UpsertResultSerializer},
    ),
)
class SurveyResponseViewSet(
    ApiViewMixin,
    RecordWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, CanWriteRecords]
    serializer_class = SurveyResponseSerializer
    write_serializer_class = SurveyResponseWriteSerializer
    filterset_class = SurveyResponseFilter
    model = SurveyResponse
    upsert = staticmethod(survey_responses_upsert)
    to_record = staticmethod(survey_response_to_record)
    reference_pairs = (("agent", "agent_email"), ("team", "team_slug"), ("ticket", "ticket_external_id"))

    def get_queryset(self):
        return (
            scoping.survey_responses_visible(self.request.user)
            .select_related("customer")
            .order_by("-responded_at", "-pk")
        )
