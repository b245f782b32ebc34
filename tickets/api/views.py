"""The ticket endpoints: scoped list and detail, create, update and bulk upsert by external_id."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from accounts import scoping
from config.api_permissions import ApiViewMixin, CanWriteRecords
from tickets.models import Ticket
from tickets.services import ticket_to_record, tickets_upsert

from .filters import TicketFilter
from .records import RecordWriteMixin, UpsertResultSerializer
from .serializers import TicketBulkSerializer, TicketSerializer, TicketWriteSerializer

WRITE_NOTE = (
    "Leaders and admins only; a leader writes records of the teams they lead only (another team "
    "is a 400 field error on `team`). Creating with an existing external_id updates that ticket (200)."
)


@extend_schema_view(
    list=extend_schema(summary="Tickets in the caller's scope", tags=["tickets"]),
    retrieve=extend_schema(summary="One ticket", tags=["tickets"]),
    create=extend_schema(
        summary="Create (or update by external_id) one ticket",
        description=WRITE_NOTE,
        tags=["tickets"],
        request=TicketWriteSerializer,
        responses={201: TicketSerializer, 200: TicketSerializer},
    ),
    update=extend_schema(
        summary="Replace a ticket", tags=["tickets"], request=TicketWriteSerializer, responses=TicketSerializer
    ),
    partial_update=extend_schema(
        summary="Change some fields of a ticket",
        tags=["tickets"],
        request=TicketWriteSerializer,
        responses=TicketSerializer,
    ),
    bulk=extend_schema(
        summary="Upsert up to 1000 tickets by external_id, all or nothing",
        description=WRITE_NOTE + ' Errors are reported per record index: {"errors": {"3": {"created_at": ["…"]}}}.',
        tags=["tickets"],
        request=TicketBulkSerializer,
        responses={200: UpsertResultSerializer},
    ),
)
class TicketViewSet(
    ApiViewMixin,
    RecordWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAuthenticated, CanWriteRecords]
    serializer_class = TicketSerializer
    write_serializer_class = TicketWriteSerializer
    filterset_class = TicketFilter
    model = Ticket
    upsert = staticmethod(tickets_upsert)
    to_record = staticmethod(ticket_to_record)
    reference_pairs = (("agent", "agent_email"), ("team", "team_slug"))

    def get_queryset(self):
        return scoping.tickets_visible(self.request.user).select_related("customer").order_by("-created_at", "-pk")
