"""Log in with e-mail address or username."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class EmailOrUsernameBackend(ModelBackend):
    """Authenticate against the username, or else the e-mail address (case-insensitive)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = (
            user_model.objects.filter(username=username).first()
            or user_model.objects.filter(email__iexact=username).first()
        )
        if user is None:
            # Run the hasher anyway so a missing user takes as long as a wrong password.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
