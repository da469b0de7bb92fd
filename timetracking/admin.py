from django.contrib import admin

from .models import (
    BillingPeriod,
    ClientRate,
    Expense,
    HoursForecast,
    ProjectTimeSettings,
    Retainer,
    TimeEntry,
    Timer,
    TimeSettings,
)


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("work_on", "project", "owner", "seconds", "is_billable", "invoice")
    list_filter = ("is_billable", "is_out_of_scope")
    search_fields = ("description", "project__title")
    raw_id_fields = ("owner", "project", "milestone", "scope_item", "change_request", "invoice")
    date_hierarchy = "work_on"


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ("owner", "project", "started_at", "kept_at")
    raw_id_fields = ("owner", "project", "milestone", "scope_item")


@admin.register(Expense)
class ExpenseAdmin(admin.ModelAdmin):
    list_display = ("spent_on", "description", "project", "amount", "is_billable", "invoice")
    list_filter = ("is_billable",)
    raw_id_fields = ("owner", "project", "invoice")


class BillingPeriodInline(admin.TabularInline):
    model = BillingPeriod
    extra = 0
    raw_id_fields = ("owner", "invoice")


@admin.register(Retainer)
class RetainerAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "project", "interval", "amount", "starts_on", "ends_on")
    list_filter = ("kind", "interval")
    raw_id_fields = ("owner", "project")
    readonly_fields = ("next_period_on", "next_draft_on")
    inlines = (BillingPeriodInline,)


@admin.register(BillingPeriod)
class BillingPeriodAdmin(admin.ModelAdmin):
    list_display = ("retainer", "starts_on", "ends_on", "invoice", "fee", "overage_hours")
    raw_id_fields = ("owner", "retainer", "invoice")


@admin.register(HoursForecast)
class HoursForecastAdmin(admin.ModelAdmin):
    list_display = ("milestone", "forecast_on", "hours", "estimated_hours")
    raw_id_fields = ("owner", "milestone")


admin.site.register(TimeSettings)
admin.site.register(ClientRate, raw_id_fields=("owner", "client"))
admin.site.register(ProjectTimeSettings, raw_id_fields=("owner", "project"))
