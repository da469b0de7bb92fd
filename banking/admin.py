from django.contrib import admin

from .models import Allocation, BankAccount, BankEntry, KnownAccount, StatementImport


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("iban", "currency", "owner")
    search_fields = ("iban", "owner__username")
    raw_id_fields = ("owner",)


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "owner", "format", "created_at", "booked", "proposed", "ignored")
    list_filter = ("format", "source")
    search_fields = ("file_name", "owner__username")
    raw_id_fields = ("owner",)


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    raw_id_fields = ("invoice", "payment")


@admin.register(BankEntry)
class BankEntryAdmin(admin.ModelAdmin):
    list_display = ("booked_on", "amount", "currency", "direction", "counterparty_name", "state")
    list_filter = ("state", "direction", "is_reversal", "needs_attention")
    search_fields = ("counterparty_name", "remittance", "owner__username")
    raw_id_fields = ("owner", "statement", "account")
    inlines = (AllocationInline,)


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("entry", "invoice", "amount", "payment")
    raw_id_fields = ("entry", "invoice", "payment")


@admin.register(KnownAccount)
class KnownAccountAdmin(admin.ModelAdmin):
    list_display = ("iban", "client", "name", "owner")
    search_fields = ("iban", "name", "owner__username")
    raw_id_fields = ("owner", "client", "learned_from")
