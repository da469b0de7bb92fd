from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Log-in, two factors, sessions and sign-up limits around the crm's User (django-allauth)."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
