from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from acquirer.admin_site import ReadOnlyAdminMixin
from acquirer.models import AuditEvent, JobRun, Notification, User


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Changes go through services (audited); the admin only inspects (see ``acquirer.admin_site``:
    every registration is made read-only, third-party ones included)."""


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, BaseUserAdmin):
    list_display = ("username", "kind", "email", "is_active", "last_login")
    list_filter = ("kind", "is_active", "groups")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Acquirer", {"fields": ("kind", "language", "disabled_reason")}))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_label", "action", "target_repr", "ip")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "target_repr")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "status", "started_at", "finished_at")
    list_filter = ("job", "status")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "read_at", "email_status")
