from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = _("Banking")

    def ready(self) -> None:
        from projects import events

        from . import services

        # The manual-payment service announces the payment it created; a bank booking keeps it
        # to link it to the bank entry (services._record).
        events.invoice_payment_recorded.connect(
            services.payment_recorded, dispatch_uid="banking.payment_recorded"
        )
