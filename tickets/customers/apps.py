from django.apps import AppConfig


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets.customers"
    label = "customers"
    verbose_name = "Customers and their revenue"
