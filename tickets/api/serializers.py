"""Tickets in and out of the API: typed input records for the upsert, and the stored ticket."""

from rest_framework import serializers

from tickets.models import Channel, Priority, Status, Ticket
from tickets.services import TICKET_WRITE_FIELDS

from .records import AwareDateTimeField, FastRecordSerializer, count_field, id_field


class TicketWriteSerializer(FastRecordSerializer):
    """One ticket as the helpdesk knows it; related records by id or by natural key."""

    external_id = serializers.CharField(max_length=255, help_text="The helpdesk's id; the upsert key.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True, help_text="Case type."
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    agent = id_field(required=False, allow_null=True, help_text="Assignee's user id (or give agent_email).")
    agent_email = serializers.EmailField(
        required=False, allow_blank=True, allow_null=True, help_text="Assignee's email."
    )
    team = id_field(
        required=False,
        allow_null=True,
        help_text="Owning team's id (or team_slug); defaults to the agent's current team.",
    )
    team_slug = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    created_at = AwareDateTimeField(help_text="ISO 8601 with offset.")
    first_response_at = AwareDateTimeField(required=False, allow_null=True)
    solved_at = AwareDateTimeField(required=False, allow_null=True)
    handle_time_seconds = count_field(
        required=False, allow_null=True, help_text="Talk + hold + after-contact work, in seconds (≥ 0)."
    )
    agent_replies = count_field(required=False, help_text="Agent interactions until solved (≥ 0).")
    reopened_count = count_field(required=False, help_text="Times reopened (≥ 0).")
    customer_external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=(
            "The customer (account) this is for, by its external id (upsert it first at /api/v1/customers/); "
            "null clears it; omitted keeps the stored one."
        ),
    )


class TicketSerializer(serializers.ModelSerializer):
    """A stored ticket: timestamps ISO 8601 with offset, durations in seconds."""

    agent = serializers.IntegerField(source="agent_id", allow_null=True, read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True)
    customer_external_id = serializers.CharField(
        source="customer.external_id", allow_null=True, read_only=True, help_text="The customer's external id."
    )

    class Meta:
        model = Ticket
        fields = ["id", "external_id", *TICKET_WRITE_FIELDS, "customer_external_id", "updated_at"]
        read_only_fields = fields


class TicketBulkSerializer(serializers.Serializer):
    """The body of POST /tickets/bulk/: up to 1000 records, upserted all or nothing."""

    records = TicketWriteSerializer(many=True, min_length=1, max_length=1000)
