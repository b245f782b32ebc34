from django.contrib import admin

from .models import DirtyDay, Snapshot, Target
from .services import target_delete, target_save


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("kpi", "scope", "team", "agent", "channel", "value", "stretch", "effective_from", "effective_to")
    list_filter = ("kpi", "scope", "channel", "team")
    search_fields = ("rationale", "team__name", "agent__email", "agent__username")
    raw_id_fields = ("agent",)
    list_select_related = ("team", "agent")

    # Admin writes go through the services, so they are validated and audited like the page and the API.
    def save_model(self, request, obj, form, change):
        target_save(target=obj, set_by=request.user)

    def delete_model(self, request, obj):
        target_delete(target=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for target in queryset:
            target_delete(target=target, actor=request.user)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ("date", "kpi", "scope", "team", "agent", "channel", "value", "denominator", "status")
    list_filter = ("kpi", "scope", "status", "channel", "team")
    search_fields = ("agent__email", "agent__username", "team__name")
    date_hierarchy = "date"
    list_select_related = ("team", "agent")
    raw_id_fields = ("agent", "target")

    def has_add_permission(self, request):
        return False  # snapshots are computed, never typed in

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DirtyDay)
class DirtyDayAdmin(admin.ModelAdmin):
    list_display = ("team", "date", "marked_at")
    list_filter = ("team",)
