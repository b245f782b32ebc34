"""Admin for quality reviews: read-mostly; every change goes through the services, as on the pages."""

from django.contrib import admin

from .models import Assignment, CalibrationSession, Dispute, QualityReview, ReviewerRole, Rubric


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reviews, samples, sessions and disputes are written by their workflows (pages, API, services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rubric)
class RubricAdmin(ReadOnlyAdmin):
    list_display = ("name", "team", "created_by", "created_at")
    list_filter = ("team",)


@admin.register(QualityReview)
class QualityReviewAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "agent", "reviewer", "kind", "status", "points_earned", "points_possible", "work_day")
    list_filter = ("kind", "status", "team")
    list_select_related = ("ticket", "agent", "reviewer")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("team", "week_start", "per_agent", "seed", "created_by")


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(ReadOnlyAdmin):
    list_display = ("title", "team", "rubric_version", "created_by", "created_at")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("review", "raised_by", "status", "settled_by", "raised_at")
    list_filter = ("status",)


@admin.register(ReviewerRole)
class ReviewerRoleAdmin(ReadOnlyAdmin):
    list_display = ("user", "team", "granted_by", "granted_at")
