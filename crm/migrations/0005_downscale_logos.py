"""Store every existing logo the way uploads are stored now: small, without metadata.

A logo over the pixel limits is removed (the freelancer uploads a smaller one). Documents
frozen before keep the logo they were rendered with.
"""

from django.core.exceptions import ValidationError
from django.db import migrations


def downscale_logos(apps, schema_editor):
    from crm.logos import logo_downscaled

    Profile = apps.get_model("crm", "Profile")
    for profile in Profile.objects.exclude(logo=""):
        old = profile.logo.name
        storage = profile.logo.storage
        try:
            with profile.logo.open("rb") as handle:
                small = logo_downscaled(handle, old)
        except FileNotFoundError:
            profile.logo = ""
        except (OSError, ValidationError):
            profile.logo = ""
            storage.delete(old)
        else:
            profile.logo.save(small.name, small, save=False)
            storage.delete(old)
        profile.save(update_fields=["logo"])


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_profile_country_iso_field")]

    operations = [migrations.RunPython(downscale_logos, migrations.RunPython.noop)]
