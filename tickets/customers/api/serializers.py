"""Customers in and out of the API. Money is a decimal string ("49.90"), dates are YYYY-MM-DD.

The write serializers document the bulk body; the records themselves are validated by
`customers_upsert` (the one rule for the API, the CSV import and the admin), which reports
field errors per record index.
"""

from rest_framework import serializers

from accounts import scoping
from tickets.customers.models import Customer, MrrChange

MONEY_HELP = 'Monthly recurring revenue, a decimal string with at most 2 decimals, ≥ 0 (e.g. "49.90").'


class MrrChangeSerializer(serializers.ModelSerializer):
    mrr = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="MRR from this day on.")

    class Meta:
        model = MrrChange
        fields = ["effective_on", "mrr"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A stored customer; `mrr` is null for a reader who may not see revenue (agents)."""

    active = serializers.BooleanField(source="is_active", read_only=True, help_text="No churn date.")
    mrr = serializers.SerializerMethodField(help_text="Current MRR (the latest change); null if not yours to see.")

    class Meta:
        model = Customer
        fields = ["external_id", "name", "segment", "plan", "started_on", "churned_on", "active", "mrr", "updated_at"]
        read_only_fields = fields

    def get_mrr(self, customer: Customer) -> str | None:
        request = self.context.get("request")
        if request is None or not scoping.sees_revenue(request.user):
            return None
        return str(customer.mrr)


class CustomerWriteSerializer(serializers.Serializer):
    """One customer as the CRM knows it: the whole record (an omitted optional field is empty; an
    omitted churned_on means active), and optionally its MRR."""

    external_id = serializers.CharField(max_length=255, help_text="The CRM's id; the upsert key.")
    name = serializers.CharField(max_length=255)
    segment = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    plan = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    started_on = serializers.DateField(help_text="The first day the customer paid.")
    churned_on = serializers.DateField(
        required=False, allow_null=True, help_text="The day the customer left (≥ started_on); null: active."
    )
    mrr = serializers.RegexField(
        regex=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
        required=False,
        allow_null=True,
        help_text=MONEY_HELP + " Omitted: the MRR history stays as it is; a changed value is recorded on "
        "mrr_effective_on.",
    )
    mrr_effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day the given mrr takes effect (not in the future). Default: started_on for a new "
        "customer, today (UTC) for an existing one.",
    )
    mrr_history = MrrChangeSerializer(
        many=True,
        required=False,
        help_text="The whole MRR history, replacing the stored one (backfills); not with mrr.",
    )


class CustomerBulkSerializer(serializers.Serializer):
    """The body of POST /customers/bulk/: up to 1000 records, upserted all or nothing."""

    records = CustomerWriteSerializer(many=True, min_length=1, max_length=1000)


class CustomerUpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Customers that were new.")
    updated = serializers.IntegerField(help_text="Existing customers whose record or MRR history changed.")
    unchanged = serializers.IntegerField(help_text="Existing customers the record left as they were.")
    total = serializers.IntegerField()
