from django.apps import AppConfig, apps
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Accounts and settings")

    def ready(self) -> None:
        from . import freshness
        from .logos import strict_pixel_limit
        from .models import OwnedQuerySet

        # No image over 20 megapixels is decoded in this process (a logo, or one in a PDF).
        strict_pixel_limit()

        # Every row a freelancer owns renews their data generation when saved (deletes: see
        # RenewsOwnerOnDelete; bulk writes: OwnedQuerySet).
        for model in apps.get_models():
            if issubclass(model._default_manager._queryset_class, OwnedQuerySet):
                post_save.connect(freshness.touch_instance, sender=model, weak=False)
