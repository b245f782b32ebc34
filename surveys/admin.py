from django.contrib import admin

from kpis.days import local_date
from kpis.services import snapshot_days_mark_dirty

from .models import SurveyResponse


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "score", "agent", "team", "responded_at")
    list_filter = ("kind", "score", "team")
    search_fields = ("external_id", "comment", "agent__email", "ticket__external_id")
    date_hierarchy = "responded_at"
    raw_id_fields = ("ticket", "agent")
    list_select_related = ("agent", "team")

    def save_model(self, request, obj, form, change):
        days = set()
        if change:
            before = SurveyResponse.objects.select_related("team").get(pk=obj.pk)
            days.add((before.team_id, local_date(before.responded_at, before.team.zone)))
        super().save_model(request, obj, form, change)
        days.add((obj.team_id, local_date(obj.responded_at, obj.team.zone)))
        snapshot_days_mark_dirty(team_days=days)
