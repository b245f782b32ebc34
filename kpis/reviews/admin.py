"""Admin: read reviews and their trail; fixes go through amendments, so reviews are read-only here."""

from django.contrib import admin

from .models import Goal, Notification, Review, ReviewAmendment, ReviewEvent, ReviewKpi, ReviewPitfall


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GoalInline(ReadOnlyInline):
    model = Goal


class ReviewKpiInline(ReadOnlyInline):
    model = ReviewKpi


class ReviewPitfallInline(ReadOnlyInline):
    model = ReviewPitfall
    exclude = ["evidence"]


class ReviewAmendmentInline(ReadOnlyInline):
    model = ReviewAmendment


class ReviewEventInline(ReadOnlyInline):
    model = ReviewEvent


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["agent", "team", "period_start", "period_end", "status", "author", "shared_at", "acknowledged_at"]
    list_filter = ["status", "team"]
    search_fields = ["agent__username", "agent__email", "agent__last_name", "author__username"]
    list_select_related = ["agent", "team", "author"]
    inlines = [GoalInline, ReviewKpiInline, ReviewPitfallInline, ReviewAmendmentInline, ReviewEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # A review (draft or shared) is removed by no one here: this also drops the bulk delete action.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "message", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
