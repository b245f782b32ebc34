"""Customers (accounts) the support team serves: who they are, what they pay each month, and whether they stayed.

A customer's monthly recurring revenue has a history (`MrrChange`, one row per date it changed); `Customer.mrr`
is the latest of it, kept with it by the services. Money is a Decimal with cents, so every sum is exact.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Customer(models.Model):
    external_id = models.CharField(
        max_length=255, unique=True, help_text="The CRM's or helpdesk's id for this account."
    )
    name = models.CharField(max_length=255)
    segment = models.CharField(max_length=100, blank=True, help_text="e.g. SMB, Mid-market, Enterprise.")
    plan = models.CharField(max_length=100, blank=True)
    mrr = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, help_text="Monthly recurring revenue now (the latest MRR change)."
    )
    started_on = models.DateField(help_text="The first day the customer paid.")
    churned_on = models.DateField(
        null=True, blank=True, help_text="The day the customer left; empty while the customer is active."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "external_id"]
        constraints = [
            models.CheckConstraint(condition=Q(mrr__gte=0), name="customer_mrr_non_negative"),
            models.CheckConstraint(
                condition=Q(churned_on__isnull=True) | Q(churned_on__gte=F("started_on")),
                name="customer_churned_not_before_started",
            ),
        ]
        indexes = [
            models.Index(fields=["started_on"], name="customer_started"),
            models.Index(fields=["churned_on"], name="customer_churned"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def is_active(self) -> bool:
        return self.churned_on is None


class MrrChange(models.Model):
    """The customer's MRR from `effective_on` until the next change (an upgrade, downgrade or price change)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="mrr_changes")
    effective_on = models.DateField()
    mrr = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["customer", "effective_on"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "effective_on"], name="mrr_change_unique_day"),
            models.CheckConstraint(condition=Q(mrr__gte=0), name="mrr_change_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.effective_on}: {self.mrr}"
