"""Customers in Django's admin: every write goes through `customers_upsert` (validation, the writer's
rights, MRR history rules, audit), as the API and the CSV import do. The MRR history is shown inline
and changed by the form's "new MRR" fields (one dated change) — never edited row by row."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from accounts.scoping import manages_customers
from config.errors import BatchValidationError

from .models import Customer, MrrChange
from .services import CUSTOMER_FIELDS, customers_upsert


class MrrChangeInline(admin.TabularInline):
    model = MrrChange
    fields = ("effective_on", "mrr")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-effective_on",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CustomerAdminForm(forms.ModelForm):
    new_mrr = forms.CharField(
        label="New MRR",
        required=False,
        help_text='A decimal with at most 2 decimals, e.g. "49.90"; empty: the MRR history stays as it is.',
    )
    new_mrr_effective_on = forms.CharField(
        label="Effective on",
        required=False,
        help_text="YYYY-MM-DD; default: the start date for a new customer, today (UTC) otherwise.",
    )

    class Meta:
        model = Customer
        fields = ["external_id", *CUSTOMER_FIELDS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = None

    def record(self) -> dict:
        data = self.cleaned_data
        record = {name: data.get(name) for name in CUSTOMER_FIELDS}
        record["external_id"] = data.get("external_id") or self.instance.external_id
        if data.get("new_mrr"):
            record["mrr"] = data["new_mrr"]
            if data.get("new_mrr_effective_on"):
                record["mrr_effective_on"] = data["new_mrr_effective_on"]
        elif data.get("new_mrr_effective_on"):
            record["mrr_effective_on"] = data["new_mrr_effective_on"]
        return record

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            customers_upsert(records=[self.record()], actor=self.user, dry_run=True)
        except BatchValidationError as error:
            aliases = {"mrr": "new_mrr", "mrr_effective_on": "new_mrr_effective_on"}
            for name, messages in (error.errors.get(0) or error.errors.get(-1) or {}).items():
                field = aliases.get(name, name)
                self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def _post_clean(self):
        """The model's own checks (unique external_id, constraints) are the service's; nothing else here."""


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ("external_id", "name", "segment", "plan", "mrr", "started_on", "churned_on")
    list_filter = ("segment", "plan", ("churned_on", admin.EmptyFieldListFilter))
    search_fields = ("external_id", "name")
    date_hierarchy = "started_on"
    inlines = [MrrChangeInline]
    fields = (
        "external_id",
        "name",
        "segment",
        "plan",
        "started_on",
        "churned_on",
        "mrr",
        "new_mrr",
        "new_mrr_effective_on",
    )

    def get_readonly_fields(self, request, obj=None):
        # The upsert keys a customer by external_id: changing it would create another customer.
        return ("mrr", "external_id") if obj is not None else ("mrr",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class BoundUserForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                self.user = user

        return BoundUserForm

    def has_add_permission(self, request) -> bool:
        return manages_customers(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return manages_customers(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a customer who left is churned (churned_on), never deleted: outcomes keep its history

    def save_model(self, request, obj, form, change):
        customers_upsert(records=[form.record()], actor=request.user)
        obj.pk = Customer.objects.only("pk").get(external_id=form.record()["external_id"]).pk

    def save_related(self, request, form, formsets, change):
        """The inline is read-only: the MRR history changes only through the service (save_model)."""
        for formset in formsets:  # nothing saved here; the change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
