"""Services of the crm app: accounts and the freelancer profile."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .forms import ProfileForm
from .logos import logo_downscaled
from .models import Profile, new_token


def profile_update(*, form: ProfileForm) -> Profile:
    """Save a validated profile form; delete the replaced logo file after commit. Idempotent.

    A newly uploaded logo is stored downscaled and without metadata (``crm.logos``).
    """
    profile: Profile = form.instance
    upload = form.cleaned_data.get("logo")
    if "logo" in form.changed_data and upload and hasattr(upload, "content_type"):
        profile.logo = logo_downscaled(upload, upload.name)
    previous_logo = ""
    if profile.pk:
        previous_logo = (
            Profile.objects.filter(pk=profile.pk).values_list("logo", flat=True).first() or ""
        )
    if profile.country:  # chosen from the list: the flag of a text not recognised goes
        profile.country_unrecognised = ""
    with transaction.atomic():
        profile = form.save()
        if previous_logo and previous_logo != profile.logo.name:
            storage = profile.logo.storage
            transaction.on_commit(lambda: storage.delete(previous_logo))
    return profile


def calendar_token_regenerate(*, user: Any) -> Profile:
    """Give the freelancer a new calendar token; the old feed URL stops working at once."""
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.calendar_token = new_token()
    profile.save(update_fields=["calendar_token", "updated_at"])
    return profile
