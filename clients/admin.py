from django.contrib import admin

from .models import Client, Contact, ImportPreset, ImportUpload, Note, Tag


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class NoteInline(admin.TabularInline):
    model = Note
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "status", "relationship", "language", "form_of_address")
    list_filter = ("status", "relationship", "language", "form_of_address")
    search_fields = ("name", "email", "owner__username")
    raw_id_fields = ("owner",)
    inlines = (ContactInline, NoteInline)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "owner")
    raw_id_fields = ("owner",)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("client", "kind", "noted_on", "is_pinned")
    list_filter = ("kind", "is_pinned")
    raw_id_fields = ("client",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "role", "email")
    raw_id_fields = ("client",)


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "owner", "file_kind", "detected_format", "created_at")
    raw_id_fields = ("owner",)
    exclude = ("content",)


@admin.register(ImportPreset)
class ImportPresetAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "created_at")
    raw_id_fields = ("owner",)
