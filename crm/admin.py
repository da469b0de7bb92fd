"""Django admin for the freelancer, their profile and the audit log."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .models import AuditEntry, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    readonly_fields = ("calendar_token",)


@admin.register(User)
class CrmUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "email", "first_name", "is_active", "is_staff", "date_joined")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "business_name", "language", "time_zone")
    list_filter = ("language", "default_currency", "is_small_business")
    search_fields = ("user__username", "user__email", "display_name", "business_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("calendar_token", "created_at", "updated_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is evidence: readable in the admin, never edited there."""

    list_display = ("occurred_at", "owner", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("owner__username", "actor", "object_repr", "object_id")
    list_select_related = ("owner",)
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
