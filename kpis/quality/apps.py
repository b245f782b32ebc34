from django.apps import AppConfig


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kpis.quality"
    label = "quality"
    verbose_name = "Conversation quality reviews"
