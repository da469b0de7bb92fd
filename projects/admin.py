from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import (
    ChangeRequest,
    FrozenDocument,
    Invoice,
    InvoiceLine,
    Milestone,
    NumberSequence,
    Offer,
    OfferLine,
    Payment,
    Project,
    RevisionRound,
    ScopeItem,
)


class ScopeItemInline(admin.TabularInline):
    model = ScopeItem
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class RevisionInline(admin.TabularInline):
    model = RevisionRound
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "client", "owner", "status", "deadline_on")
    list_filter = ("status", "pricing")
    search_fields = ("title", "client__name")
    raw_id_fields = ("owner", "client")
    inlines = (ScopeItemInline, MilestoneInline, RevisionInline)


class OfferLineInline(admin.TabularInline):
    model = OfferLine
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("number", "version", "project", "status", "issued_on", "total_gross")
    list_filter = ("status",)
    raw_id_fields = ("owner", "project")
    inlines = (OfferLineInline,)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "client", "status", "issued_on", "due_on", "total_gross")
    list_filter = ("status",)
    raw_id_fields = ("owner", "project", "client", "offer", "cancels")
    inlines = (InvoiceLineInline, PaymentInline)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # An issued invoice is never deleted (GoBD); it is cancelled by a cancellation invoice.
        return obj is None or obj.status == Invoice.Status.DRAFT

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        issued = queryset.exclude(status=Invoice.Status.DRAFT)
        if issued.exists():
            self.message_user(
                request,
                _(
                    "Issued invoices are never deleted; cancel them with a cancellation invoice. "
                    "Only drafts were deleted."
                ),
                level=messages.ERROR,
            )
        queryset.filter(status=Invoice.Status.DRAFT).delete()


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "status", "requested_on")
    list_filter = ("status",)
    raw_id_fields = ("owner", "project")


admin.site.register(NumberSequence)
admin.site.register(ScopeItem)
admin.site.register(Milestone)
admin.site.register(RevisionRound)


@admin.register(OfferLine)
class OfferLineAdmin(admin.ModelAdmin):
    list_display = ("description", "offer", "quantity", "unit_price", "vat_rate")
    raw_id_fields = ("offer",)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(admin.ModelAdmin):
    list_display = ("description", "invoice", "quantity", "unit_price", "vat_rate")
    raw_id_fields = ("invoice",)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("invoice", "paid_on", "amount")
    raw_id_fields = ("invoice",)


@admin.register(FrozenDocument)
class FrozenDocumentAdmin(admin.ModelAdmin):
    """Read-only: a frozen document is the document as it was sent; it is never edited."""

    list_display = ("__str__", "offer", "invoice", "sha256", "created_at")
    raw_id_fields = ("offer", "invoice")
    exclude = ("pdf",)
    readonly_fields = ("offer", "invoice", "sha256", "created_at")

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).defer("pdf").select_related("offer", "invoice")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
