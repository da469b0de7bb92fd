"""The freelancer's country becomes an ISO 3166 code (an unknown name is kept for them to fix,
never guessed); the text of existing profiles is cleaned (crm/text.py)."""

from django.db import migrations, models

from crm.countries import country_code
from crm.text import text_repair_rows


def forwards(apps, schema_editor):
    Profile = apps.get_model("crm", "Profile")
    text_repair_rows(Profile)
    rows = list(Profile.objects.exclude(country="").only("pk", "country"))
    for profile in rows:
        typed = profile.country
        profile.country = country_code(typed)
        profile.country_unrecognised = "" if profile.country else typed[:100]
    Profile.objects.bulk_update(rows, ["country", "country_unrecognised"], batch_size=500)


def backwards(apps, schema_editor):
    Profile = apps.get_model("crm", "Profile")
    Profile.objects.exclude(country_unrecognised="").update(country=models.F("country_unrecognised"))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_profile_sender_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="country_unrecognised",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="country as typed, not recognised"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
