from django.contrib import admin

from .models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("summary", "kind", "client", "occurred_at")
    list_filter = ("kind",)
    raw_id_fields = (
        "owner",
        "client",
        "project",
        "note",
        "message",
        "offer",
        "invoice",
        "change_request",
    )
