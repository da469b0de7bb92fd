from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from clients import hooks

        from .selectors import client_mails_data

        hooks.client_section_register(
            template="inbox/_client_mails.html", data=client_mails_data, order=30
        )
