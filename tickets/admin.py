from django.contrib import admin

from kpis.services import snapshot_days_mark_dirty

from .models import ImportRun, Ticket
from .services import TICKET_DATE_FIELDS, ticket_days


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("external_id", "channel", "status", "agent", "team", "created_at", "solved_at")
    list_filter = ("channel", "status", "priority", "team")
    search_fields = ("external_id", "category", "agent__email", "agent__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("agent",)
    list_select_related = ("agent", "team")

    def save_model(self, request, obj, form, change):
        # A data fix in admin refreshes the snapshots of the days it touches, before and after.
        days = set()
        if change:
            before = Ticket.objects.select_related("team").get(pk=obj.pk)
            days |= ticket_days(before.team, [getattr(before, f) for f in TICKET_DATE_FIELDS])
        super().save_model(request, obj, form, change)
        days |= ticket_days(obj.team, [getattr(obj, f) for f in TICKET_DATE_FIELDS])
        snapshot_days_mark_dirty(team_days=days)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "original_name", "kind", "profile", "status", "rows_done", "rows_failed", "created_by")
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("original_name", "created_by__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("created_by",)
    readonly_fields = (
        "rows_total", "rows_done", "rows_created", "rows_updated", "rows_unchanged", "rows_failed",
        "errors_file", "message", "started_at", "finished_at",
    )  # fmt: skip
