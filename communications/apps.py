from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from clients import hooks

        from . import limits, receivers
        from .holds import client_holds_section

        receivers.connect()
        hooks.client_section_register(
            template="communications/_client_holds.html", data=client_holds_section, order=1
        )
        email_confirmed.connect(limits.email_confirmed_receiver, dispatch_uid="comms.confirmed")
