"""Schedules in the admin: read-only. Edits go through the schedule pages (/schedules/), whose services validate,
audit and recompute the tickets' business seconds — the admin must not bypass them."""

from django.contrib import admin

from .models import Holiday, Schedule, ScheduleInterval


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IntervalInline(admin.TabularInline):
    model = ScheduleInterval
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HolidayInline(IntervalInline):
    model = Holiday


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "holiday_country", "holiday_subdivision", "updated_at")
    list_select_related = ("team",)
    inlines = [IntervalInline, HolidayInline]


@admin.register(Holiday)
class HolidayAdmin(ReadOnlyAdmin):
    list_display = ("date", "name", "source", "schedule")
    list_filter = ("source",)
    list_select_related = ("schedule__team",)
