from django.contrib import admin

from .models import Activity, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "client", "status", "send_after", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("subject", "dedupe_key", "to")
    raw_id_fields = (
        "owner",
        "client",
        "project",
        "invoice",
        "milestone",
        "offer",
        "change_request",
    )


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
