from django.contrib import admin

from .models import Blob, InboundMail, MailAttachment, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "is_active", "last_success_at", "last_error_code")
    list_filter = ("is_active", "last_error_code")
    raw_id_fields = ("owner",)
    readonly_fields = ("uidvalidity", "last_uid", "fetch_lease_until", "mails_read")


class AttachmentInline(admin.TabularInline):
    model = MailAttachment
    raw_id_fields = ("blob",)
    extra = 0


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("subject", "from_address", "received_at", "status", "client")
    list_filter = ("status", "matched_by")
    search_fields = ("subject", "from_address", "message_id")
    raw_id_fields = ("owner", "mailbox", "client", "answers", "activity", "raw")
    inlines = (AttachmentInline,)


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ("sha256", "size", "owner", "created_at")
    raw_id_fields = ("owner",)
    exclude = ("content",)


@admin.register(MailAttachment)
class MailAttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "mail")
    raw_id_fields = ("mail", "blob")
