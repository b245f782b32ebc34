from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from .models import AuditEvent, Team, User
from .services import user_deactivate, user_delete

DEACTIVATE_HINT = (
    "Users with tickets, survey responses or reviews in their name can't be deleted: "
    "use the “Deactivate selected users” action instead; it keeps their history."
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "team", "is_staff", "is_active")
    list_filter = ("role", "team", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Pulse", {"fields": ("role", "team")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Pulse", {"fields": ("email", "role", "team")}))
    list_select_related = ("team",)
    actions = ["deactivate_users"]

    @admin.action(description="Deactivate selected users (keeps their history)", permissions=["change"])
    def deactivate_users(self, request, queryset):
        deactivated = 0
        for user in queryset:
            try:
                deactivated += user_deactivate(user=user, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        self.message_user(request, f"{deactivated} user(s) deactivated; their API tokens were revoked.")

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            # Django lists what blocks the deletion; say what to do instead.
            self.message_user(request, DEACTIVATE_HINT, messages.WARNING)
        return deleted, model_count, perms_needed, protected

    # Deletion goes through the service: audited, the agent's targets removed through their own service.
    def delete_model(self, request, obj):
        user_delete(user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(user=user, actor=request.user)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone")
    list_filter = ("timezone",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("leaders",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_repr", "object_id", "request_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
