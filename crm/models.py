"""The shared base: the freelancer (user and profile) and the abstract owned model."""

from __future__ import annotations

import re
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from . import freshness
from .validators import validate_bic, validate_iban, validate_phone

CURRENCIES = [("EUR", "EUR"), ("CHF", "CHF"), ("USD", "USD"), ("GBP", "GBP")]


def new_token() -> str:
    """Return an unguessable URL token (256 bits)."""
    return secrets.token_urlsafe(32)


# URL-safe base64 as new_token makes it; anything else (NUL bytes, spaces) is not a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_token(value: str) -> bool:
    """Return whether ``value`` is shaped like a token, so that nothing else reaches a lookup."""
    return bool(TOKEN_PATTERN.fullmatch(value or ""))


TIME_ZONES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


class User(AbstractUser):
    """A freelancer: logs in with e-mail (or username) and owns everything they create."""

    email = models.EmailField(_("e-mail address"))

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    @property
    def profile_or_default(self) -> Profile:
        """Return the profile, or an unsaved default one for a user who has none yet."""
        try:
            return self.profile
        except Profile.DoesNotExist:
            return Profile(user=self)


class Profile(models.Model):
    """What documents and e-mails need to know about the freelancer."""

    class Language(models.TextChoices):
        GERMAN = "de", _("German")
        ENGLISH = "en", _("English")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True, default="DE")
    # The country as typed before countries were codes, when it was not recognised.
    country_unrecognised = models.CharField(
        _("country as typed, not recognised"), max_length=100, blank=True
    )
    reply_to_email = models.EmailField(_("e-mail for replies"), blank=True)
    # Client mail comes From this address once a link mailed to it was opened (crm/senders.py).
    sender_email = models.EmailField(_("send client mail from"), blank=True)
    sender_verified_at = models.DateTimeField(_("sender address confirmed"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    website = models.URLField(_("website"), blank=True)
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    is_small_business = models.BooleanField(
        _("small-business VAT exemption (§ 19 UStG)"),
        default=False,
        help_text=_("Invoices then carry no VAT and the legally required note."),
    )
    default_currency = models.CharField(
        _("default currency"), max_length=3, choices=CURRENCIES, default="EUR"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONES, default="Europe/Berlin"
    )
    language = models.CharField(
        _("interface language"), max_length=2, choices=Language.choices, default=Language.GERMAN
    )
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=new_token, editable=False
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("PNG or JPEG, shown on offers and invoices."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """Return the name the freelancer signs with."""
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def reply_address(self) -> str:
        """Return the address clients should answer to."""
        return self.reply_to_email or self.user.email

    @property
    def postal_lines(self) -> list[str]:
        """Return the postal address as lines, for letterheads."""
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.street, city_line) if line]

    def plain_values(self) -> dict[str, Any]:
        """Return the details documents and e-mails show, as plain values (JSON-friendly).

        The one plain view of the profile: offer and invoice snapshots store it as their
        seller, message templates see a part of it as ``freelancer``.
        """
        return {
            "name": self.name,
            "business_name": self.business_name,
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country.code,
            "email": self.reply_address,
            "phone": self.phone,
            "website": self.website,
            "tax_number": self.tax_number,
            "vat_id": self.vat_id,
            "bank_name": self.bank_name,
            "iban": self.iban,
            "bic": self.bic,
            "is_small_business": self.is_small_business,
        }


class OwnedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to one freelancer's rows.

    Models owned through a parent set ``owner_path`` (e.g. ``"client__owner"``).
    """

    owner_path: ClassVar[str] = "owner"

    def owned_by(self, user: Any) -> OwnedQuerySet:
        """Return only the rows that belong to ``user`` (none for an anonymous user)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(**{self.owner_path: user})

    # Bulk writes send no signals: they renew the owners' data generations themselves, so that
    # caches keyed on them (crm/freshness.py) never serve data from before the write.

    def _owner_ids(self) -> list[Any]:
        return list(self.order_by().values_list(self.owner_path, flat=True).distinct())

    def update(self, **kwargs: Any) -> int:
        owners = self._owner_ids()
        count = super().update(**kwargs)
        if count:
            freshness.owners_touch(owners, self.model)
        return count

    def update_of_owner(self, owner_id: int, **kwargs: Any) -> int:
        """``update()`` for rows the caller knows belong to ``owner_id`` (say, one row it just
        read): the same renewal without the query that looks the owners up."""
        count = super().update(**kwargs)
        if count:
            freshness.owners_touch([owner_id], self.model)
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        owners = self._owner_ids()
        result = super().delete()
        freshness.owners_touch(owners)  # a cascade may have deleted rows of other models
        return result

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        freshness.owners_touch(
            (freshness.owner_of(obj, self.owner_path) for obj in created), self.model
        )
        return created

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        count = super().bulk_update(objs, *args, **kwargs)
        freshness.owners_touch(
            (freshness.owner_of(obj, self.owner_path) for obj in objs), self.model
        )
        return count


class RenewsOwnerOnDelete(models.Model):
    """Deleting a row renews its owner's ``ANY`` generation (crm/freshness.py), once per delete.

    Rows deleted with it by a cascade belong to the same freelancer and ``ANY`` covers every
    model, so no ``post_delete`` receiver is needed (one would also turn Django's fast cascade
    deletes into row-by-row ones).
    """

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        path = getattr(type(self)._default_manager._queryset_class, "owner_path", "owner")
        owner = freshness.owner_of(self, path)
        result = super().delete(*args, **kwargs)
        freshness.owners_touch([owner])  # a cascade may have deleted rows of other models
        return result


class OwnedModel(RenewsOwnerOnDelete):
    """A row created by one freelancer; every view reaches it through ``owned_by(user)``."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True


class TimestampedModel(RenewsOwnerOnDelete):
    """A row owned through its parent, with creation and update times."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who changed what and when, for clients, projects, offers and invoices."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        ARCHIVE = "archive", _("Archived")
        ERASE = "erase", _("Erased")
        EXPORT = "export", _("Exported")
        STATUS = "status", _("Status changed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.CharField(_("who"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ("-occurred_at", "-pk")
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes: ClassVar = [
            models.Index(fields=["owner", "-occurred_at"], name="audit_owner_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.object_repr}"
