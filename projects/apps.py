from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from clients import hooks

        from .selectors.project import client_sections_data
        from .selectors.scope import goodwill_ledger

        hooks.client_section_register(
            template="projects/_client_sections.html", data=client_sections_data, order=10
        )
        # What the client got beyond the agreement, beside what they were invoiced.
        hooks.client_section_register(
            template="projects/_client_goodwill.html",
            data=lambda client: goodwill_ledger(client=client),
            order=15,
        )
