"""The customer endpoints: scoped list and detail (by external id), MRR history, bulk upsert."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import scoping
from config.api_permissions import ApiViewMixin, CanWriteCustomers
from tickets.batch import MAX_BATCH_SIZE
from tickets.customers.models import Customer
from tickets.customers.selectors import customer_mrr_history
from tickets.customers.services import customers_upsert

from .filters import CustomerFilter
from .serializers import (
    CustomerBulkSerializer,
    CustomerSerializer,
    CustomerUpsertResultSerializer,
    MrrChangeSerializer,
)

TAGS = ["customers"]
READ_NOTE = (
    "Admins (and customer writers) see every customer; a leader the customers a team they lead has "
    "served; an agent the customers of their own tickets, with `mrr` null; HR none. A customer outside "
    "your scope is 404."
)
WRITE_NOTE = (
    "Admins and users granted “Can change customer” only. Each record is the customer's whole state; "
    "MRR changes are dated (see `mrr`, `mrr_effective_on`, `mrr_history`). All or nothing: errors are "
    'reported per record index: {"errors": {"3": {"mrr": ["…"]}}}; "-1" is the batch as a whole.'
)
EXTERNAL_ID = OpenApiParameter("external_id", str, OpenApiParameter.PATH, description="The customer's external id.")


@extend_schema_view(
    list=extend_schema(summary="Customers in the caller's scope", description=READ_NOTE, tags=TAGS),
    retrieve=extend_schema(summary="One customer", description=READ_NOTE, tags=TAGS, parameters=[EXTERNAL_ID]),
    mrr_history=extend_schema(
        summary="A customer's MRR history, oldest change first",
        description="Who may see revenue only (admins, customer writers, leaders); anyone else 404.",
        tags=TAGS,
        parameters=[EXTERNAL_ID],
        responses=MrrChangeSerializer(many=True),
    ),
    bulk=extend_schema(
        summary="Upsert up to 1000 customers by external_id, all or nothing",
        description=WRITE_NOTE,
        tags=TAGS,
        request=CustomerBulkSerializer,
        responses={200: CustomerUpsertResultSerializer},
    ),
)
class CustomerViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanWriteCustomers]
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_field = "external_id"
    lookup_value_regex = "[^/\x00]+"  # a NUL is in no stored id: not found, like any unknown id

    def get_queryset(self):
        return scoping.customers_visible(self.request.user).order_by("name", "external_id")

    @action(detail=True, methods=["get"], url_path="mrr-history", filterset_class=None, pagination_class=None)
    def mrr_history(self, request, *args, **kwargs):
        if not scoping.sees_revenue(request.user):
            # No revenue for this reader (an agent): every customer's history reads as missing, in the words a
            # missing customer gets, whether or not they see the customer itself.
            raise Http404(f"No {Customer._meta.object_name} matches the given query.")
        customer = self.get_object()
        return Response(MrrChangeSerializer(customer_mrr_history(customer=customer), many=True).data)

    @action(detail=False, methods=["post"], url_path="bulk", filterset_class=None, pagination_class=None)
    def bulk(self, request, *args, **kwargs):
        records = request.data.get("records") if isinstance(request.data, dict) else None
        if not isinstance(records, list) or not records:
            raise serializers.ValidationError(
                {"records": ['Give the records as a non-empty JSON list under "records".']}
            )
        if len(records) > MAX_BATCH_SIZE:
            raise serializers.ValidationError({"records": [f"At most {MAX_BATCH_SIZE} records per batch."]})
        result = customers_upsert(records=records, actor=request.user)
        body = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "total": result.total,
        }
        return Response(CustomerUpsertResultSerializer(body).data, status=status.HTTP_200_OK)
