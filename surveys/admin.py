from django.contrib import admin

from .models import SurveyResponse
from .services import survey_response_to_record, survey_responses_delete, survey_responses_upsert


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "score", "agent", "team", "responded_at")
    list_filter = ("kind", "score", "team")
    search_fields = ("external_id", "comment", "agent__email", "ticket__external_id")
    date_hierarchy = "responded_at"
    raw_id_fields = ("ticket", "agent")
    list_select_related = ("agent", "team")

    def get_readonly_fields(self, request, obj=None):
        # The upsert keys a response by external_id: changing it would create another response.
        return ("external_id",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Through the shared upsert: the editor's scope, validation and dirty-day marks of every entry point.
        survey_responses_upsert(records=[survey_response_to_record(obj)], actor=request.user)
        obj.pk = SurveyResponse.objects.only("pk").get(external_id=obj.external_id).pk

    def delete_model(self, request, obj):
        survey_responses_delete(responses=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        survey_responses_delete(responses=queryset, actor=request.user)
