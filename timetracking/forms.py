"""Forms of time tracking: they validate; services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.widgets import ClientPicker
from crm.text import CleanForm, CleanModelForm
from projects.models import Milestone, Project, ScopeItem

from . import clock
from .models import Expense, Grouping, Retainer, TimeEntry, TimeSettings
from .receipts import receipt_clean

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
OPEN = (
    Project.Status.LEAD,
    Project.Status.OFFERED,
    Project.Status.ACTIVE,
    Project.Status.ON_HOLD,
)


def open_projects(user: Any, keep: int | None = None) -> QuerySet[Project]:
    """Return the user's projects time can be booked on (plus ``keep``, e.g. the current one)."""
    return (
        Project.objects.owned_by(user)
        .filter(Q(status__in=OPEN) | Q(pk=keep))
        .select_related("client")
        .order_by("client__name", "title")
    )


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return f"{obj.client.name} · {obj.title}"


class MilestoneChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Milestone) -> str:
        return f"{obj.project.title} · {obj.title}"


class ScopeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ScopeItem) -> str:
        marker = "" if obj.is_in_scope else f" ({_('out of scope')})"
        return f"{obj.project.title} · {obj.title}{marker}"


def _project_id(form: forms.BaseForm, instance: Any = None) -> int | None:
    raw = form.data.get(form.add_prefix("project")) if form.is_bound else None
    raw = raw or form.initial.get("project") or getattr(instance, "project_id", None)
    raw = getattr(raw, "pk", raw)
    try:
        return int(raw) if raw else None
    except (TypeError, ValueError):
        return None


class WorkPartsMixin:
    """Project, milestone and scope item choices limited to the user's open projects."""

    def setup_parts(self, user: Any, keep_project: int | None) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        fields["project"] = ProjectChoice(
            queryset=open_projects(user, keep_project), label=_("Project")
        )
        project_id = _project_id(self, getattr(self, "instance", None))  # type: ignore[arg-type]
        parts = Q(project__status__in=OPEN) | Q(project_id=keep_project)
        if project_id:
            parts = Q(project_id=project_id)
        fields["milestone"] = MilestoneChoice(
            queryset=Milestone.objects.owned_by(user).filter(parts).select_related("project"),
            required=False,
            label=_("Milestone"),
        )
        fields["scope_item"] = ScopeChoice(
            queryset=ScopeItem.objects.owned_by(user).filter(parts).select_related("project"),
            required=False,
            label=_("Scope item"),
        )

    def clean_parts(self, data: dict[str, Any]) -> None:
        project = data.get("project")
        for name in ("milestone", "scope_item"):
            part = data.get(name)
            if project and part and part.project_id != project.pk:
                self.add_error(name, _("This belongs to another project."))  # type: ignore[attr-defined]


class TimerStartForm(WorkPartsMixin, CleanForm):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    milestone = forms.ModelChoiceField(queryset=Milestone.objects.none(), required=False)
    scope_item = forms.ModelChoiceField(queryset=ScopeItem.objects.none(), required=False)
    description = forms.CharField(
        label=_("What are you working on?"), max_length=500, required=False
    )
    is_billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_parts(user, None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_parts(data)
        return data


class TimerCutForm(CleanForm):
    ended_at = forms.DateTimeField(
        label=_("It ended at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class EntryForm(WorkPartsMixin, CleanModelForm):
    start = forms.TimeField(label=_("From"), required=False, widget=TIME)
    end = forms.TimeField(label=_("To"), required=False, widget=TIME)
    duration = forms.CharField(
        label=_("or duration"),
        required=False,
        max_length=12,
        help_text=_("e.g. 1:30, 1,5 or 90m"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    class Meta:
        model = TimeEntry
        fields = (
            "project",
            "milestone",
            "scope_item",
            "work_on",
            "description",
            "is_billable",
            "is_out_of_scope",
        )
        widgets: ClassVar = {"work_on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.zone = clock.zone_of(user)
        self.setup_parts(user, self.instance.project_id)
        self.order_fields(
            ["project", "milestone", "scope_item", "work_on", "start", "end", "duration"]
        )
        entry = self.instance
        if entry.pk and not self.is_bound:
            if entry.started_at and entry.ended_at:
                self.initial["start"] = entry.started_at.astimezone(self.zone).time()
                self.initial["end"] = entry.ended_at.astimezone(self.zone).time()
            else:
                self.initial["duration"] = clock.hours_text(entry.seconds)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_parts(data)
        day = data.get("work_on")
        start, end = data.get("start"), data.get("end")
        duration = data.get("duration", "")
        try:
            seconds = clock.parse_duration(duration)
            if start and end and day:
                started, ended = clock.span(day, start, end, self.zone)
                self.instance.started_at, self.instance.ended_at = started, ended
                self.instance.seconds = clock.elapsed_seconds(started, ended)
            elif start or end:
                raise clock.ClockError(_("Give both the start and the end, or a duration."))
            elif seconds:
                self.instance.started_at = self.instance.ended_at = None
                self.instance.seconds = seconds
            elif day:
                raise clock.ClockError(_("Give the start and the end, or a duration."))
        except clock.ClockError as error:
            self.add_error("duration" if not (start or end) else "end", str(error))
        return data


class CellField(forms.CharField):
    """One week-grid cell: a duration in hours ("1:30", "1,5"); empty for none."""

    def clean(self, value: Any) -> int:  # type: ignore[override]
        text = super().clean(value)
        try:
            return clock.parse_duration(text) or 0
        except clock.ClockError as error:
            raise forms.ValidationError(str(error)) from error


class WeekForm(CleanForm):
    """The editable cells of the week grid, named ``c-<project>-<yyyymmdd>``."""

    def __init__(
        self, *args: Any, cells: list[tuple[int, datetime.date, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for project_id, day, value in cells:
            self.fields[cell_name(project_id, day)] = CellField(
                required=False, max_length=12, initial=value
            )


def cell_name(project_id: int, day: datetime.date) -> str:
    return f"c-{project_id}-{day:%Y%m%d}"


class ExpenseForm(CleanModelForm):
    class Meta:
        model = Expense
        fields = (
            "project",
            "spent_on",
            "description",
            "amount",
            "vat_rate",
            "is_billable",
            "markup_percent",
            "receipt",
        )
        widgets: ClassVar = {
            "spent_on": DATE,
            "receipt": forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
            ),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"] = ProjectChoice(
            queryset=open_projects(user, self.instance.project_id), label=_("Project")
        )
        self.fields["receipt"].help_text = _("PDF, JPEG, PNG or WebP, at most 10 MB.")

    def clean_receipt(self) -> Any:
        receipt = self.cleaned_data.get("receipt")
        if receipt and hasattr(receipt, "content_type"):
            return receipt_clean(receipt)
        return receipt


class RetainerForm(CleanModelForm):
    class Meta:
        model = Retainer
        fields = (
            "kind",
            "project",
            "covers_client",
            "title",
            "interval",
            "amount",
            "included_hours",
            "overage_rate",
            "starts_on",
            "ends_on",
            "notice_days",
            "invoice_day",
        )
        widgets: ClassVar = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"] = ProjectChoice(
            queryset=open_projects(user, self.instance.project_id),
            label=_("Project"),
            help_text=_("The invoices are written for this project."),
        )
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == Retainer.Kind.RETAINER:
            if data.get("interval") != Retainer.Interval.MONTHLY:
                self.add_error("interval", _("A retainer is billed monthly."))
            if data.get("included_hours") is None:
                self.add_error("included_hours", _("Enter the hours the fee includes."))
            project = data.get("project")
            if project and data.get("overage_rate") is None:
                from .services import rate_for

                if rate_for(project) is None:
                    self.add_error(
                        "overage_rate",
                        _("Enter the rate for extra hours (no rate is set anywhere else)."),
                    )
        else:
            data["included_hours"] = None
            data["covers_client"] = False
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end lies before the start."))
        return data


class RetainerEndForm(CleanForm):
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)


class TimeSettingsForm(CleanModelForm):
    class Meta:
        model = TimeSettings
        fields = ("hourly_rate", "rounding", "grouping", "timer_limit_hours")


class ClientRateForm(CleanForm):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label=_("Client"))
    hourly_rate = forms.DecimalField(
        label=_("Hourly rate (net)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text=_("Leave empty to remove the client's rate."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.owned_by(user)
        self.fields["client"].widget = ClientPicker(attrs={"class": "form-select"})


class InvoiceFromTimeForm(CleanForm):
    grouping = forms.ChoiceField(label=_("Lines"), choices=Grouping.choices)
    until = forms.DateField(label=_("Time up to and including"), required=False, widget=DATE)
    include_expenses = forms.BooleanField(
        label=_("Include billable expenses"), required=False, initial=True
    )


class PortalHoursForm(CleanForm):
    hours_in_portal = forms.BooleanField(label=_("Show hours in the client portal"), required=False)


class ExportForm(CleanForm):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end lies before the start."))
            elif (end - start).days > 3660:
                self.add_error("end", _("Export at most ten years at once."))
        return data


def today() -> datetime.date:
    return timezone.localdate()
