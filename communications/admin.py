from django.contrib import admin

from .models import (
    ClientCommunication,
    CommunicationSettings,
    Message,
    MessageTemplate,
    ReminderItem,
    ReminderPause,
)


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


@admin.register(ReminderPause)
class ReminderPauseAdmin(admin.ModelAdmin):
    list_display = ("reason", "client", "invoice", "until_on", "lifted_at")
    raw_id_fields = ("owner", "client", "invoice")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "language", "form", "owner")
    list_filter = ("kind", "language", "form")
    raw_id_fields = ("owner",)


@admin.register(CommunicationSettings)
class CommunicationSettingsAdmin(admin.ModelAdmin):
    list_display = ("owner", "min_gap_days", "quiet_from", "quiet_until")
    raw_id_fields = ("owner",)


@admin.register(ClientCommunication)
class ClientCommunicationAdmin(admin.ModelAdmin):
    list_display = ("client", "min_gap_days")
    raw_id_fields = ("owner", "client")


@admin.register(ReminderItem)
class ReminderItemAdmin(admin.ModelAdmin):
    list_display = ("invoice", "level", "amount_due", "message")
    list_filter = ("level",)
    raw_id_fields = ("message", "invoice")
