"""Clients, their contact people, personal notes and tags."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from crm.countries import address_country_line
from crm.models import OwnedModel, OwnedQuerySet, TimestampedModel
from crm.tone import Tone, tone_for
from crm.validators import validate_leitweg_id, validate_phone, validate_vat_id


class Cadence(models.TextChoices):
    """How often a client hears about a project's progress."""

    NONE = "none", _("No status updates")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Tag(OwnedModel):
    """A freelancer's label for grouping clients (e.g. "agency", "retainer")."""

    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ("name",)
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints: ClassVar = [
            models.UniqueConstraint("owner", Lower("name"), name="tag_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientQuerySet(OwnedQuerySet):
    def active(self) -> ClientQuerySet:
        """Return the clients that are not archived."""
        return self.filter(archived_at__isnull=True)


class Client(OwnedModel):
    """A person or company the freelancer works for, and how they want to be addressed."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Language(models.TextChoices):
        GERMAN = "de", _("German")
        ENGLISH = "en", _("English")

    class FormOfAddress(models.TextChoices):
        # German: Sie / du; English: formal / casual.
        FORMAL = "formal", _("Formal (Sie / formal English)")
        INFORMAL = "informal", _("Informal (du / casual English)")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video call")
        IN_PERSON = "in_person", _("In person")
        CHAT = "chat", _("Chat")

    class Status(models.TextChoices):
        LEAD = "lead", _("Lead")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        PAST = "past", _("Past")

    class Relationship(models.TextChoices):
        NEW = "new", _("New")
        REGULAR = "regular", _("Regular")
        LOYAL = "loyal", _("Loyal")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("Company name, or the person's full name.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    website = models.URLField(_("website"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    # A country typed as text (before countries were codes, or in an import) that was not
    # recognised: shown for the freelancer to pick the country; cleared when they do.
    country_unrecognised = models.CharField(
        _("country as typed, not recognised"), max_length=100, blank=True
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.GERMAN
    )
    form_of_address = models.CharField(
        _("form of address"),
        max_length=10,
        choices=FormOfAddress.choices,
        default=FormOfAddress.FORMAL,
    )
    salutation = models.CharField(
        _("salutation"),
        max_length=120,
        blank=True,
        help_text=_('As written in letters, e.g. "Frau Dr. Weber" or "Anna".'),
    )
    sign_off = models.CharField(
        _("sign-off"),
        max_length=120,
        blank=True,
        help_text=_('Leave empty for the default, e.g. "Mit freundlichen Grüßen".'),
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, default=Relationship.NEW
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="clients", verbose_name=_("tags"))
    update_cadence = models.CharField(
        _("default status-update cadence"),
        max_length=10,
        choices=Cadence.choices,
        default=Cadence.WEEKLY,
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    customer_number = models.CharField(
        _("customer number"),
        max_length=40,
        blank=True,
        help_text=_("Your number for this client, e.g. from your accounting software."),
    )
    # For invoices: the buyer's VAT ID (reverse charge, § 13b UStG: BT-48 in the e-invoice) and
    # the Leitweg-ID of a public-sector client or the reference a company asks for (XRechnung
    # buyer reference, BT-10).
    vat_id = models.CharField(
        _("VAT ID"),
        max_length=20,
        blank=True,
        validators=[validate_vat_id],
        help_text=_("A business in another EU country: invoices then use the reverse charge."),
    )
    leitweg_id = models.CharField(
        _("Leitweg-ID or buyer reference"),
        max_length=46,
        blank=True,
        validators=[validate_leitweg_id],
        help_text=_(
            "A public-sector client's Leitweg-ID, or the reference a company that asks for "
            "XRechnung wants quoted; invoices then also come as XRechnung."
        ),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes: ClassVar = [
            models.Index(fields=["owner", "name"], name="client_owner_name"),
            models.Index(fields=["owner", "status"], name="client_owner_status"),
            # The list sorts by creation date and hides archived clients.
            models.Index(fields=["owner", "-created_at"], name="client_owner_created"),
            # Duplicate check of the CSV import and the client form.
            models.Index(Lower("email"), "owner", name="client_owner_email_ci"),
            # The import matches rows to existing clients by customer number.
            models.Index(
                "owner",
                "customer_number",
                name="client_owner_customer_number",
                condition=~models.Q(customer_number=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def tone(self) -> Tone:
        """Return how to address this client (see crm.tone)."""
        return tone_for(self)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def postal_lines(self) -> list[str]:
        """Return street and city as lines (the country is a field of its own)."""
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.street, city_line) if line]

    def letter_lines(self, *, home: str) -> list[str]:
        """Return the address lines of a letter from a sender in the country ``home`` (DIN
        5008: a country line, in capitals, only for a foreign address)."""
        country = address_country_line(self.country.code, home=home, language=self.language)
        return [*self.postal_lines, country] if country else self.postal_lines


# The fields a freelancer edits on a client, in form order (form, CSV and audit log share it).
CLIENT_EDITABLE_FIELDS = (
    "kind",
    "name",
    "email",
    "phone",
    "website",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "form_of_address",
    "salutation",
    "sign_off",
    "preferred_channel",
    "status",
    "relationship",
    "update_cadence",
    "payment_terms_days",
    "customer_number",
    "vat_id",
    "leitweg_id",
)


class ContactQuerySet(OwnedQuerySet):
    owner_path = "client__owner"


class Contact(TimestampedModel):
    """A person at a client: who they are and how to reach them."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    is_primary = models.BooleanField(_("primary contact"), default=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ("-is_primary", "name")
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class NoteQuerySet(OwnedQuerySet):
    owner_path = "client__owner"

    def prominent(self) -> NoteQuerySet:
        """Return the notes that stand at the top: pinned ones and every no-go."""
        return self.filter(models.Q(is_pinned=True) | models.Q(kind=Note.Kind.NO_GO))


class Note(TimestampedModel):
    """A personal note about a client: what they wish, what must never happen, what was said."""

    class Kind(models.TextChoices):
        WISH = "wish", _("Wish")
        DIRECTION = "direction", _("Direction")
        NO_GO = "no_go", _("No-go")
        CONTEXT = "context", _("Context")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        # What happened (an insult, a threat, a boundary crossed), when, and what was agreed.
        INCIDENT = "incident", _("Incident")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CONTEXT)
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    body = models.TextField(_("note"), max_length=10_000)
    agreed = models.TextField(
        _("what was agreed"),
        max_length=5_000,
        blank=True,
        help_text=_("For an incident: what you and the client agreed afterwards."),
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ("-noted_on", "-created_at")
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes: ClassVar = [
            models.Index(fields=["client", "-noted_on"], name="note_client_date"),
            models.Index(
                fields=["client"],
                name="note_client_prominent",
                condition=models.Q(is_pinned=True) | models.Q(kind="no_go"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body[:40]}"


class ImportUpload(OwnedModel):
    """An uploaded client file waiting between upload, mapping, preview and import.

    The bytes are kept in the database (owner-scoped, no shared media folder needed), so a
    freelancer who corrects the mapping never chooses the file again. The import deletes it;
    uploads older than a day are swept at the next upload (``import_upload_store``).
    """

    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    # What the reader found: "csv", "xlsx" or "vcard", and the name of a recognised export.
    file_kind = models.CharField(_("file type"), max_length=10)
    detected_format = models.CharField(_("recognised format"), max_length=40, blank=True)
    # Column index (as a string) -> target field (see clients.import_fields); absent = ignored.
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    mapping_done = models.BooleanField(_("mapping confirmed"), default=False)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("import upload")
        verbose_name_plural = _("import uploads")

    def __str__(self) -> str:
        return self.filename


class ImportPreset(OwnedModel):
    """A freelancer's saved column mapping, applied again to files with the same headers."""

    name = models.CharField(_("name"), max_length=100)
    # The normalised headers of the file the preset was made for, in order.
    headers = models.JSONField(_("column headers"), default=list)
    # Header (normalised) -> target field.
    mapping = models.JSONField(_("mapping"), default=dict)

    class Meta:
        ordering = ("name",)
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")
        constraints: ClassVar = [
            models.UniqueConstraint("owner", Lower("name"), name="import_preset_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
