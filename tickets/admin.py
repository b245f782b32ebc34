from django.contrib import admin

from .models import ImportRun, Ticket
from .services import ticket_to_record, tickets_delete, tickets_upsert


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("external_id", "channel", "status", "agent", "team", "created_at", "solved_at")
    list_filter = ("channel", "status", "priority", "team")
    search_fields = ("external_id", "category", "agent__email", "agent__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("agent",)
    list_select_related = ("agent", "team")

    def get_readonly_fields(self, request, obj=None):
        # The upsert keys a ticket by external_id: changing it would create another ticket.
        return ("external_id",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Through the shared upsert: the editor's scope, validation and dirty-day marks of every entry point.
        tickets_upsert(records=[ticket_to_record(obj)], actor=request.user)
        obj.pk = Ticket.objects.only("pk").get(external_id=obj.external_id).pk

    def delete_model(self, request, obj):
        tickets_delete(tickets=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        tickets_delete(tickets=queryset, actor=request.user)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "original_name", "kind", "profile", "status", "rows_done", "rows_failed", "created_by")
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("original_name", "created_by__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("created_by",)
    readonly_fields = (
        "rows_total", "rows_done", "rows_created", "rows_updated", "rows_unchanged", "rows_failed",
        "errors_file", "message", "started_at", "finished_at", "stopped_at_line", "files_purged_at",
    )  # fmt: skip
