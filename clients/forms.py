"""Forms of the clients app: the client with its contacts, notes, the list filters, CSV upload."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.validators import MaxValueValidator
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.text import CleanForm, CleanModelForm
from crm.validators import LEITWEG_START_RE

from .models import CLIENT_EDITABLE_FIELDS, Client, Contact, Note, Tag
from .widgets import ClientPicker

TAG_SPLIT = re.compile(r"[,;|]")
MAX_TAGS = 20


def split_tag_names(value: str) -> list[str]:
    """Return the distinct, trimmed tag names in ``value`` ("a, b; c" -> ["a", "b", "c"])."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in TAG_SPLIT.split(value or ""):
        name = " ".join(raw.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def clean_tag_names(value: str) -> list[str]:
    """Validate a tag list as typed by the freelancer; raise ValidationError with a clear text."""
    names = split_tag_names(value)
    too_long = [name for name in names if len(name) > 50]
    if too_long:
        raise forms.ValidationError(_("A tag can have at most 50 characters."))
    if len(names) > MAX_TAGS:
        raise forms.ValidationError(_("At most %(n)d tags per client.") % {"n": MAX_TAGS})
    return names


class ClientForm(CleanModelForm):
    """Every field of a client; tags typed as a comma-separated list."""

    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    tag_names = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas, e.g. Agentur, Retainer."),
    )

    class Meta:
        model = Client
        fields = CLIENT_EDITABLE_FIELDS

    def __init__(self, *args: Any, relationship_hint: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tag_names"] = ", ".join(tag.name for tag in self.instance.tags.all())
        self.fields["payment_terms_days"].validators.append(MaxValueValidator(365))
        self.fields["payment_terms_days"].widget.attrs["max"] = 365
        if relationship_hint is not None:
            self.fields["relationship"].help_text = _(
                "Suggested from the history: %(label)s (%(reason)s)."
            ) % {"label": relationship_hint.label, "reason": relationship_hint.reason}

    @cached_property
    def helper(self) -> FormHelper:
        """Return the crispy layout (built on first use: the CSV import validates without it)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.layout = Layout(
            Fieldset(
                _("Who"),
                Row(Column("kind", css_class="col-md-4"), Column("name", css_class="col-md-8")),
                Row(Column("email", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
                Row(
                    Column("website", css_class="col-md-8"),
                    Column("customer_number", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Tone of address"),
                Row(
                    Column("language", css_class="col-md-4"),
                    Column("form_of_address", css_class="col-md-8"),
                ),
                Row(
                    Column("salutation", css_class="col-md-6"),
                    Column("sign_off", css_class="col-md-6"),
                ),
            ),
            Fieldset(
                _("Postal address"),
                "street",
                Row(
                    Column("postal_code", css_class="col-md-3"),
                    Column("city", css_class="col-md-5"),
                    Column("country", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Working together"),
                Row(
                    Column("status", css_class="col-md-4"),
                    Column("relationship", css_class="col-md-4"),
                    Column("preferred_channel", css_class="col-md-4"),
                ),
                Row(
                    Column("update_cadence", css_class="col-md-6"),
                    Column("payment_terms_days", css_class="col-md-6"),
                ),
                "tag_names",
            ),
            Fieldset(
                _("Invoicing"),
                Row(
                    Column("vat_id", css_class="col-md-6"),
                    Column("leitweg_id", css_class="col-md-6"),
                ),
            ),
        )
        return helper

    def clean_vat_id(self) -> str:
        return self.cleaned_data["vat_id"].replace(" ", "").upper()

    def clean_leitweg_id(self) -> str:
        """A Leitweg-ID in capitals; a company's own buyer reference as it was written."""
        reference = " ".join(self.cleaned_data["leitweg_id"].split())
        return reference.upper() if LEITWEG_START_RE.match(reference) else reference

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the client's name."))
        return name

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean_tag_names(self) -> list[str]:
        return clean_tag_names(self.cleaned_data["tag_names"])


class ContactForm(CleanModelForm):
    class Meta:
        model = Contact
        fields = ("name", "role", "email", "phone", "is_primary")


class BaseContactFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        primaries = sum(
            1
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not form.cleaned_data.get("DELETE")
        )
        if primaries > 1:
            raise forms.ValidationError(_("Only one contact can be the primary contact."))


ContactFormSet = inlineformset_factory(
    Client,
    Contact,
    form=ContactForm,
    formset=BaseContactFormSet,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


class NoteForm(CleanModelForm):
    class Meta:
        model = Note
        fields = ("kind", "noted_on", "body", "agreed", "is_pinned")
        widgets: ClassVar = {
            "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "noted_on": forms.DateInput(
                attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
            ),
            "body": forms.Textarea(
                attrs={"rows": 2, "class": "form-control form-control-sm", "maxlength": 10_000}
            ),
            "agreed": forms.Textarea(
                attrs={"rows": 1, "class": "form-control form-control-sm", "maxlength": 5_000}
            ),
            "is_pinned": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write something in the note."))
        return body


class NoteQuickAddForm(NoteForm):
    """A note with a client chooser, for the dashboard."""

    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), widget=ClientPicker()
    )

    class Meta(NoteForm.Meta):
        fields = ("client", "kind", "noted_on", "body", "agreed", "is_pinned")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "quick_note_%s")
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.owned_by(user).active()
        self.fields["noted_on"].initial = timezone.localdate


class ClientFilterForm(CleanForm):
    """The search and filters of the client list (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Client.Status.choices]
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"),
        required=False,
        choices=[("", _("Any relationship")), *Client.Relationship.choices],
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=[])
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("status", _("Status")),
        ],
    )
    archived = forms.BooleanField(label=_("Show archived"), required=False)

    def __init__(self, *args: Any, tags: list[Tag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("Any tag")), *((t.name, t.name) for t in tags)]

    def filters(self) -> dict[str, Any]:
        """Return the valid filters (an invalid value is dropped, never an error page)."""
        self.is_valid()
        # Invalid fields drop out of cleaned_data; the valid ones still filter.
        data = self.cleaned_data
        return {
            "query": data.get("q", ""),
            "status": data.get("status", ""),
            "relationship": data.get("relationship", ""),
            "tag": data.get("tag", ""),
            "sort": data.get("sort") or "name",
            "include_archived": bool(data.get("archived")),
        }


class ImportUploadForm(CleanForm):
    file = forms.FileField(
        label=_("File with your clients"),
        help_text=_(
            "CSV (any separator; UTF-8, Windows-1252 or Latin-1), Excel (.xlsx) or vCard (.vcf, "
            "several contacts in one file); at most 5 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx,.vcf,text/csv,text/vcard"}
        ),
    )

    def clean_file(self) -> Any:
        from .import_files import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB. Split it, or export fewer columns.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ImportMappingForm(CleanForm):
    """One choice per column of the file: the client field it goes to, or "ignore"."""

    save_preset = forms.BooleanField(label=_("Save this mapping for the next file"), required=False)
    preset_name = forms.CharField(
        label=_("Name of the mapping"),
        required=False,
        max_length=100,
        help_text=_("Files with the same columns are then mapped like this one automatically."),
    )

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        samples: list[list[str]],
        choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)d") % {"n": index + 1},
                choices=choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.columns.append((self[name], samples[index] if index < len(samples) else []))
        # The checkbox and name last, after the columns.
        self.order_fields(
            [*(f"col_{i}" for i in range(len(headers))), "save_preset", "preset_name"]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        targets = {value for key, value in data.items() if key.startswith("col_") and value}
        if not targets & {"name", "company", "first_name", "last_name"}:
            raise forms.ValidationError(
                _("Choose the column with the name (or company, first or last name).")
            )
        if data.get("save_preset") and not data.get("preset_name", "").strip():
            self.add_error("preset_name", _("Give the mapping a name to save it."))
        return data

    def mapping(self) -> dict[str, str]:
        """Return the chosen mapping as {column index: target}."""
        return {
            key.removeprefix("col_"): value
            for key, value in self.cleaned_data.items()
            if key.startswith("col_") and value
        }


class ImportConfirmForm(CleanForm):
    skip_errors = forms.BooleanField(
        label=_("Leave out the rows with errors and import the others"), required=False
    )
