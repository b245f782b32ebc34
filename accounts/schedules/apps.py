from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts.schedules"
    label = "schedules"
    verbose_name = "Schedules and business hours"
