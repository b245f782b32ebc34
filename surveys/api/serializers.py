"""Survey responses in and out of the API."""

from rest_framework import serializers

from surveys.models import Kind, SurveyResponse
from tickets.api.records import AwareDateTimeField, FastRecordSerializer, count_field, id_field


class SurveyResponseWriteSerializer(FastRecordSerializer):
    """One survey response; its ticket by id or by the helpdesk's id, agent and team taken from it."""

    external_id = serializers.CharField(max_length=255, help_text="The survey tool's id; the upsert key.")
    ticket = id_field(required=False, allow_null=True, help_text="The ticket's id (or ticket_external_id).")
    ticket_external_id = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    agent = id_field(required=False, allow_null=True, help_text="Defaults to the ticket's agent.")
    agent_email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    team = id_field(required=False, allow_null=True, help_text="Defaults to the ticket's team, then the agent's.")
    team_slug = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    kind = serializers.ChoiceField(choices=Kind.choices)
    score = count_field(help_text="CSAT 1–5, CES 1–7, NPS 0–10.")
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10000)
    responded_at = AwareDateTimeField(help_text="ISO 8601 with offset.")
    customer_external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=(
            "The customer (account) who answered, by its external id (upsert it first at /api/v1/customers/); "
            "null clears it; omitted: the ticket's customer, else the stored one."
        ),
    )


class SurveyResponseSerializer(serializers.ModelSerializer):
    """A stored survey response."""

    ticket = serializers.IntegerField(source="ticket_id", allow_null=True, read_only=True)
    agent = serializers.IntegerField(source="agent_id", allow_null=True, read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True)
    customer_external_id = serializers.CharField(
        source="customer.external_id", allow_null=True, read_only=True, help_text="The customer's external id."
    )

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "external_id",
            "ticket",
            "agent",
            "team",
            "kind",
            "score",
            "comment",
            "responded_at",
            "customer_external_id",
            "updated_at",
        ]
        read_only_fields = fields


class SurveyResponseBulkSerializer(serializers.Serializer):
    """The body of POST /survey-responses/bulk/: up to 1000 records, upserted all or nothing."""

    records = SurveyResponseWriteSerializer(many=True, min_length=1, max_length=1000)
