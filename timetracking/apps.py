from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimetrackingConfig(AppConfig):
    name = "timetracking"
    verbose_name = _("Time and budgets")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
