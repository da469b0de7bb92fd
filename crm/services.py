"""Services of the crm app: accounts and the dashboard."""

from django.db import transaction

from .forms import SignupForm
from .models import Profile, User


def user_sign_up(*, form: SignupForm, language: str) -> User:
    """Create the user and their profile in one transaction. Not idempotent."""
    with transaction.atomic():
        user = form.save()
        Profile.objects.create(
            user=user,
            display_name=form.cleaned_data["display_name"],
            language=language if language in {"de", "en"} else "de",
        )
    return user
