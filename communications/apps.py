from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from . import limits, receivers

        receivers.connect()
        email_confirmed.connect(limits.email_confirmed_receiver, dispatch_uid="comms.confirmed")
