"""Forms of the communications app: they validate; services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.widgets import ClientPicker
from crm.text import CleanForm, CleanModelForm
from timeline.models import Activity

from .models import ClientCommunication, CommunicationSettings, Message, MessageTemplate
from .sandbox import TemplateProblem, template_check

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
QUIET_HOURS_WIDGETS = {
    "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
}


class MessageFilterForm(CleanForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Message.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Message.Kind.choices]
    )
    client = forms.ModelChoiceField(
        label=_("Client"),
        required=False,
        queryset=Client.objects.none(),
        empty_label=_("All"),
        widget=ClientPicker(archived=True),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.owned_by(user).only("pk", "name")


class MessageEditForm(CleanForm):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body_text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}), max_length=50_000
    )


class RescheduleForm(CleanForm):
    send_after = forms.DateTimeField(label=_("Send after"), widget=DATETIME_WIDGET)

    def clean_send_after(self) -> datetime.datetime:
        value = self.cleaned_data["send_after"]
        if value < timezone.now() - datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


class ComposeForm(CleanForm):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=50_000,
        help_text=_("Greeting and sign-off are added in the client's tone."),
    )


class ActivityLogForm(CleanForm):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[(Activity.Kind.CALL, _("Call")), (Activity.Kind.MEETING, _("Meeting"))],
    )
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME_WIDGET)
    summary = forms.CharField(label=_("Summary"), max_length=300)
    detail = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )


class CommunicationSettingsForm(CleanModelForm):
    class Meta:
        model = CommunicationSettings
        fields = (
            "min_gap_days",
            "quiet_from",
            "quiet_until",
            "send_on_weekends",
            "status_update_mode",
            "nothing_new",
            "delay_notice_mode",
            "reminder_mode",
            "reminder_1_days",
            "reminder_2_days",
            "reminder_3_days",
            "grace_new_days",
            "grace_regular_days",
            "grace_loyal_days",
            "keep_in_touch_weeks",
            "reply_pause_days",
        )
        widgets = QUIET_HOURS_WIDGETS

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        offsets = [data.get(f"reminder_{level}_days") for level in (1, 2, 3)]
        if None not in offsets and not (offsets[0] < offsets[1] < offsets[2]):
            raise forms.ValidationError(
                _(
                    "The reminder offsets must rise: friendly note before the clear reminder "
                    "before the final notice."
                )
            )
        if offsets[0] == 0:
            self.add_error("reminder_1_days", _("Give the client at least one day after due."))
        return data


class ClientCommunicationForm(CleanModelForm):
    class Meta:
        model = ClientCommunication
        fields = ClientCommunication.OVERRIDE_FIELDS
        widgets = {  # noqa: RUF012 (Django's Meta API)
            **QUIET_HOURS_WIDGETS,
            "send_on_weekends": forms.NullBooleanSelect(),
        }


class MessageTemplateForm(CleanModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("subject", "body")
        widgets = {  # noqa: RUF012 (Django's Meta API)
            "body": forms.Textarea(attrs={"rows": 18, "class": "font-monospace"})
        }

    def _checked(self, field: str) -> str:
        value = self.cleaned_data[field]
        try:
            template_check(value)
        except TemplateProblem as problem:
            raise forms.ValidationError(str(problem)) from problem
        return value

    def clean_subject(self) -> str:
        return self._checked("subject")

    def clean_body(self) -> str:
        return self._checked("body")


class PreviewClientForm(CleanForm):
    client = forms.ModelChoiceField(
        label=_("Preview for"), queryset=Client.objects.none(), widget=ClientPicker()
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients = Client.objects.owned_by(user).active()
        self.fields["client"].queryset = clients
        if not self.is_bound:
            # Preview for the first client right away (the page previews on load).
            first = clients.order_by("name", "pk").values_list("pk", flat=True).first()
            self.initial.setdefault("client", first)


class ReminderPauseForm(CleanForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    until_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to pause until you lift it."),
    )

    def clean_until_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("until_on")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The end date lies in the past."))
        return value
